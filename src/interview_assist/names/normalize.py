"""Spelling-blind keys for comparing names across transliterations.

``fold`` removes what differs between spellings of one name in Latin script:
case, diacritics, other scripts (transliterated by anyascii), punctuation and
hyphens. ``skeleton`` goes further, to a rough phonetic key built for
transliterated Arabic, Persian, Pashto, Tigrinya... names as an English or
French speaker's ASR spells them: vowels after the first letter dropped,
letters that transliterations swap for one sound merged (k/q/c, s/z/sh/ch,
v/w, i/y/j), doubled letters and silent h removed. So "Mazār-e Sharīf",
"Mazar-i-Sharif" and "Masar-e Scharif" share a skeleton, and "Kandas" is
close to "Kunduz".
"""

from __future__ import annotations

import re
from functools import lru_cache

from anyascii import anyascii

_NON_ALNUM = re.compile(r"[^a-z0-9]+")

# Applied in order to the folded, space-free key.
_SOUNDS = (
    ("sch", "s"), ("tch", "c"), ("sh", "s"), ("ch", "s"), ("zh", "j"), ("dj", "j"), ("dh", "d"),
    ("th", "t"), ("kh", "k"), ("gh", "g"), ("ph", "f"), ("ck", "k"), ("qu", "k"), ("q", "k"),
    ("c", "k"), ("x", "ks"), ("z", "s"), ("w", "v"), ("j", "i"), ("y", "i"),
)
_VOWELS = re.compile(r"[aeiou]")
_REPEATS = re.compile(r"(.)\1+")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower-case ASCII words: ``"Mazār-e Sharīf"`` → ``"mazar e sharif"``."""
    return _NON_ALNUM.sub(" ", anyascii(text).lower()).strip()


def key(text: str) -> str:
    """``fold`` without spaces: the exact-match key of a name."""
    return fold(text).replace(" ", "")


@lru_cache(maxsize=65536)
def sound(text: str) -> str:
    """The spelling with the merged letters and every vowel as "a": ``"Kunduz"`` → ``"kandas"``."""
    k = key(text)
    if not k:
        return ""
    for a, b in _SOUNDS:
        k = k.replace(a, b)
    k = k.replace("h", "") or k
    return _REPEATS.sub(r"\1", _VOWELS.sub("a", k))


@lru_cache(maxsize=65536)
def skeleton(text: str) -> str:
    """A rough phonetic key: ``"Kunduz"`` and ``"Kandas"`` both give ``"knds"``."""
    s = sound(text)
    return s[:1] + s[1:].replace("a", "") if s else ""
