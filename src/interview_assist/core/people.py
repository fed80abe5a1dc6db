"""Names of people as the store keeps them: the officer who acts, a speaker's name.

A name is one line of printable text. It reaches audit records, terminals
and exported documents (a DOCX file cannot hold control characters at all),
so a name with a control character, or none at all, is refused where it is
entered rather than found later in a file that no longer opens. So is a
name with an invisible formatting character (Unicode category Cf), among
them the bidirectional overrides and isolates (U+202A-U+202E,
U+2066-U+2069) that make a line of the audit log or a terminal read
differently from what it holds. Only the zero-width non-joiner and joiner
(U+200C, U+200D), which Persian, Kurdish and Indic spellings need, are
allowed.
"""

from __future__ import annotations

import unicodedata

from interview_assist.core.errors import InputError

MAX_LENGTH = 200
SPELLING_JOINERS = frozenset("\u200c\u200d")  # zero-width non-joiner and joiner: part of a spelling


def unsafe_character(text: str) -> str | None:
    """The first character that must not be in a name: a control, a line or paragraph separator, a surrogate
    or a non-character, or an invisible formatting character (bidi overrides...) other than the joiners;
    None if there is none."""
    for ch in text:
        category = unicodedata.category(ch)
        if category in ("Cc", "Cs", "Zl", "Zp") or ch in "\ufffe\uffff" or (category == "Cf" and ch not in SPELLING_JOINERS):
            return ch
    return None


def describe(ch: str) -> str:
    """'an invisible formatting character U+202E (RIGHT-TO-LEFT OVERRIDE)', for a message."""
    name = unicodedata.name(ch, "")
    kind = {"Cf": "an invisible formatting character", "Zl": "a line separator", "Zp": "a paragraph separator"}.get(
        unicodedata.category(ch), "a control character")
    return f"{kind} U+{ord(ch):04X}" + (f" ({name})" if name else "")


def person_name(text: str, what: str = "a name") -> str:
    """``text`` with its spaces tidied, or :class:`InputError` saying what is wrong with it."""
    name = " ".join(text.split())
    if not name:
        raise InputError(f"{what} cannot be blank")
    bad = unsafe_character(name)
    if bad is not None:
        raise InputError(f"{what} contains {describe(bad)}; type the name as plain text")
    if len(name) > MAX_LENGTH:
        raise InputError(f"{what} is longer than {MAX_LENGTH} characters")
    return name
