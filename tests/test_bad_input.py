"""Bad input: one clear line on stderr, exit code 2, nothing in the store."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess

import numpy as np
import pytest
import soundfile as sf

from .conftest import CLI, REPO, count_interviews, raw_sql, run_cli, unprivileged


def _make_bad(kind: str, tmp_path, eval_dir):
    """A bad input of ``kind``, named neutrally: the expected words must come from the message, not the path."""
    p = tmp_path / "recording.wav"
    if kind == "missing":
        return p
    if kind == "empty":
        p.write_bytes(b"")
    elif kind == "text":
        p.write_text("this is not audio at all\n" * 50)
    elif kind == "random_bytes":
        p = tmp_path / "recording.mp3"
        p.write_bytes(np.random.default_rng(1).integers(0, 256, 50_000, dtype=np.uint8).tobytes())
    elif kind == "truncated_wav":
        src = (eval_dir / "diarization" / "pyannote_sample.wav").read_bytes()
        p.write_bytes(src[: len(src) // 3])
    elif kind == "truncated_flac":
        # Cut inside a frame: FFmpeg's FLAC decoder fails on the partial last frame.
        src = (eval_dir / "asr" / "jfk.flac").read_bytes()
        p = tmp_path / "recording.flac"
        p.write_bytes(src[: len(src) // 2])
    elif kind == "corrupt_header":
        src = bytearray((eval_dir / "asr" / "jfk.flac").read_bytes())
        src[:64] = bytes(64)
        p = tmp_path / "recording.flac"
        p.write_bytes(bytes(src))
    elif kind == "zero_length_audio":
        sf.write(p, np.zeros(0, dtype=np.float32), 16000)
    elif kind == "directory":
        p.mkdir()
    return p


def _reason(stderr: str, path) -> str:
    """The one line's reason, after "interview-assist: error: PATH: "."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    prefix = f"interview-assist: error: {path}: "
    assert lines[0].startswith(prefix), stderr
    return lines[0][len(prefix) :]


CASES = [
    ("missing", "no such file"),
    ("empty", "empty"),
    ("text", "not a readable audio file"),
    ("random_bytes", "not a readable audio file"),
    ("truncated_wav", "truncated: its header declares 0:00:30.000"),
    ("truncated_flac", "truncated: its header declares 0:00:11.000"),
    ("corrupt_header", "corrupt audio data"),
    ("zero_length_audio", "no audio samples"),
    ("directory", "is a directory"),
]


@pytest.mark.parametrize("kind,message", CASES, ids=[c[0] for c in CASES])
def test_bad_input(kind, message, tmp_path, eval_dir, db_path):
    bad = _make_bad(kind, tmp_path, eval_dir)
    done = run_cli("transcribe", bad, "--db", db_path)
    assert done.returncode == 2, done.stderr
    assert message in _reason(done.stderr, bad)
    assert "Traceback" not in done.stderr
    assert count_interviews(db_path) == 0


