"""The hash-chained audit log.

Each record holds the sha256 of the record before it, so a later change to any
record, or the removal of one, breaks the chain. Records are appended inside
the caller's transaction, together with the change they describe. Details
never contain transcript text.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from collections.abc import Iterable
from typing import Any

from .connection import utc_now

GENESIS = "0" * 64


def _digest(prev_hash: str, at: str, actor: str, action: str, interview_id: int | None, detail: str) -> str:
    payload = json.dumps([prev_hash, at, actor, action, interview_id, detail], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def content_digest(*parts: Any) -> str:
    """The sha256 of some stored content, for an audit record that must not hold the content itself."""
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()


def words_digest(words: Iterable[tuple[float, float, str, float]]) -> str:
    """The sha256 of an interview's ASR words (start, end, text, probability).

    Sorted by value, so splitting and merging segments, which move words
    between segments, leave it unchanged; any change to a word does not.
    """
    return content_digest(sorted((float(a), float(b), str(t), float(p)) for a, b, t, p in words))


def segment_digest(start: float, end: float, speaker: str | None, text: str) -> str:
    """The sha256 of what an officer validates in a segment: its times, speaker and text."""
    return content_digest(float(start), float(end), speaker, text)


def append(
    db: sqlite3.Connection, *, actor: str, action: str, interview_id: int | None, detail: dict[str, Any]
) -> str:
    """Add a record to the chain (call inside ``Database.atomic``); returns its hash."""
    row = db.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    prev = row[0] if row else GENESIS
    at = utc_now()
    text = json.dumps(detail, sort_keys=True, ensure_ascii=False)
    digest = _digest(prev, at, actor, action, interview_id, text)
    db.execute(
        "INSERT INTO audit_log (at, actor, action, interview_id, detail, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (at, actor, action, interview_id, text, prev, digest),
    )
    return digest


@dataclass(frozen=True, slots=True)
class ChainCheck:
    records: int
    first_broken: int | None  # audit_log.id of the first record that does not verify
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken is None


def verify(db: sqlite3.Connection) -> ChainCheck:
    """Recompute the whole chain and report the first broken link."""
    prev = GENESIS
    n = 0
    for row in db.execute(
        "SELECT id, at, actor, action, interview_id, detail, prev_hash, hash FROM audit_log ORDER BY id"
    ):
        n += 1
        if row["prev_hash"] != prev:
            return ChainCheck(n, row["id"], "does not link to the record before it")
        if _digest(prev, row["at"], row["actor"], row["action"], row["interview_id"], row["detail"]) != row["hash"]:
            return ChainCheck(n, row["id"], "its content does not match its hash")
        prev = row["hash"]
    return ChainCheck(n, None)
