"""The SQLite store: permissions, WAL, transactions, migrations, audit chain."""

from __future__ import annotations

import stat
from dataclasses import replace

import pytest

from interview_assist.core.errors import StoreError
from interview_assist.store import Database, audit, load_interview, save_transcript
from interview_assist.store.migrations import MIGRATIONS

from .conftest import raw_sql
from .test_interrupt import _tiny_transcript


def test_store_file_is_private_and_in_wal_mode(db_path):
    with Database(db_path) as db:
        save_transcript(db, _tiny_transcript(), actor="tester")
        assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        for suffix in ("", "-wal", "-shm"):
            path = db_path.with_name(db_path.name + suffix)
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_round_trip(db_path):
    t = _tiny_transcript()
    with Database(db_path) as db:
        interview_id = save_transcript(db, t, actor="tester")
        stored = load_interview(db, interview_id)
    assert stored.status == "draft"
    assert stored.transcript.segments == t.segments
    assert stored.transcript.audio_sha256 == t.audio_sha256


def test_migrations_are_named_and_recorded(db_path):
    with Database(db_path) as db:
        assert db.applied_migrations() == [name for name, _ in MIGRATIONS]
        assert db.migrate() == []  # nothing applied twice


def test_old_store_is_upgraded_keeping_its_data(new_db_path):
    db_path = new_db_path  # nothing there yet: nothing may be made
    with Database(db_path, migrations=MIGRATIONS[:1]) as db:
        db.conn.execute(
            "INSERT INTO interviews (created_at, audio_path, audio_sha256, duration, model_name, "
            "model_sha256, settings) VALUES ('t', '/a.wav', 'x', 1.0, 'm', 'y', '{}')"
        )
        assert db.applied_migrations() == [MIGRATIONS[0][0]]
    with Database(db_path) as db:
        assert db.applied_migrations() == [name for name, _ in MIGRATIONS]
        assert db.conn.execute("SELECT audio_path FROM interviews").fetchone()[0] == "/a.wav"
        assert db.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 0


def test_failed_migration_leaves_no_trace(db_path):
    def broken(db):
        db.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("migration bug")

    with pytest.raises(RuntimeError):
        Database(db_path, migrations=[*MIGRATIONS, ("9999_broken", broken)])
    with raw_sql(db_path) as c:
        names = [r[0] for r in c.execute("SELECT name FROM schema_migrations")]
        tables = [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    assert "9999_broken" not in names and "half_done" not in tables
    assert names == [name for name, _ in MIGRATIONS]


def test_nested_atomic_rolls_back_only_the_inner_part(db_path):
    with Database(db_path) as db:
        with db.atomic() as c:
            c.execute("CREATE TABLE t (x)")
            c.execute("INSERT INTO t VALUES (1)")
            with pytest.raises(ValueError):
                with db.atomic() as inner:
                    inner.execute("INSERT INTO t VALUES (2)")
                    raise ValueError
        assert [r[0] for r in db.conn.execute("SELECT x FROM t")] == [1]


def test_disk_full_is_a_clear_error_and_stores_nothing(db_path):
    with Database(db_path) as db:
        save_transcript(db, _tiny_transcript(), actor="tester")
        pages = db.conn.execute("PRAGMA page_count").fetchone()[0]
        db.conn.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own 'disk full'
        big = _tiny_transcript()
        big = replace(big, segments=big.segments * 2000)
        with pytest.raises(StoreError, match="disk full"):
            save_transcript(db, big, actor="tester")
        assert db.conn.execute("SELECT count(*) FROM interviews").fetchone()[0] == 1


def test_audit_chain_verifies_and_detects_tampering(new_db_path):
    db_path = new_db_path  # nothing there yet: nothing may be made
    with Database(db_path) as db:
        for _ in range(3):
            save_transcript(db, _tiny_transcript(), actor="tester")
        check = audit.verify(db.conn)
        assert check.ok and check.records == 3
    with raw_sql(db_path) as c:
        c.execute("UPDATE audit_log SET actor = 'someone else' WHERE id = 2")
    with Database(db_path) as db:
        check = audit.verify(db.conn)
    assert not check.ok and check.first_broken == 2


def test_audit_detail_holds_no_transcript_text(db_path):
    with Database(db_path) as db:
        save_transcript(db, _tiny_transcript(), actor="tester")
        detail = db.conn.execute("SELECT detail FROM audit_log").fetchone()[0]
    assert "Hello" not in detail
