"""Checking that a stored interview is what its audit log says it is.

Three checks, none of which needs the transcript text in the log:

- the hash chain of the whole log (a changed, inserted or removed record
  breaks it; see :mod:`.audit`);
- the ASR words against the digest recorded when the interview was stored;
- every validated segment against the digest recorded when an officer
  validated it (times, speaker and text).

So a row edited directly in the SQLite file, bypassing the application, is
found whether it is an audit record, a word or a validated segment.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from . import audit
from .audit import ChainCheck
from .connection import Database
from .review import _require_interview


@dataclass(frozen=True, slots=True)
class AuditRecord:
    id: int
    at: str
    actor: str
    action: str
    interview_id: int | None
    detail: dict


@dataclass(frozen=True, slots=True)
class IntegrityReport:
    interview_id: int
    chain: ChainCheck
    broken: AuditRecord | None  # the first record that does not verify, if any
    records: int  # audit records of this interview
    problems: tuple[str, ...]  # content that differs from what the log recorded
    notes: tuple[str, ...] = ()  # checks that could not be made (older records)

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.problems


def _record(r: sqlite3.Row) -> AuditRecord:
    try:
        detail = json.loads(r["detail"])
    except (TypeError, ValueError):
        detail = {"unreadable": True}
    return AuditRecord(r["id"], r["at"], r["actor"], r["action"], r["interview_id"], detail)


def audit_records(db: Database, interview_id: int) -> list[AuditRecord]:
    """The audit records of one interview, oldest first."""
    _require_interview(db.conn, db, interview_id)
    return [
        _record(r)
        for r in db.conn.execute("SELECT * FROM audit_log WHERE interview_id = ? ORDER BY id", (interview_id,))
    ]


def verify_interview(db: Database, interview_id: int) -> IntegrityReport:
    """Recompute the chain and compare the interview's content with its recorded digests."""
    records = audit_records(db, interview_id)
    c = db.conn
    chain = audit.verify(c)
    broken = None
    if chain.first_broken is not None:
        row = c.execute("SELECT * FROM audit_log WHERE id = ?", (chain.first_broken,)).fetchone()
        broken = _record(row) if row is not None else None
    problems: list[str] = []
    notes: list[str] = []

    stored = [r for r in records if r.action == "transcribe"]
    if not stored:
        problems.append("the log has no record of this interview being stored")
    elif "words_sha256" not in stored[0].detail:
        notes.append("the ASR words were stored before word digests were recorded: not checked")
    else:
        words = c.execute(
            "SELECT w.start, w.end, w.text, w.probability FROM words w JOIN segments s ON s.id = w.segment_id "
            "WHERE s.interview_id = ?",
            (interview_id,),
        ).fetchall()
        if audit.words_digest(tuple(w) for w in words) != stored[0].detail["words_sha256"]:
            problems.append(
                f"the ASR words differ from those stored at transcription (audit record #{stored[0].id})"
            )

    validated = {
        (r.detail["content_sha256"], r.actor)
        for r in records
        if r.action == "validate_segment" and "content_sha256" in r.detail
    }
    for s in c.execute(
        "SELECT idx, start, end, speaker, text, edited_text, validated_by FROM segments "
        "WHERE interview_id = ? AND review_status = 'validated' ORDER BY idx",
        (interview_id,),
    ):
        text = s["edited_text"] if s["edited_text"] is not None else s["text"]
        digest = audit.segment_digest(s["start"], s["end"], s["speaker"], text)
        if (digest, s["validated_by"]) not in validated:
            if not validated and any(r.action == "validate_segment" for r in records):
                notes.append("validations were recorded before content digests: validated text not checked")
                break
            problems.append(
                f"segment {s['idx'] + 1}: its text, times or speaker differ from what "
                f"{s['validated_by']} validated, or no validation of it is recorded"
            )
    return IntegrityReport(interview_id, chain, broken, len(records), tuple(problems), tuple(notes))


def find_export(db: Database, interview_id: int, path: Path) -> AuditRecord | None:
    """The export record whose sha256 matches the file at ``path``, if the file is one of ours, unchanged."""
    from ..audio import file_sha256  # any file: its errors say why it cannot be read

    digest = file_sha256(path)
    for r in audit_records(db, interview_id):
        if r.action == "export" and r.detail.get("sha256") == digest:
            return r
    return None