def test_unreadable_file(tmp_path, eval_dir):
    """A file the user may not read."""
    src = tmp_path / "secret.flac"
    shutil.copy(eval_dir / "asr" / "jfk.flac", src)
    os.chmod(src, 0o000)
    store = tmp_path / "store.sqlite"
    done = subprocess.run(
        [*unprivileged(), *CLI, "transcribe", str(src), "--db", str(store)], capture_output=True, text=True
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [f"interview-assist: error: {src}: permission denied"]
    assert count_interviews(store) == 0


def test_store_in_unwritable_folder(tmp_path, eval_dir):
    folder = tmp_path / "read-only"
    folder.mkdir()
    os.chmod(folder, 0o500)
    done = subprocess.run(
        [*unprivileged(), *CLI, "transcribe", str(eval_dir / "asr" / "jfk.flac"), "--db", str(folder / "s.sqlite")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 4, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "cannot open the store" in done.stderr


@pytest.mark.slow
def test_truncated_file_found_late_stores_nothing(tmp_path, eval_dir, db_path):
    """Truncation is only visible at the end of decoding; still nothing is stored."""
    src = (eval_dir / "interviews" / "interview_v01.flac").read_bytes()
    bad = tmp_path / "cut.flac"
    bad.write_bytes(src[: int(len(src) * 0.9)])
    done = run_cli("transcribe", bad, "--db", db_path, "--denoise", "off")
    assert done.returncode == 2, done.stderr
    assert _reason(done.stderr, bad).startswith("truncated: its header declares")
    assert count_interviews(db_path) == 0


def test_unknown_interview_id(tmp_path, eval_dir, db_path):
    from interview_assist.store import Database

    Database(db_path).close()
    done = run_cli("show", "999", "--db", db_path)
    assert done.returncode == 2
    assert done.stderr.strip() == f"interview-assist: error: no interview with id 999 in {db_path}"


def test_store_that_is_not_a_database(tmp_path, eval_dir):
    bogus = tmp_path / "bogus.sqlite"
    bogus.write_text("not sqlite " * 100)
    done = run_cli("transcribe", eval_dir / "asr" / "jfk.flac", "--db", bogus)
    assert done.returncode == 4
    assert len(done.stderr.strip().splitlines()) == 1
    assert "not an interview-assist store" in done.stderr
    assert bogus.read_text().startswith("not sqlite")


# The run is real; only the store's connection gets a temporary trigger that
# makes SQLite refuse the audit record, the save's last statement, as a full
# disk or a failing drive would refuse it: the interview, its segments and
# words are already inserted in that transaction when it fails.
_FAIL_AT_THE_AUDIT_RECORD = """
import sys

import interview_assist.store.connection as store_connection

_connect = store_connection.connect

def connect(*args, **kwargs):
    conn = _connect(*args, **kwargs)
    conn.execute(
        "CREATE TEMP TRIGGER fail_audit BEFORE INSERT ON main.audit_log WHEN NEW.action = 'transcribe' "
        "BEGIN SELECT RAISE(ABORT, 'write failed (injected)'); END"
    )
    return conn

store_connection.connect = connect
sys.argv[0] = "interview-assist"
from interview_assist.cli import main
main()
"""


def _store_state(db_path) -> list[str]:
    with raw_sql(db_path) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        state = []
        for name, sql in c.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name").fetchall():
            state.append(sql)
            if sql.startswith("CREATE TABLE"):
                state += [repr(r) for r in c.execute(f'SELECT * FROM "{name}" ORDER BY rowid')]
        return state


@pytest.mark.slow
@pytest.mark.parametrize("failure", ["truncated recording", "store write fails"])
def test_a_run_that_fails_part_way_leaves_the_store_as_it_was(failure, tmp_path, eval_dir, db_path):
    """A real run fails part-way (the recording breaks off; the save fails at its last statement).

    The store already holds an interview: afterwards it is exactly as it was, and it verifies.
    """
    import sys

    from interview_assist.store import Database, save_transcript

    from .test_interrupt import _tiny_transcript

    with Database(db_path) as db:
        save_transcript(db, _tiny_transcript(), actor="machine")
    before = _store_state(db_path)
    recording = eval_dir / "asr" / "jfk.flac"
    if failure == "truncated recording":
        cut = tmp_path / "recording.flac"
        cut.write_bytes(recording.read_bytes()[: recording.stat().st_size * 3 // 4])
        done = run_cli("transcribe", cut, "--no-diarize", "--db", db_path)
        expected_code, expected = 2, "truncated"
    else:
        done = subprocess.run(
            [sys.executable, "-c", _FAIL_AT_THE_AUDIT_RECORD, "transcribe", str(recording), "--no-diarize",
             "--db", str(db_path)],
            capture_output=True, text=True, cwd=REPO, timeout=600,
        )
        expected_code, expected = 4, "write failed (injected)"
    assert done.returncode == expected_code, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and expected in done.stderr, done.stderr
    assert _store_state(db_path) == before
    verify = run_cli("audit", "verify", "--all", "--db", db_path)
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_an_id_beyond_sqlite_integers_is_a_usage_error(db_path):
    from interview_assist.store import Database

    Database(db_path).close()
    done = run_cli("show", "99999999999999999999", "--db", db_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    word = run_cli("report", "abc", "--db", db_path)
    assert word.returncode == 2 and "'abc' is not a valid interview id" in word.stderr, word.stderr


def test_a_read_only_store_is_refused_before_any_model_loads(tmp_path, eval_dir):
    """The store is checked first: a read-only file fails before any model is looked up (here: an unknown one)."""
    from interview_assist.store import Database

    store = tmp_path / "archive.sqlite"
    Database(store).close()
    os.chmod(store, 0o444)
    done = subprocess.run(
        [*unprivileged(), *CLI, "transcribe", str(eval_dir / "asr" / "jfk.flac"), "--db", str(store),
         "--model", "no-such-model"],
        capture_output=True, text=True,
    )
    assert done.returncode == 4, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "cannot write the store" in done.stderr


def test_an_sqlite_file_of_another_application_is_left_alone(tmp_path, db_path):
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as c:
        c.execute("CREATE TABLE contacts (name TEXT)")
    before = other.read_bytes()
    done = run_cli("show", "1", "--db", other)
    assert done.returncode == 4 and "another application" in done.stderr, done.stderr
    assert other.read_bytes() == before and not (tmp_path / "other.sqlite-wal").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--no-diarize", "--speakers", "2"], "speaker counts need diarization"),
        (["--speakers", "2", "--min-speakers", "3"], "not both"),
        (["--glossary", "EMPTY"], "holds no names"),
    ],
)
def test_options_that_contradict_or_do_nothing_are_refused(args, message, tmp_path, eval_dir, db_path):
    empty = tmp_path / "case.txt"
    empty.write_text("# names from the case file\n\n")
    args = [str(empty) if a == "EMPTY" else a for a in args]
    done = run_cli("transcribe", eval_dir / "asr" / "jfk.flac", *args, "--db", db_path)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and count_interviews(db_path) == 0


def test_read_commands_read_a_store_in_a_folder_they_cannot_write(tmp_path, eval_dir):
    """An archived store (read-only folder, as on read-only media) is read without being changed."""
    import hashlib

    from interview_assist.store import Database, save_transcript

    from .test_interrupt import _tiny_transcript

    archive = tmp_path / "archive"
    archive.mkdir()
    store = archive / "interviews.sqlite"
    with Database(store) as db:
        iid = save_transcript(db, _tiny_transcript(), actor="machine")
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    os.chmod(archive, 0o500)
    try:
        for args in (["show", iid], ["flags", iid], ["audit", "verify", iid], ["audit", "log", iid], ["report", iid, "--format", "json"],
                     ["speakers", iid]):
            done = subprocess.run([*unprivileged(), *CLI, *map(str, args), "--db", str(store)], capture_output=True, text=True)
            assert done.returncode == 0, (args, done.stderr)
        assert hashlib.sha256(store.read_bytes()).hexdigest() == before
        assert sorted(p.name for p in archive.iterdir()) == ["interviews.sqlite"]
        empty = tmp_path / "empty.sqlite"
        empty.write_bytes(b"")
        done = run_cli("show", "1", "--db", empty)
        assert done.returncode == 4 and "not an interview-assist store" in done.stderr and empty.read_bytes() == b""
    finally:
        os.chmod(archive, 0o700)
