"""What the batch has done: one row per recording and settings, written with its result.

A recording is done for a set of settings when its row says so; running
the batch again skips it. A stored draft and its row are written in one
transaction, so a batch killed at any moment leaves either both or neither.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from interview_assist.core.signing import installation_signer
from interview_assist.core.transcript import Transcript
from interview_assist.store import audit
from interview_assist.store.connection import Database, utc_now
from interview_assist.store.interviews import save_transcript


@dataclass(frozen=True, slots=True)
class BatchItem:
    job_key: str
    audio_path: str
    status: str  # done | failed
    interview_id: int | None
    error: str | None
    attempts: int


def batch_item(db: Database, job_key: str) -> BatchItem | None:
    r = db.conn.execute("SELECT * FROM batch_items WHERE job_key = ?", (job_key,)).fetchone()
    if r is None:
        return None
    return BatchItem(r["job_key"], r["audio_path"], r["status"], r["interview_id"], r["error"], r["attempts"])


def record_done(
    db: Database, job_key: str, options: dict[str, Any], transcript: Transcript, *, actor: str
) -> int:
    """Store the draft and mark the job done, together; returns the interview id."""
    with db.atomic() as c:
        interview_id = save_transcript(db, transcript, actor=actor)
        c.execute(
            "INSERT INTO batch_items (job_key, audio_path, audio_sha256, options, status, interview_id, error, updated_at) "
            "VALUES (?, ?, ?, ?, 'done', ?, NULL, ?) "
            "ON CONFLICT (job_key) DO UPDATE SET status = 'done', interview_id = excluded.interview_id, "
            "error = NULL, attempts = attempts + 1, audio_path = excluded.audio_path, updated_at = excluded.updated_at",
            (job_key, transcript.audio_path, transcript.audio_sha256, json.dumps(options, sort_keys=True),
             interview_id, utc_now()),
        )
    return interview_id


def record_failure(
    db: Database, job_key: str, audio_path: str, audio_sha256: str, options: dict[str, Any], error: str, *, actor: str
) -> None:
    """Remember that a job failed, and why (a later run tries it again)."""
    with db.atomic() as c:
        c.execute(
            "INSERT INTO batch_items (job_key, audio_path, audio_sha256, options, status, error, updated_at) "
            "VALUES (?, ?, ?, ?, 'failed', ?, ?) "
            "ON CONFLICT (job_key) DO UPDATE SET status = 'failed', error = excluded.error, "
            "attempts = attempts + 1, updated_at = excluded.updated_at",
            (job_key, audio_path, audio_sha256, json.dumps(options, sort_keys=True), error, utc_now()),
        )
        audit.append(
            c, actor=actor, signer=installation_signer(), action="batch_failed", interview_id=None,
            detail={"job_key": job_key, "audio_sha256": audio_sha256, "error": error},
        )
