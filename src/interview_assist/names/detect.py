"""Finding the names of people and places in a draft transcript, and flagging doubt.

Word probability alone says little about names (correct rare names often
score below 0.1, wrong common words above 0.8), so a flag combines signals:

- words written as a proper noun (capitalised, not at a sentence start), as
  one span, joined across particles ("Deir ez-Zor", "Bani Walid");
- whether the span is a known name: exactly in the case glossary or in a
  gazetteer (ignoring case, diacritics and punctuation);
- fuzzy and phonetic likeness to glossary and gazetteer names, which also
  catches names heard as ordinary words ("kill is" for Kilis): any such words
  like a glossary name, and words spelled nearly like a well-known place;
- low probability;
- in English, a doubtful word the speech model wrote in three or more
  pieces of its vocabulary ("unseparation" for Anseba);
- with biasing: any word that equals a list entry, and the decode without
  the list disagreeing.

A known place heard with confidence is not flagged; a person's name (after a
title, or starting with a given name, see :mod:`.kinds`) is always flagged
unless it is in the case glossary and was found without the list's help.
Every flag carries its reasons, its time span and the suggestions worth a
key, each with why it is offered (:mod:`.suggestions`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from interview_assist.core.transcript import GlossaryEntry, NameFlag, Segment, Suggestion
from interview_assist.names import kinds
from interview_assist.names.gazetteer import Gazetteer, Place, default_gazetteers_dir, well_known
from interview_assist.names.normalize import key, sound
from interview_assist.names.options import NameOptions
from interview_assist.names.suggestions import Suggester, with_unbiased_reading
from interview_assist.names.tokens import (
    FUNCTION_WORDS,
    PARTICLES,
    POSSESSIVE,
    SENTENCE_END,
    Token,
    join_tokens,
    not_a_name,
    tokens_of,
)

if TYPE_CHECKING:
    from interview_assist.asr.vocabulary import Vocabulary


class NameFinder:
    """Flags names in transcripts, against the gazetteers and one case glossary."""

    def __init__(
        self,
        gazetteer: Gazetteer,
        glossary: tuple[GlossaryEntry, ...] = (),
        options: NameOptions = NameOptions(),
        biased: bool = False,
        vocabulary: Vocabulary | None = None,
        given_names: frozenset[str] | None = None,
    ):
        """``vocabulary``: the speech model's (see :class:`Vocabulary`);
        without it, words are not judged by how the model wrote them.
        ``given_names``: keys of given names (default: those shipped in the gazetteers folder)."""
        self.gazetteer = gazetteer
        self.vocabulary = vocabulary
        self.glossary = glossary
        self.options = options
        self.biased = biased
        self._glossary_keys = {key(e.term): e for e in glossary}
        # Single words of multi-word glossary names: "Nazari" alone is a list word too.
        self._glossary_words = {key(w): e for e in glossary for w in re.split(r"[\s\-]+", e.term) if len(key(w)) >= 3}
        self.given = given_names if given_names is not None else kinds.given_names(default_gazetteers_dir())
        self.suggester = Suggester(gazetteer, glossary, options)
        choices = self.suggester.glossary_choices
        self._choice_keys = [key(term) for term, _ in choices]
        self._choice_sounds = [sound(term) for term, _ in choices]
        self._split_cache: dict[str, float] = {}

    # -- the whole transcript -------------------------------------------------

    def flag(self, segments: Sequence[Segment], unbiased: Sequence[Segment] = ()) -> list[NameFlag]:
        flags: list[NameFlag] = []
        starts_sentence = True
        for i, seg in enumerate(segments):
            if seg.words:
                flags += self.flag_segment(i, seg, starts_sentence)
                starts_sentence = bool(SENTENCE_END.search(seg.words[-1].text.strip()))
        if unbiased:
            flags = [with_unbiased_reading(self.suggester, f, unbiased) for f in flags]
        return flags

    # -- one segment ------------------------------------------------------------

    def flag_segment(self, index: int, seg: Segment, starts_sentence: bool = True) -> list[NameFlag]:
        toks = tokens_of(seg.words, starts_sentence)
        flags: list[NameFlag] = []
        covered: set[int] = set()
        for span in self._capital_spans(toks):
            span = self._without_countries(toks, span)
            if not span:
                continue
            flag = self._judge_capital(index, toks, span)
            covered.update(span)
            if flag is not None:
                flags.append(flag)
        for span in self._list_word_spans(toks, covered):
            covered.update(span)
            flags.append(self._make(index, toks, span, ["from-list"]))
        for span in self._sounds_like_spans(toks, covered):
            covered.update(span)
            flags.append(self._make(index, toks, span, ["sounds-like-glossary", "low-probability"]))
        for span in self._split_place_spans(toks, covered):
            covered.update(span)
            flags.append(self._make(index, toks, span, ["sounds-like-place", "low-probability"]))
        for span in self._doubtful_spans(toks, covered):
            span = self._extend(toks, span, join_tokens(toks, span))
            if covered.intersection(span):
                continue
            covered.update(span)
            flags.append(self._make(index, toks, span, ["low-probability"]))
        # After the runs of nearly guessed words, which may hold these too.
        for span in self._unknown_word_spans(toks, covered, seg.language):
            longer = self._extend(toks, span, join_tokens(toks, span))
            span = span if covered.intersection(longer) else longer
            covered.update(span)
            flags.append(self._make(index, toks, span, ["unknown-word", "low-probability"]))
        return sorted(flags, key=lambda f: f.first_word)

    def _capital_spans(self, toks: list[Token]) -> list[list[int]]:
        spans: list[list[int]] = []
        cur: list[int] = []

        def close() -> None:
            while cur and toks[cur[-1]].text.lower() in PARTICLES:
                cur.pop()
            if cur:
                spans.append(cur.copy())
            cur.clear()

        for t in toks:
            name_like = t.capital and key(t.text) and not not_a_name(t.text)
            if t.joined and cur:
                cur.append(t.index)
            elif name_like and not (t.initial and not self._initial_is_name(toks, t)):
                cur.append(t.index)
            elif cur and t.text.lower() in PARTICLES and not toks[cur[-1]].closes:
                cur.append(t.index)
            else:
                close()
                continue
            if t.closes:
                close()
        close()
        return spans

    def _without_countries(self, toks: list[Token], span: list[int]) -> list[int]:
        """"Manin Turkey" is a doubtful name next to a country, not one name."""
        if len(span) < 2 or self.gazetteer.exact(join_tokens(toks, span)):
            return span

        def country(j: int) -> bool:
            return any(p.kind == "country" for p in self.gazetteer.exact(toks[j].text))

        while len(span) > 1 and country(span[-1]):
            span = span[:-1]
        while len(span) > 1 and country(span[0]):
            span = span[1:]
        return span if not (len(span) == 1 and country(span[0])) else []

    def _initial_is_name(self, toks: list[Token], t: Token) -> bool:
        """A capitalised first word of a sentence counts as a name if the case glossary has it, or if
        it is a given name said to someone or followed by a surname ("Margaret," said Mr. Hale)."""
        k = key(t.text)
        if k in self._glossary_keys or k in self._glossary_words:
            return True
        if k not in self.given:
            return False
        after = toks[t.index + 1] if t.index + 1 < len(toks) else None
        return bool(re.search(r",[\s\"'”’]*$", t.word.text)) or (
            after is not None and not t.closes and after.capital and not not_a_name(after.text)
            and after.text.lower() not in FUNCTION_WORDS
        )

    def _kind(self, toks: list[Token], span: list[int], places: list[Place] | None = None) -> str:
        """Person, organisation, acronym or place (:mod:`.kinds`); ordinary words are place-like."""
        if not any(toks[j].capital for j in span):
            return kinds.PLACE
        text = join_tokens(toks, span)
        k = key(text)
        places = self.gazetteer.exact(text) if places is None else places
        famous = any(
            (key(p.canonical) == k or p.kind == "country") and well_known(p, self.options.split_place_min_population)
            for p in places
        )
        before = toks[span[0] - 1].text if span[0] > 0 else None
        kind = kinds.kind_of([toks[j].text for j in span], before, self.given, famous)
        return kinds.PERSON if kind in (kinds.PLACE, kinds.GIVEN) and self.suggester.glossary_kind(text) == "person" else kind

    def _judge_capital(self, index: int, toks: list[Token], span: list[int]) -> NameFlag | None:
        text = join_tokens(toks, span)
        k = key(text)
        low = min(toks[j].word.probability for j in span) < self.options.low_probability
        places = self.gazetteer.exact(text)
        as_usual = any(key(p.canonical) == k or p.kind == "country" for p in places)
        kind = self._kind(toks, span, places)
        reasons: list[str] = []
        if self.biased and (k in self._glossary_keys or any(key(toks[j].text) in self._glossary_words for j in span)):
            reasons.append("from-list")
        elif k in self._glossary_keys:
            return None  # in the case file, and heard without the list's help
        elif kind in (kinds.PERSON, kinds.GIVEN):
            reasons.append(kinds.KIND_REASONS[kind])  # the names of people are always checked
        elif as_usual:
            if not low:
                return None  # a known place, spelled as usual and heard with confidence
        elif places and kind == kinds.PLACE:
            # "Kasala" is a recorded spelling of Kassala: show the usual one.
            reasons.append("variant-spelling")
        else:
            reasons.append("unknown")
        reasons.append("capitalised")
        if len(span) > 1:
            reasons.append("multi-word")
        if low:
            reasons.append("low-probability")
        span = self._extend(toks, span, text)
        return self._make(index, toks, span, reasons, kind)

    def _extend(self, toks: list[Token], span: list[int], text: str) -> list[int]:
        """Take in up to two doubtful neighbours when they make a better-known name.

        The ASR often splits a name into a proper noun and ordinary words
        ("Islam color" for Islam Qala, "Gholmohamid and Ari").
        """
        low = self.options.low_probability
        best, best_score = span, self._best_score(text) + 5
        for before in (0, 1, 2):
            for after in (0, 1, 2):
                if before == after == 0:
                    continue
                first, last = span[0] - before, span[-1] + after
                if first < 0 or last >= len(toks):
                    continue
                extra = list(range(first, span[0])) + list(range(span[-1] + 1, last + 1))
                doubtful = sum(toks[j].word.probability < low for j in extra)
                if any(toks[j].closes for j in range(first, last)) or 2 * doubtful < len(extra):
                    continue
                longer = list(range(first, last + 1))
                score = self._best_score(join_tokens(toks, longer))
                if score > best_score:
                    best, best_score = longer, score
        return best

    def _list_word_spans(self, toks: list[Token], covered: set[int]) -> list[list[int]]:
        """With biasing, every word equal to a list word is flagged, wherever it is."""
        if not self.biased:
            return []
        spans: list[list[int]] = []
        for t in toks:
            if t.index in covered or key(t.text) not in self._glossary_words:
                continue
            if spans and spans[-1][-1] == t.index - 1:
                spans[-1].append(t.index)
            else:
                spans.append([t.index])
        return spans

    def _unknown_word_spans(self, toks: list[Token], covered: set[int], language: str | None) -> list[list[int]]:
        """Single ordinary words the speech model wrote in pieces, heard with doubt."""
        opts = self.options
        if self.vocabulary is None or language not in opts.unknown_word_languages:
            return []
        spans: list[list[int]] = []
        for t in toks:
            # Capitalised mid-sentence, it is a proper noun, judged above.
            if t.index in covered or (t.capital and not t.initial) or t.word.probability >= opts.low_probability:
                continue
            word = POSSESSIVE.sub("", t.text)
            if len(word) >= opts.unknown_word_letters and word.isalpha() and self.vocabulary.pieces(word) >= opts.unknown_word_pieces:
                spans.append([t.index])
        return spans

    def _doubtful_spans(self, toks: list[Token], covered: set[int]) -> list[list[int]]:
        """Runs of words the ASR was nearly guessing (a name it did not know, often)."""
        limit = self.options.very_low_probability
        spans: list[list[int]] = []
        for t in toks:
            if t.index in covered or t.initial or t.word.probability >= limit or len(key(t.text)) < 3:
                continue
            if spans and spans[-1][-1] == t.index - 1 and not toks[t.index - 1].closes:
                spans[-1].append(t.index)
            else:
                spans.append([t.index])
        # A run of closed-class words alone ("the" at 0.1) is no name: a flag there would only
        # teach the officer to clear flags unread.
        return [span for span in spans if not all(toks[j].text.lower() in FUNCTION_WORDS for j in span)]

    def _sounds_like_spans(self, toks: list[Token], covered: set[int]) -> list[list[int]]:
        """Ordinary, doubtful words that sound like a glossary name ("kill is" for Kilis).

        Judged on spelling and on merged sounds only: bare consonant
        skeletons match too many ordinary phrases.
        """
        if not self.glossary:
            return []
        opts = self.options
        found: list[tuple[float, list[int]]] = []
        for width in (1, 2, 3, 4):
            for start in range(len(toks) - width + 1):
                span = list(range(start, start + width))
                if any(j in covered for j in span) or any(toks[j].closes for j in span[:-1]):
                    continue
                if min(toks[j].word.probability for j in span) >= opts.low_probability:
                    continue
                k = key(join_tokens(toks, span))
                if len(k) < 4:
                    continue
                spelled = process.extractOne(k, self._choice_keys, scorer=fuzz.ratio)
                alike = process.extractOne(sound(k), self._choice_sounds, scorer=fuzz.ratio)
                spelled_score = spelled[1] if spelled else 0.0
                # Sounding alike may lift a near spelling, not make one.
                best = max(spelled_score, min(alike[1] * 0.95 if alike else 0.0, spelled_score + 15))
                if best >= opts.sounds_like_glossary:
                    found.append((best, span))
        return _best_disjoint(found)

    def _split_place_spans(self, toks: list[Token], covered: set[int]) -> list[list[int]]:
        """Ordinary words, one of them doubtful, that spell a well-known place ("kill is").

        Only runs of two or three words and close spellings: compared by
        sound, or with every village of the gazetteer, ordinary phrases
        match some place all the time (several a minute on the real clips).
        """
        opts = self.options
        found: list[tuple[float, list[int]]] = []
        for width in (2, 3):
            for start in range(len(toks) - width + 1):
                span = list(range(start, start + width))
                words = [toks[j] for j in span]
                if any(j in covered for j in span) or any(t.closes for t in words[:-1]) or any(t.capital for t in words):
                    continue
                if min(t.word.probability for t in words) >= opts.low_probability:
                    continue
                k = key(join_tokens(toks, span))
                if len(k) < 5:
                    continue
                if k not in self._split_cache:
                    near = self.gazetteer.well_known_like(k, opts.split_place_ratio, opts.split_place_min_population)
                    self._split_cache[k] = near[0].score if near else 0.0
                if self._split_cache[k]:
                    found.append((self._split_cache[k], span))
        return _best_disjoint(found)

    # -- suggestions -------------------------------------------------------------

    def suggest(self, text: str, kind: str = kinds.PLACE, plain: bool = False) -> list[Suggestion]:
        """The suggestions worth a key for ``text`` (see :mod:`.suggestions`)."""
        return self.suggester.suggest(text, kind, plain)

    def _best_score(self, text: str) -> float:
        return self.suggester.best_score(text)

    def _make(self, index: int, toks: list[Token], span: list[int], reasons: list[str], kind: str | None = None) -> NameFlag:
        text = join_tokens(toks, span)
        words = [toks[j].word for j in span]
        kind = kind or self._kind(toks, span)
        if kind in kinds.KIND_REASONS:
            reasons = reasons + [kinds.KIND_REASONS[kind]]
        plain = not any(toks[j].capital and not toks[j].initial for j in span)
        return NameFlag(
            segment=index,
            first_word=span[0],
            last_word=span[-1],
            start=words[0].start,
            end=words[-1].end,
            text=text,
            reasons=tuple(dict.fromkeys(reasons)),
            suggestions=tuple(self.suggest(text, kind, plain)),
        )


def _best_disjoint(found: list[tuple[float, list[int]]]) -> list[list[int]]:
    """The best-scoring spans that do not overlap, shorter first among equals."""
    chosen: list[list[int]] = []
    taken: set[int] = set()
    for _, span in sorted(found, key=lambda f: (-f[0], len(f[1]))):
        if not taken.intersection(span):
            chosen.append(span)
            taken.update(span)
    return chosen
