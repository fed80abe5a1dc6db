"""The store encrypted at rest: no readable text in the file or its WAL, the key kept outside, plain stores converted.

Issue 21 (1): whoever could read the store file (a backup, a copied disk)
read every transcript. Now the file and its WAL hold no word of it; a wrong
or missing key is one line and exit 4 and changes nothing (not even a -wal
file); a store made by an older version is read, not written, and encrypted
by one command that keeps its audit chain.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import stat
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from interview_assist.store import Database, save_transcript, set_speaker

from .conftest import STORE_KEY, run_cli
from .sqlcipher_pages import decrypted, raw
from .test_purge import STORED_WORDS, case_transcript


def _state(folder: Path) -> dict[str, str]:
    """Every file in the store's folder and its sha256."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _other_key(tmp_path: Path) -> Path:
    other = tmp_path / "keys" / "other.key"
    other.parent.mkdir()
    other.write_text(os.urandom(32).hex() + "\n")
    os.chmod(other, 0o600)
    return other


def test_the_file_and_its_wal_hold_no_word_of_a_transcript(db_path):
    with Database(db_path) as db:
        save_transcript(db, case_transcript(), actor="machine")
        # The connection is open: what was written is in the WAL, not yet in the file.
        wal = db_path.with_name(db_path.name + "-wal")
        assert wal.stat().st_size > 0
        on_disk = raw(db_path).lower()
        readable = decrypted(db_path, STORE_KEY).lower()
    assert not on_disk.startswith(b"sqlite format 3")
    for word in STORED_WORDS:
        assert word.lower().encode() in readable, word  # the words are there, decrypted with the key ...
        assert word.lower().encode() not in on_disk, word  # ... and nowhere readable without it


@pytest.mark.slow
def test_a_real_transcription_leaves_no_word_in_the_file(db_path, eval_dir):
    done = run_cli("transcribe", eval_dir / "asr" / "jfk.flac", "--no-diarize", "--db", db_path)
    assert done.returncode == 0, done.stderr
    with Database(db_path, read_only=True) as db:
        words = {w.strip(" .,?!").lower() for (w,) in db.conn.execute("SELECT text FROM words")}
    words = {w for w in words if len(w) >= 4}
    assert len(words) >= 5, words
    on_disk = raw(db_path).lower()
    readable = decrypted(db_path, STORE_KEY).lower()
    assert all(w.encode() in readable for w in words)
    assert [w for w in words if w.encode() in on_disk] == []


def test_a_wrong_or_missing_key_is_one_line_exit_4_and_changes_nothing(tmp_path, db_path):
    with Database(db_path) as db:
        iid = save_transcript(db, case_transcript(), actor="machine")
    before = _state(db_path.parent)
    assert sorted(before) == ["interviews.sqlite"]  # closed: no -wal, no -shm
    other = _other_key(tmp_path)
    cases = [
        (["--key-file", other], {}, "cannot be read with the key file"),
        (["--key-file", tmp_path / "keys" / "missing.key"], {}, "does not exist"),
        ([], {"INTERVIEW_ASSIST_PASSPHRASE": "not the key"}, "cannot be read with the passphrase"),
    ]
    for key_args, env, message in cases:
        for command in (["show", iid], ["audit", "verify", iid], ["speakers", iid, "S1", "--role", "officer"],
                        ["purge", iid, "--reason", "test", "--yes"], ["store", "encrypt"]):
            done = run_cli(*command, "--db", db_path, *key_args, env=env)
            assert done.returncode == 4, (command, done.stderr)
            assert len(done.stderr.strip().splitlines()) == 1 and message in done.stderr, (command, done.stderr)
            assert _state(db_path.parent) == before, command
    # A key file other users can read is refused too, before it is used.
    os.chmod(other, 0o644)
    done = run_cli("show", iid, "--db", db_path, "--key-file", other)
    assert done.returncode == 4 and "other users" in done.stderr and "chmod 600" in done.stderr, done.stderr
    assert _state(db_path.parent) == before


