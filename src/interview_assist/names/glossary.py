"""The case glossary: names from the case file, given per interview.

A UTF-8 text file, one name per line; optionally a tab and its kind
(``person`` or ``place``). Blank lines and lines starting with ``#`` are
skipped. For example::

    # case 2026-0412
    Farid Nazari	person
    Ghazni	place

Limits: the file at most 1 MiB (a case file's names fit in a few KB; a
larger file is most likely the wrong one, and is refused before it is read
into memory), a regular file (not a device or a pipe), each name at most
200 characters, at most 500 names, and no control or invisible formatting
character in a name (a right-to-left override would make the name read
differently in a terminal or the audit log than it is stored).
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from interview_assist.core.errors import InputError
from interview_assist.core.people import describe, unsafe_character
from interview_assist.core.transcript import GlossaryEntry
from interview_assist.names.normalize import key

KINDS = ("person", "place", "name")
MAX_ENTRIES = 500
MAX_FILE_BYTES = 1 << 20
MAX_TERM_LENGTH = 200


def _read_capped(p: Path) -> bytes:
    # Opened without waiting (a FIFO would wait for a writer), then read only if it is a plain file.
    fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with open(fd, "rb") as f:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError(f"glossary {p}: not a regular file")
        data = f.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"glossary {p}: larger than {MAX_FILE_BYTES >> 20} MiB; a case glossary is a short list of names")
    return data


def read_glossary(path: str | os.PathLike[str]) -> tuple[GlossaryEntry, ...]:
    p = Path(path)
    try:
        text = _read_capped(p).decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"glossary {p}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"glossary {p}: is a folder, not a file") from None
    except UnicodeDecodeError:
        raise InputError(f"glossary {p}: not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"glossary {p}: cannot be read ({exc.strerror})") from None
    entries = parse_glossary(text, str(p))
    if not entries:  # most likely the wrong file: a glossary given is meant to hold names
        raise InputError(f"glossary {p}: holds no names (one per line; lines starting with # are comments)")
    return entries


def parse_glossary(text: str, origin: str = "glossary") -> tuple[GlossaryEntry, ...]:
    entries: list[GlossaryEntry] = []
    seen: set[str] = set()
    # Lines end at a newline only: a NEL or a line separator inside a name is refused, not taken for a break.
    for n, line in enumerate(text.replace("\r\n", "\n").split("\n"), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        term, _, kind = line.partition("\t")
        if (bad := unsafe_character(term.strip(" "))) is not None:
            raise InputError(f"{origin}, line {n}: the name contains {describe(bad)}")
        term, kind = " ".join(term.split()), kind.strip().lower() or "name"
        if len(term) > MAX_TERM_LENGTH:
            raise InputError(f"{origin}, line {n}: a name longer than {MAX_TERM_LENGTH} characters")
        if kind not in KINDS:
            raise InputError(f"{origin}, line {n}: unknown kind {kind!r} (kinds: {', '.join(KINDS)})")
        if not key(term):
            raise InputError(f"{origin}, line {n}: no name on this line")
        if key(term) not in seen:
            seen.add(key(term))
            entries.append(GlossaryEntry(term, kind))
    if len(entries) > MAX_ENTRIES:
        raise InputError(f"{origin}: {len(entries)} names; a case glossary holds at most {MAX_ENTRIES}")
    return tuple(entries)


def list_word_keys(entries: tuple[GlossaryEntry, ...]) -> set[str]:
    """The keys of the glossary names and of their words of 3+ letters ("Nazari" of "Farid Nazari")."""
    keys = {key(e.term) for e in entries}
    keys |= {key(w) for e in entries for w in re.split(r"[\s\-]+", e.term) if len(key(w)) >= 3}
    return keys


def hotwords(entries: tuple[GlossaryEntry, ...]) -> str | None:
    """The glossary as Whisper hotwords (a prompt prefix), or None when empty."""
    return ", ".join(e.term for e in entries) or None
