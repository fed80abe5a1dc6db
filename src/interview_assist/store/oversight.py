"""What an officer's review leaves in the log about their attention.

- ``review_opened``: a review session began, and the oversight policy it runs under;
- ``play``: a span of the recording was played (asked-for span, speed, how it
  went, the part actually heard, how long the player ran, why it failed);
- ``attention_check``: a deliberately wrong word shown on a segment was caught
  or missed (segment, word position, outcome: never the word);
- ``note_unheard``: why the officer decides a span without hearing it. The
  reason is their own words, so it is kept in ``unheard_notes``, and the log
  holds its digest, as for the other decisions.

Each is one transaction with its audit record. None of them changes the
interview (``audit.OBSERVATIONS``: the concurrent-change guard ignores them).
Records hold times, never transcript text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from interview_assist.core.errors import InputError
from interview_assist.store import audit
from interview_assist.store.connection import Database, utc_now
from interview_assist.store.officers import signer_for
from interview_assist.store.review import _require_interview

MAX_REASON = 500


@dataclass(frozen=True, slots=True)
class PlayRecord:
    actor: str
    at: str  # when the play was over
    start: float  # the span asked for
    end: float
    speed: float
    outcome: str  # ended | stopped | failed
    heard: tuple[float, float] | None  # the part of the recording played
    seconds: float  # how long the player ran
    reason: str = ""


@dataclass(frozen=True, slots=True)
class UnheardNote:
    id: int
    actor: str
    start: float
    end: float
    reason: str
    at: str


def open_review(db: Database, interview_id: int, *, actor: str, policy: dict[str, Any]) -> None:
    """Record that ``actor`` began a review session under ``policy``."""
    with db.atomic() as c:
        _require_interview(c, db, interview_id)
        audit.append(c, actor=actor, signer=signer_for(db, c, actor), action="review_opened", interview_id=interview_id, detail={"policy": policy})


def record_play(
    db: Database, interview_id: int, *, actor: str, start: float, end: float, speed: float, outcome: str,
    heard: tuple[float, float] | None, seconds: float, reason: str = "",
) -> None:
    """Record one play; a failed one records nothing as heard."""
    if outcome not in ("ended", "stopped", "failed"):
        raise InputError(f"unknown outcome of a play: {outcome!r}")
    detail: dict[str, Any] = {
        "start": round(start, 3), "end": round(end, 3), "speed": speed, "outcome": outcome,
        "heard": None if outcome == "failed" or heard is None else [round(heard[0], 3), round(heard[1], 3)],
        "seconds": round(seconds, 3),
    }
    if reason:
        detail["reason"] = reason[:MAX_REASON]
    with db.atomic() as c:
        audit.append(c, actor=actor, signer=signer_for(db, c, actor), action="play", interview_id=interview_id, detail=detail)


def record_check(
    db: Database, interview_id: int, *, actor: str, segment: int, word: int, outcome: str, start: float, end: float,
    via: str,
) -> None:
    """Record the outcome of one attention check: where it was, and whether it was caught. Never the word."""
    if outcome not in ("caught", "missed"):
        raise InputError(f"unknown outcome of an attention check: {outcome!r}")
    with db.atomic() as c:
        audit.append(
            c, actor=actor, signer=signer_for(db, c, actor), action="attention_check", interview_id=interview_id,
            detail={"segment": segment, "word": word, "outcome": outcome, "start": round(start, 3),
                    "end": round(end, 3), "via": via},
        )


def note_unheard(db: Database, interview_id: int, *, actor: str, segment: int, start: float, end: float, reason: str) -> UnheardNote:
    """Record why ``actor`` decides the span [start, end] (segment ``segment``) without hearing it."""
    reason = " ".join(reason.split())
    if not reason:
        raise InputError("deciding without the audio needs a reason (e.g. I conducted this interview; recalled)")
    if len(reason) > MAX_REASON:
        raise InputError(f"the reason is longer than {MAX_REASON} characters")
    at = utc_now()
    with db.atomic() as c:
        _require_interview(c, db, interview_id)
        cur = c.execute(
            "INSERT INTO unheard_notes (interview_id, actor, start, end, reason, at) VALUES (?, ?, ?, ?, ?, ?)",
            (interview_id, actor, start, end, reason, at),
        )
        note = int(cur.lastrowid or 0)
        audit.append(
            c, actor=actor, signer=signer_for(db, c, actor), action="note_unheard", interview_id=interview_id,
            # The reason is the officer's words: the log keeps its digest.
            detail={"note": note, "segment": segment, "start": round(start, 3), "end": round(end, 3),
                    "note_sha256": audit.state_digest(c, "unheard_notes", "id = ?", (note,))},
        )
    return UnheardNote(note, actor, start, end, reason, at)


def plays(db: Database, interview_id: int, actor: str | None = None) -> list[PlayRecord]:
    """The plays of one interview (of one officer), oldest first."""
    out = []
    query = "SELECT actor, at, detail FROM audit_log WHERE interview_id = ? AND action = 'play'"
    params: tuple[Any, ...] = (interview_id,)
    if actor is not None:
        query, params = query + " AND actor = ?", (interview_id, actor)
    for r in db.conn.execute(query + " ORDER BY id", params):
        out.append(play_record(r["actor"], r["at"], json.loads(r["detail"])))
    return out


def play_record(actor: str, at: str, d: dict[str, Any]) -> PlayRecord:
    heard = d.get("heard")
    return PlayRecord(
        actor, at, float(d["start"]), float(d["end"]), float(d.get("speed", 1.0)), str(d["outcome"]),
        (float(heard[0]), float(heard[1])) if heard else None, float(d.get("seconds", 0.0)), str(d.get("reason", "")),
    )


def unheard_notes(db: Database, interview_id: int, actor: str | None = None) -> list[UnheardNote]:
    """Why spans were decided without hearing them (of one officer), oldest first."""
    query = "SELECT * FROM unheard_notes WHERE interview_id = ?"
    params: tuple[Any, ...] = (interview_id,)
    if actor is not None:
        query, params = query + " AND actor = ?", (interview_id, actor)
    return [
        UnheardNote(r["id"], r["actor"], r["start"], r["end"], r["reason"], r["at"])
        for r in db.conn.execute(query + " ORDER BY id", params)
    ]