def test_a_new_store_makes_its_key_outside_the_data_folder_with_no_prompt(tmp_path, eval_dir):
    """As the demo does: no key yet, no option, no prompt; the key goes to the user's config folder."""
    store = tmp_path / "data" / "demo.sqlite"
    env = {"INTERVIEW_ASSIST_KEY_FILE": "", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    done = run_cli("batch", eval_dir / "asr" / "missing.ogg", "--no-diarize", "--db", store, env=env, stdin=subprocess.DEVNULL)
    assert done.returncode == 1, done.stderr  # the recording is missing; the store and its key are made
    key = tmp_path / "config" / "interview-assist" / "store.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    assert len(bytes.fromhex(key.read_text().strip())) == 32
    assert "made a new store key" in done.stderr
    assert sorted(p.name for p in store.parent.iterdir()) == ["demo.sqlite"]
    assert not store.read_bytes().startswith(b"SQLite format 3")
    again = run_cli("audit", "verify", "--all", "--db", store, env=env)
    assert again.returncode == 0 and again.stderr == "", again.stderr
    # A key file in the store's own folder is refused: copying the folder would copy both.
    inside = store.parent / "store.key"
    inside.write_text(key.read_text())
    os.chmod(inside, 0o600)
    done = run_cli("audit", "verify", "--all", "--db", store, "--key-file", inside)
    assert done.returncode == 4 and "must not be in the store's folder" in done.stderr, done.stderr


def test_a_store_keyed_by_a_passphrase(tmp_path, monkeypatch):
    """Argon2id from the passphrase and the salt at the head of the file; asked at the terminal with --passphrase."""
    from interview_assist.cli import cli
    from interview_assist.core.errors import KeyProblem

    keys = tmp_path / "keys"
    monkeypatch.setenv("INTERVIEW_ASSIST_KEY_FILE", str(keys / "store.key"))
    monkeypatch.setenv("INTERVIEW_ASSIST_PASSPHRASE", "correct horse battery staple")
    store = tmp_path / "data" / "s.sqlite"
    with Database(store) as db:
        iid = save_transcript(db, case_transcript(), actor="machine")
    assert not keys.exists()  # no key file is made for a store keyed by a passphrase
    assert STORED_WORDS[0].encode() not in raw(store)
    assert run_cli("audit", "verify", iid, "--db", store).returncode == 0
    monkeypatch.delenv("INTERVIEW_ASSIST_PASSPHRASE")
    runner = CliRunner()
    shown = runner.invoke(cli, ["show", str(iid), "--db", str(store), "--passphrase"], input="correct horse battery staple\n")
    assert shown.exit_code == 0 and STORED_WORDS[0] in shown.output, shown.output
    wrong = runner.invoke(cli, ["show", str(iid), "--db", str(store), "--passphrase"], input="wrong horse\n")
    assert isinstance(wrong.exception, KeyProblem) and STORED_WORDS[0] not in wrong.output

    # A plain store encrypted with a passphrase: asked twice, until both agree.
    plain = tmp_path / "old" / "interviews.sqlite"
    plain.parent.mkdir()
    monkeypatch.setenv("INTERVIEW_ASSIST_PASSPHRASE", "correct horse battery staple")
    _plain_copy(store, plain)
    monkeypatch.delenv("INTERVIEW_ASSIST_PASSPHRASE")
    done = runner.invoke(cli, ["store", "encrypt", "--db", str(plain), "--passphrase"], input="one\ntwo\nthree\nthree\n")
    assert done.exit_code == 0 and "do not match" in done.output, done.output
    assert not plain.read_bytes().startswith(b"SQLite format 3")
    assert run_cli("audit", "verify", iid, "--db", plain, env={"INTERVIEW_ASSIST_PASSPHRASE": "three"}).returncode == 0
    assert run_cli("audit", "verify", iid, "--db", plain, env={"INTERVIEW_ASSIST_PASSPHRASE": "one"}).returncode == 4
    assert not keys.exists()


def _plain_copy(store: Path, plain: Path) -> None:
    """The store as an older version kept it: the same tables and rows, in a plain SQLite file."""
    with Database(store) as db:
        c = db.conn
        c.execute("ATTACH DATABASE ? AS plain KEY ''", (str(plain),))
        c.execute("SELECT sqlcipher_export('plain')")
        c.execute("DETACH DATABASE plain")
    with sqlite3.connect(plain) as c:
        c.execute("PRAGMA journal_mode = WAL")  # as an older version left it


def test_a_plain_store_is_read_not_written_and_encrypted_by_one_command(tmp_path, db_path):
    with Database(db_path) as db:
        iid = save_transcript(db, case_transcript(), actor="machine")
        set_speaker(db, iid, "S1", actor="officer.a", role="officer")
    plain = tmp_path / "old" / "interviews.sqlite"
    plain.parent.mkdir()
    _plain_copy(db_path, plain)
    assert plain.read_bytes().startswith(b"SQLite format 3") and STORED_WORDS[0].encode() in plain.read_bytes()
    old = run_cli("audit", "verify", "--all", "--db", plain)
    assert old.returncode == 0 and "is not encrypted" in old.stderr and "store encrypt" in old.stderr, old.stderr
    old_head = old.stdout.split("Head of the chain: record #")[1].split()[1]
    before = _state(plain.parent)
    refused = run_cli("speakers", iid, "S2", "--role", "applicant", "--db", plain)
    assert refused.returncode == 4 and "is not encrypted" in refused.stderr, refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1 and _state(plain.parent) == before

    # Another process has it open: refused, nothing changed.
    holder = sqlite3.connect(plain)
    holder.execute("SELECT count(*) FROM interviews").fetchone()
    busy = run_cli("store", "encrypt", "--db", plain)
    holder.close()
    assert busy.returncode == 4 and "in use by another process" in busy.stderr, busy.stderr
    assert plain.read_bytes().startswith(b"SQLite format 3")

    done = run_cli("store", "encrypt", "--db", plain, "--officer", "IT Operator")
    assert done.returncode == 0, done.stderr
    assert re.search(r"audit chain is intact: \d+ records", done.stdout), done.stdout
    assert sorted(p.name for p in plain.parent.iterdir()) == ["interviews.sqlite"]
    data = plain.read_bytes()
    assert not data.startswith(b"SQLite format 3")
    assert all(w.lower().encode() not in data.lower() for w in STORED_WORDS)
    verify = run_cli("audit", "verify", "--all", "--db", plain, "--head", old_head)
    assert verify.returncode == 0 and verify.stderr == "", verify.stdout + verify.stderr
    assert "content matches the log" in verify.stdout and "still in the chain" in verify.stdout
    log = run_cli("audit", "log", iid, "--db", plain)
    assert log.returncode == 0
    with Database(plain, read_only=True) as db:
        last = db.conn.execute("SELECT actor, action, interview_id FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    assert tuple(last) == ("IT Operator", "encrypt_store", None)
    again = run_cli("store", "encrypt", "--db", plain)
    assert again.returncode == 0 and "already encrypted" in again.stdout, again.stderr
