"""How a Whisper model writes words: whole, or in pieces (a name it does not know comes out in many)."""

from __future__ import annotations

from typing import Any


class Vocabulary:
    """How a Whisper model writes words: whole, or in pieces.

    Ordinary words of English are mostly one token of the model's vocabulary,
    or two. A word it writes in three or more pieces and hears with little
    confidence is often its guess at a name it does not know
    ("unseparation", un-se-par-ation, for Anseba).
    """

    def __init__(self, tokenizer: Any) -> None:
        from tokenizers.pre_tokenizers import ByteLevel

        self._tokenizer = tokenizer
        self._bytes = ByteLevel(add_prefix_space=False)
        self._pieces: dict[str, int] = {}

    def pieces(self, word: str) -> int:
        """1 for a word the vocabulary holds whole, else the tokens it is encoded with."""
        if word not in self._pieces:
            self._pieces[word] = self._count(word)
        return self._pieces[word]

    def _count(self, word: str) -> int:
        # Whole: a token of its own after a space, in any common casing.
        for form in {word, word.lower(), word.capitalize()}:
            (piece, _), *rest = self._bytes.pre_tokenize_str(" " + form)
            if not rest and self._tokenizer.token_to_id(piece) is not None:
                return 1
        return len(self._tokenizer.encode(" " + word, add_special_tokens=False).ids)
