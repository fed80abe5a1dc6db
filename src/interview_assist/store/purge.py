"""Purging an interview: its content deleted for good, a signed tombstone left in the audit log; retention.

Deleted: every row that holds what was said, by whom, or what was decided on
it (``CONTENT``): segments (the ASR and the edited text), words, quality and
name flags with their decisions, the case glossary, speakers (roles, names),
speaker turns, denoise decisions, officers' notes on audio decided unheard; and, in the interview's own row, the
recording's path and the settings (they name files, such as the glossary's).
Kept: the interview's id, when it was stored, the recording's sha256 and
duration, the model; the batch's record of the recording, without its path,
so that a batch run again over the same folder does not bring it back; and
the audit log, which never held text.

The tombstone is the purge's audit record, written in the same transaction
as the deletion: which interview, who, why, when, how many rows of each kind
went and their sha256 (digests, never text), signed with the installation's
Ed25519 key (:mod:`interview_assist.core.signing`). The store has
``secure_delete`` on, so deleted rows are overwritten in their pages; after
the transaction the WAL is checkpointed and truncated (:func:`wipe`), so the
text is in neither file.

Retention (:func:`retention`): interviews whose last export is older than a
number of days, and that nobody changed since, may be purged; one never
exported never is.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from typing import Any

from interview_assist.core.errors import InputError, NotFound, Purged
from interview_assist.core.signing import Signer
from interview_assist.store import audit
from interview_assist.store.connection import Database, Error, _translate, utc_now
from interview_assist.store.officers import signer_for

# Every table holding an interview's content, in the order rows are deleted
# (those that refer to segments first), with the rows of one interview.
CONTENT = {
    "words": "segment_id IN (SELECT id FROM segments WHERE interview_id = ?)",
    "name_flags": "interview_id = ?",
    "flags": "interview_id = ?",
    "segments": "interview_id = ?",
    "glossary": "interview_id = ?",
    "speakers": "interview_id = ?",
    "speaker_turns": "interview_id = ?",
    "denoise_windows": "interview_id = ?",
    "unheard_notes": "interview_id = ?",  # an officer's words on why a span was decided unheard
    "undo_states": "interview_id = ?",  # what a review action changed, as it was (texts, spellings): for undo
}
# Tables with an interview_id that keep their rows, and why (a table missing
# from both lists fails a test: a new table must be decided on).
KEPT = {
    "interviews": "the interview's id, time, recording sha256 and model; its path and settings are blanked",
    "audit_log": "the log holds no text; the tombstone is its last record of the interview",
    "batch_items": "so that a batch does not transcribe the recording again; its path and settings are blanked",
}
# Records that do not change an interview: after an export, they leave it as exported.
NOT_CHANGES = frozenset({"export", *audit.OBSERVATIONS})


@dataclass(frozen=True, slots=True)
class Tombstone:
    interview_id: int
    record: int  # its audit record
    at: str
    actor: str
    reason: str
    rows: dict[str, int]


def tombstone_of(c: sqlite3.Connection, interview_id: int) -> sqlite3.Row | None:
    """The interview's purge record, if it was purged."""
    row: sqlite3.Row | None = c.execute(
        "SELECT id, at, actor, detail FROM audit_log WHERE interview_id = ? AND action = 'purge' ORDER BY id DESC LIMIT 1",
        (interview_id,),
    ).fetchone()
    return row


def require_interview(c: sqlite3.Connection, db: Database, interview_id: int) -> None:
    """Raise :class:`NotFound` for an unknown id, :class:`Purged` for a purged interview."""
    row = c.execute("SELECT status FROM interviews WHERE id = ?", (interview_id,)).fetchone()
    if row is None:
        raise NotFound(f"no interview with id {interview_id} in {db.path}")
    if row[0] == "purged":
        record = tombstone_of(c, interview_id)
        when = f" on {record['at'][:10]} by {record['actor']}" if record is not None else ""
        raise Purged(
            f"interview {interview_id} was purged{when}: its content was deleted "
            f"(its audit records remain: interview-assist audit log {interview_id})"
        )


