"""Text from outside (a case glossary, an officer's name) is bounded and holds nothing that spoofs a log.

A glossary file is at most 1 MiB and a regular file, a name at most 200
characters; control characters and invisible formatting characters (the
bidirectional overrides, U+202E...) are refused in glossary names and
officer names, with one line and exit 2. The joiners Persian spelling needs
are kept.
"""

from __future__ import annotations

import os
import time

import pytest

from .conftest import run_cli


def _refused(done, *needles: str) -> None:
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert len(lines) == 1 and lines[0].startswith("interview-assist: error: "), done.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.fixture
def audio(eval_dir):
    return eval_dir / "asr" / "fleurs-en-004.ogg"


def test_glossary_files_and_names_are_bounded(tmp_path, audio, new_db_path):
    db_path = new_db_path  # nothing there yet: nothing may be made
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as f:  # 300 MB that take no disk: refused before being read into memory
        f.truncate(300 << 20)
    just_over = tmp_path / "over.txt"
    just_over.write_bytes(b"Kunduz\tplace\n" * ((1 << 20) // 13 + 1))
    long_name = tmp_path / "long.txt"
    long_name.write_text("A" * 201 + "\tperson\n")
    fifo = tmp_path / "fifo.txt"
    os.mkfifo(fifo)
    for path, needles in (
        (huge, ("larger than 1 MiB",)),
        (just_over, ("larger than 1 MiB",)),
        (long_name, ("line 1: a name longer than 200 characters",)),
        (fifo, ("not a regular file",)),
        ("/dev/zero", ("not a regular file",)),
    ):
        t0 = time.monotonic()
        done = run_cli("transcribe", audio, "--glossary", path, "--db", db_path)
        _refused(done, str(path), *needles)
        assert time.monotonic() - t0 < 30  # nothing was read to its end (a FIFO or /dev/zero has none)
    assert not db_path.exists()


@pytest.mark.parametrize("character", ["\u202e", "\u2066", "\u200f", "\u061c", "\ufeff", "\x1b", "\x85", "\u2028", "\r"])
def test_glossary_names_with_control_or_bidi_characters_are_refused(tmp_path, audio, new_db_path, character):
    db_path = new_db_path  # nothing there yet: nothing may be made
    glossary = tmp_path / "case.txt"
    glossary.write_text(f"# case 1\nGhazni\tplace\nFarid{character}Nazari\tperson\n", encoding="utf-8")
    done = run_cli("transcribe", audio, "--glossary", glossary, "--db", db_path)
    _refused(done, f"{glossary}, line 3: the name contains", f"U+{ord(character):04X}")
    assert not db_path.exists()


def test_persian_joiners_stay_in_a_glossary_name_and_an_officer_name():
    from interview_assist.core.people import person_name
    from interview_assist.names.glossary import parse_glossary

    name = "\u0645\u062d\u0645\u062f\u200c\u0631\u0636\u0627"  # Mohammad-Reza, with a zero-width non-joiner
    assert [e.term for e in parse_glossary(f"{name}\tperson\n")] == [name]
    assert person_name(name) == name


def test_officer_names_with_bidi_overrides_are_refused(db_path):
    from interview_assist.core.errors import InputError
    from interview_assist.core.people import person_name

    # "Ali" followed by an override that makes "txe.exe" read as "exe.txt" in a terminal.
    for text in ("Ali \u202eKarimi", "Ali\u2067Karimi\u2069", "Ali\u200eKarimi", "Ali\u00adKarimi"):
        with pytest.raises(InputError, match=r"invisible formatting character U\+"):
            person_name(text, "the officer's name")
    # Through the command line, from the environment as from the option: one line, exit 2.
    from interview_assist.store import Database

    Database(db_path).close()
    done = run_cli("speakers", "1", "S1", "--confirm", "--db", db_path, env={"INTERVIEW_ASSIST_OFFICER": "Ali \u202eKarimi"})
    _refused(done, "the officer's name contains an invisible formatting character U+202E (RIGHT-TO-LEFT OVERRIDE)")
