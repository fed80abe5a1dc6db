"""Names of people as the store keeps them: the officer who acts, a speaker's name.

A name is one line of printable text. It reaches audit records, terminals
and exported documents (a DOCX file cannot hold control characters at all),
so a name with a control character, or none at all, is refused where it is
entered rather than found later in a file that no longer opens.
"""

from __future__ import annotations

import unicodedata

from interview_assist.core.errors import InputError

MAX_LENGTH = 200


def person_name(text: str, what: str = "a name") -> str:
    """``text`` with its spaces tidied, or :class:`InputError` saying what is wrong with it."""
    name = " ".join(text.split())
    if not name:
        raise InputError(f"{what} cannot be blank")
    bad = next((ch for ch in name if unicodedata.category(ch) in ("Cc", "Cs") or ch in "\ufffe\uffff"), None)
    if bad is not None:
        raise InputError(f"{what} contains a control character (U+{ord(bad):04X}); type the name as plain text")
    if len(name) > MAX_LENGTH:
        raise InputError(f"{what} is longer than {MAX_LENGTH} characters")
    return name