def _digests(c: sqlite3.Connection, interview_id: int) -> tuple[dict[str, int], dict[str, str]]:
    rows: dict[str, int] = {}
    digests: dict[str, str] = {}
    for table, where in CONTENT.items():
        found = c.execute(f"SELECT * FROM {table} WHERE {where} ORDER BY rowid", (interview_id,)).fetchall()
        rows[table] = len(found)
        digests[table] = audit.content_digest([list(r) for r in found])
    digests["interviews"] = audit.state_digest(c, "interviews", "id = ?", (interview_id,))
    words = c.execute(
        "SELECT w.start, w.end, w.text, w.probability FROM words w JOIN segments s ON s.id = w.segment_id "
        "WHERE s.interview_id = ?",
        (interview_id,),
    ).fetchall()
    digests["asr_words"] = audit.words_digest(tuple(w) for w in words)  # as in the transcribe record
    return rows, digests


def purge_interview(db: Database, interview_id: int, *, actor: str, reason: str, signer: Signer) -> Tombstone:
    """Delete the interview's content and leave its signed tombstone, in one transaction; then :func:`wipe`."""
    reason = " ".join(reason.split())
    if not reason:
        raise InputError("a purge needs a reason (--reason)")
    with db.atomic() as c:
        require_interview(c, db, interview_id)
        rows, digests = _digests(c, interview_id)
        for table, where in CONTENT.items():
            c.execute(f"DELETE FROM {table} WHERE {where}", (interview_id,))
        c.execute("UPDATE interviews SET audio_path = '', settings = '{}', status = 'purged' WHERE id = ?", (interview_id,))
        c.execute("UPDATE batch_items SET audio_path = '', options = '{}' WHERE interview_id = ?", (interview_id,))
        at = utc_now()
        tombstone: dict[str, Any] = {
            "interview": interview_id, "officer": actor, "reason": reason, "purged_at": at, "rows": rows, "removed_sha256": digests,
        }
        detail = {**tombstone, "signed_by": signer.public_hex, "signature": signer.sign(tombstone)}
        audit.append(c, actor=actor, signer=signer_for(db, c, actor), action="purge", interview_id=interview_id, detail=detail)
        record = int(c.execute("SELECT max(id) FROM audit_log").fetchone()[0])
    return Tombstone(interview_id, record, at, actor, reason, rows)


def tombstone_payload(detail: dict[str, Any]) -> dict[str, Any]:
    """What the tombstone's signature covers."""
    return {k: v for k, v in detail.items() if k not in ("signed_by", "signature")}


def wipe(db: Database) -> bool:
    """Checkpoint the WAL into the store and truncate it; False when another process's read kept it from finishing."""
    row = db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    return int(row[0]) == 0


def compact(db: Database) -> bool:
    """Rewrite the store without its free pages (VACUUM), then :func:`wipe`."""
    try:
        db.conn.execute("VACUUM")
    except Error as exc:
        raise _translate(exc, db.path) from None
    return wipe(db)


@dataclass(frozen=True, slots=True)
class RetentionCase:
    interview_id: int
    last_export: str | None  # when it was last exported
    due: bool  # to be purged
    why: str


def retention(db: Database, days: float, now: dt.datetime | None = None) -> list[RetentionCase]:
    """Every interview not purged yet, and whether it is due: exported last more than ``days`` ago, unchanged since."""
    if days < 0:
        raise InputError("the retention period is a number of days, 0 or more")
    now = now or dt.datetime.now(dt.UTC)
    cases = []
    c = db.conn
    for (iid,) in c.execute("SELECT id FROM interviews WHERE status != 'purged' ORDER BY id").fetchall():
        records = c.execute(
            "SELECT id, at, actor, action FROM audit_log WHERE interview_id = ? ORDER BY id", (iid,)
        ).fetchall()
        exports = [r for r in records if r["action"] == "export"]
        if not exports:
            cases.append(RetentionCase(iid, None, False, "never exported"))
            continue
        last = exports[-1]
        changes = [r for r in records if r["id"] > last["id"] and r["action"] not in NOT_CHANGES]
        age = (now - dt.datetime.fromisoformat(last["at"])).total_seconds() / 86400
        if changes:
            ch = changes[-1]
            why = f"changed since its last export ({ch['action'].replace('_', ' ')} by {ch['actor']} on {ch['at'][:10]})"
            cases.append(RetentionCase(iid, last["at"], False, why))
        elif age <= days:
            cases.append(RetentionCase(iid, last["at"], False, f"exported {age:.0f} days ago"))
        else:
            cases.append(RetentionCase(iid, last["at"], True, f"exported {age:.0f} days ago, unchanged since"))
    return cases
