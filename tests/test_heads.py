"""Signed heads of the audit log kept outside the store (``audit verify --heads FILE``).

Issue 21 (3): a segment's text was changed directly in SQLite, the digests
and the chain recomputed with the project's own functions, and ``audit
verify`` said all was well; records removed from the end of the log left no
trace either. A head kept in a file the operator chooses, signed with the
installation's key, catches both without anybody remembering a hash.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from interview_assist.store import Database, audit, save_transcript, validate_segment
from interview_assist.store.integrity import _record

from .conftest import enrol, raw_sql, run_cli
from .test_purge import case_transcript


def _store(db_path: Path, interviews: int = 2) -> list[int]:
    with Database(db_path) as db:
        ids = [save_transcript(db, case_transcript(), actor="machine") for _ in range(interviews)]
        for i in range(3):
            validate_segment(db, ids[0], i, actor="officer.a")
    return ids


def _verify(db_path: Path, heads: Path, *more: str, env: dict | None = None):
    return run_cli("audit", "verify", "--all", "--db", db_path, "--heads", heads, *more, env=env)


def test_kept_heads_catch_a_removed_tail(tmp_path, db_path):
    ids = _store(db_path)
    heads = tmp_path / "kept" / "heads.log"
    heads.parent.mkdir()
    first = _verify(db_path, heads)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "none kept yet" in first.stdout and "appended (line 1, signed)" in first.stdout
    with Database(db_path) as db:
        ids.append(save_transcript(db, case_transcript(), actor="machine"))
    second = _verify(db_path, heads)
    assert second.returncode == 0 and "is in the chain" in second.stdout and "(line 2, signed)" in second.stdout
    assert len(heads.read_text().splitlines()) == 2 and oct(os.stat(heads).st_mode)[-3:] == "600"

    # The newest interview removed with its records: the chain that is left is intact ...
    with raw_sql(db_path) as c:
        c.execute("PRAGMA foreign_keys = OFF")
        c.execute("DELETE FROM audit_log WHERE interview_id = ?", (ids[-1],))
        c.execute("DELETE FROM words WHERE segment_id IN (SELECT id FROM segments WHERE interview_id = ?)", (ids[-1],))
        for table in ("segments", "speakers", "speaker_turns", "glossary", "interviews"):
            c.execute(f"DELETE FROM {table} WHERE {'id' if table == 'interviews' else 'interview_id'} = ?", (ids[-1],))
    blind = run_cli("audit", "verify", "--all", "--db", db_path)
    assert blind.returncode == 0, blind.stdout  # without a kept head, nothing shows
    # ... but not the head kept in the file.
    caught = _verify(db_path, heads)
    assert caught.returncode == 5, caught.stdout
    assert "DOES NOT MATCH: records were removed from the end of the log, or the log was rewritten" in caught.stdout
    assert "nothing appended" in caught.stdout and len(heads.read_text().splitlines()) == 2


def test_kept_heads_catch_a_chain_recomputed_with_the_projects_own_functions(tmp_path, db_path):
    """The issue's attack: a validated segment's text changed, its digest and the whole chain recomputed."""
    ids = _store(db_path)
    heads = tmp_path / "heads.log"
    assert _verify(db_path, heads).returncode == 0
    with raw_sql(db_path) as c:
        from sqlcipher3.dbapi2 import Row

        c.row_factory = Row
        c.execute("UPDATE segments SET edited_text = 'I was born in Paris.' WHERE interview_id = ? AND idx = 1", (ids[0],))
        row = c.execute("SELECT start, end, speaker FROM segments WHERE interview_id = ? AND idx = 1", (ids[0],)).fetchone()
        prev = audit.GENESIS
        for r in c.execute("SELECT * FROM audit_log ORDER BY id").fetchall():
            detail = r["detail"]
            d = _record(r).detail
            if r["action"] == "validate_segment" and d.get("segment") == 1 and r["interview_id"] == ids[0]:
                d["content_sha256"] = audit.segment_digest(row["start"], row["end"], row["speaker"], "I was born in Paris.")
                detail = json.dumps(d, sort_keys=True, ensure_ascii=False)
            digest = audit._digest(prev, r["at"], r["actor"], r["action"], r["interview_id"], detail)
            c.execute("UPDATE audit_log SET detail = ?, prev_hash = ?, hash = ? WHERE id = ?", (detail, prev, digest, r["id"]))
            prev = digest
    # The officer's signature on the changed validation no longer matches: verify names it without a kept head ...
    signed = run_cli("audit", "verify", "--all", "--db", db_path)
    assert signed.returncode == 5 and "signature does not match officer officer.a's key" in signed.stdout, signed.stdout
    # ... and the kept head shows the rewrite too.
    caught = _verify(db_path, heads)
    assert caught.returncode == 5 and "DOES NOT MATCH" in caught.stdout, caught.stdout


def test_a_kept_head_changed_or_signed_by_another_key_is_caught(tmp_path, db_path):
    _store(db_path)
    heads = tmp_path / "heads.log"
    assert _verify(db_path, heads).returncode == 0
    line = json.loads(heads.read_text())
    # Someone who can write the file but has no signing key moves the kept head.
    heads.write_text(json.dumps({**line, "record": 1}) + "\n")
    forged = _verify(db_path, heads)
    assert forged.returncode == 5 and "is not validly signed: the file was changed" in forged.stdout, forged.stdout
    heads.write_text(json.dumps(line) + "\n")
    # A line signed by another installation's key.
    other = tmp_path / "other-signing.key"
    done = _verify(db_path, tmp_path / "other-heads.log", env={"INTERVIEW_ASSIST_SIGNING_KEY": str(other)})
    assert done.returncode == 0, done.stdout + done.stderr
    heads.write_text((tmp_path / "other-heads.log").read_text())
    alien = _verify(db_path, heads)
    assert alien.returncode == 5 and "not by this installation's" in alien.stdout, alien.stdout
    # Heads kept, but no signing key to check them: exit 4, one line.
    missing = _verify(db_path, heads, env={"INTERVIEW_ASSIST_SIGNING_KEY": str(tmp_path / "none.key")})
    assert missing.returncode == 4 and "signing key is missing" in missing.stderr, missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    # Heads of another store.
    other_store = tmp_path / "other" / "s.sqlite"
    enrol(other_store, "officer.a")
    _store(other_store, interviews=1)
    heads.write_text(json.dumps(line) + "\n")
    elsewhere = _verify(other_store, heads)
    assert elsewhere.returncode == 5 and "head of another log" in elsewhere.stdout, elsewhere.stdout
