"""The store file: kept private whatever mode it comes back with, and a folder given for it is one line.

A store restored from a backup as 0644 (or with a 0644 -wal file) is made
0600 again (0444: 0400) when opened, by a command that writes as by one that reads; a
store that must be written but cannot be made private (another user owns
it) is refused with one line and exit 4. ``--db`` naming a folder is one
line and exit 4 for every command.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from .conftest import REPO, run_cli


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _store(db_path) -> None:
    from interview_assist.store import Database

    with Database(db_path) as db, db.atomic() as c:
        c.execute("SELECT 1")


def test_a_store_restored_open_to_others_is_made_private_on_open(db_path, eval_dir):
    _store(db_path)
    wal = db_path.with_name(db_path.name + "-wal")
    for path in (db_path, wal):
        if path.exists():
            os.chmod(path, 0o644)
    # A command that only reads (-v: the change is logged).
    done = run_cli("-v", "audit", "verify", "--all", "--db", db_path)
    assert done.returncode == 0, done.stderr
    assert _mode(db_path) == 0o600
    assert f"{db_path}: other users had access to the store (mode 0644); made private (0600)" in done.stderr
    # A command that writes, with a group-readable -wal file this time.
    os.chmod(db_path, 0o640)
    done = run_cli("-v", "batch", eval_dir / "asr" / "missing.ogg", "--no-diarize", "--db", db_path)
    assert done.returncode == 1, done.stderr  # the recording is missing: reported, the batch ends
    assert _mode(db_path) == 0o600 and all(_mode(p) == 0o600 for p in db_path.parent.glob("*.sqlite-*"))
    assert "(mode 0640); made private (0600)" in done.stderr
    # An archive made read-only stays read-only for its owner, and is quietly made private.
    os.chmod(db_path, 0o444)
    done = run_cli("audit", "verify", "--all", "--db", db_path)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert _mode(db_path) == 0o400


def test_a_store_that_cannot_be_made_private_is_not_written(tmp_path, eval_dir):
    """Owned by another user and writable by all: only its owner may chmod it, so it is not written to."""
    if os.geteuid() != 0:
        pytest.skip("needs root, to hand the store to another user")
    db_path = tmp_path / "s.sqlite"
    _store(db_path)
    os.chown(db_path, 65534, 65534)
    os.chmod(db_path, 0o666)
    # Root without the capability to act as the owner of any file, as a colleague of the owner would be.
    caps = "-fowner"
    done = subprocess.run(
        ["setpriv", f"--bounding-set={caps}", f"--inh-caps={caps}", sys.executable, "-m", "interview_assist",
         "batch", str(eval_dir / "asr" / "fleurs-en-004.ogg"), "--no-diarize", "--db", str(db_path)],
        capture_output=True, text=True, cwd=REPO,
    )
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 4, done.stderr
    assert lines == [
        f"interview-assist: error: {db_path}: other users have access to the store (mode 0666) and it cannot be "
        f"made private (Operation not permitted); its owner can run: chmod 600 {db_path}"], lines
    assert _mode(db_path) == 0o666
    # Reading it is still possible (an archive), with a warning.
    done = subprocess.run(
        ["setpriv", f"--bounding-set={caps}", f"--inh-caps={caps}", sys.executable, "-m", "interview_assist",
         "audit", "verify", "--all", "--db", str(db_path)],
        capture_output=True, text=True, cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
    assert "other users have access to the store (mode 0666); it could not be made private" in done.stderr


def test_db_naming_a_folder_is_one_line_and_exit_4(tmp_path, eval_dir):
    folder = tmp_path / "a-folder"
    folder.mkdir()
    audio = eval_dir / "asr" / "fleurs-en-004.ogg"
    for args in (
        ["show", "1", "--db", folder],
        ["audit", "verify", "--all", "--db", folder],
        ["batch", audio, "--no-diarize", "--db", folder],
        ["transcribe", audio, "--no-diarize", "--db", folder],
        ["speakers", "1", "--db", folder],
    ):
        done = run_cli(*args)
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 4, (args, done.stderr)
        assert lines == [f"interview-assist: error: {folder}: is a directory, not a store file"], (args, done.stderr)
    done = run_cli("show", "1", env={"INTERVIEW_ASSIST_DB": str(folder)})
    assert done.returncode == 4 and done.stderr.strip().splitlines() == [
        f"interview-assist: error: {folder}: is a directory, not a store file"]
