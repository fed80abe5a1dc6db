"""How names are found and flagged: the options stored with every interview."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NameOptions:
    """How names are found and flagged; stored with every interview."""

    # Pass the case glossary to Whisper as hotwords.
    bias: bool = True
    # A known name heard below this probability is still flagged.
    low_probability: float = 0.5
    # Ordinary words at least this much like a glossary name (0-100), with one
    # of them below ``low_probability``, are flagged as a possible name.
    sounds_like_glossary: float = 82.0
    # Ordinary words below this probability are flagged as possibly a name
    # the ASR did not know (0 switches this off).
    very_low_probability: float = 0.1
    # Two or three ordinary words, one of them doubtful, spelled this much
    # like a well-known place (0-100, letters only), are flagged as that
    # place split into words ("kill is" for Kilis).
    split_place_ratio: float = 88.0
    # Well-known: a town of at least this many people, or a place of any
    # other kind (subdivision, country, an agency's camp or village).
    split_place_min_population: int = 50_000
    # A word of at least this many letters that the speech model writes in
    # ``unknown_word_pieces`` or more tokens, heard below
    # ``low_probability``, is flagged as a possible name: the model spelled
    # out something it did not know ("unseparation" for Anseba). Only where
    # the vocabulary holds the ordinary words of the language whole or in
    # two: in French, "ajouté" and "critiques" come in pieces too.
    unknown_word_letters: int = 5
    unknown_word_pieces: int = 3
    unknown_word_languages: tuple[str, ...] = ("en",)
    min_suggestion_score: float = 70.0
    suggestions: int = 5
