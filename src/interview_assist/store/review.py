"""The officer's review of a draft, segment by segment (the review screen sits on this).

A segment is ``draft`` as the machine wrote it, ``edited`` once a person
changed its text (the ASR text is kept beside the edit), and ``validated``
when a named officer approved it. A segment is validated only when none of
its name flags is open; editing a validated segment returns it to ``edited``.
There is no way to validate everything at once.

Every change is one transaction with its audit record. Audit details hold
segment numbers and states, never transcript text.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from interview_assist.core.errors import InputError, NotFound
from interview_assist.store import audit
from interview_assist.store.connection import Database, utc_now
from interview_assist.store.officers import signer_for
from interview_assist.store.purge import require_interview

STATES = ("draft", "edited", "validated")


@dataclass(frozen=True, slots=True)
class SegmentReview:
    index: int
    status: str
    asr_text: str
    edited_text: str | None
    validated_by: str | None
    validated_at: str | None
    open_flags: int  # name flags and quality flags (loop, gap...) not resolved yet

    @property
    def text(self) -> str:
        """The text that stands: the officer's edit, else the ASR's."""
        return self.edited_text if self.edited_text is not None else self.asr_text


@dataclass(frozen=True, slots=True)
class ReviewProgress:
    segments: int
    validated: int
    open_flags: int

    @property
    def complete(self) -> bool:
        return self.segments > 0 and self.validated == self.segments


_SELECT = (
    "SELECT s.idx, s.review_status, s.text, s.edited_text, s.validated_by, s.validated_at, "
    "(SELECT COUNT(*) FROM name_flags f WHERE f.segment_id = s.id AND f.status = 'open') "
    "+ (SELECT COUNT(*) FROM flags q WHERE q.segment_id = s.id AND q.status = 'open') AS open_flags "
    "FROM segments s WHERE s.interview_id = ?"
)


def _review(r: sqlite3.Row) -> SegmentReview:
    return SegmentReview(
        r["idx"], r["review_status"], r["text"], r["edited_text"], r["validated_by"], r["validated_at"], r["open_flags"]
    )


def _require_interview(c: sqlite3.Connection, db: Database, interview_id: int) -> None:
    require_interview(c, db, interview_id)  # unknown: NotFound; purged: Purged


def reviews(db: Database, interview_id: int) -> list[SegmentReview]:
    """The review state of every segment, in order."""
    _require_interview(db.conn, db, interview_id)
    return [_review(r) for r in db.conn.execute(_SELECT + " ORDER BY s.idx", (interview_id,))]


def progress(db: Database, interview_id: int) -> ReviewProgress:
    _require_interview(db.conn, db, interview_id)
    row = db.conn.execute(
        "SELECT COUNT(*), SUM(review_status = 'validated') FROM segments WHERE interview_id = ?", (interview_id,)
    ).fetchone()
    open_flags = sum(
        db.conn.execute(f"SELECT COUNT(*) FROM {table} WHERE interview_id = ? AND status = 'open'", (interview_id,)).fetchone()[0]
        for table in ("name_flags", "flags")
    )
    return ReviewProgress(row[0], row[1] or 0, open_flags)


@dataclass(frozen=True, slots=True)
class ExportRecord:
    at: str
    actor: str
    format: str


def current_export(db: Database, interview_id: int) -> ExportRecord | None:
    """The newest export of the interview, if nothing in it changed since (else None)."""
    _require_interview(db.conn, db, interview_id)
    ignored = ("export", *audit.OBSERVATIONS)
    row = db.conn.execute(
        "SELECT e.at, e.actor, e.detail FROM audit_log e WHERE e.interview_id = ? AND e.action = 'export' "
        "AND NOT EXISTS (SELECT 1 FROM audit_log c WHERE c.interview_id = e.interview_id AND c.id > e.id "
        f"AND c.action NOT IN ({', '.join('?' * len(ignored))})) ORDER BY e.id DESC LIMIT 1",
        (interview_id, *ignored),
    ).fetchone()
    if row is None:
        return None
    return ExportRecord(row["at"], row["actor"], str(json.loads(row["detail"]).get("format", "")))


def _one(c: sqlite3.Connection, db: Database, interview_id: int, index: int) -> SegmentReview:
    row = c.execute(_SELECT + " AND s.idx = ?", (interview_id, index)).fetchone()
    if row is None:
        _require_interview(c, db, interview_id)
        raise NotFound(f"interview {interview_id} has no segment {index + 1}")
    return _review(row)


# The most characters a segment's text may hold per second of its audio, plus a margin for a short
# segment and a note such as "(inaudible)". Fast speech is about 15-20 characters a second (6-8
# syllables); this is half as much again, so only a text that cannot be what was said is refused.
CHARS_PER_SECOND = 30
CHARS_MARGIN = 60


def text_limit(duration: float) -> int:
    """The longest text a segment of ``duration`` seconds may hold."""
    return int(CHARS_PER_SECOND * max(duration, 0.0)) + CHARS_MARGIN


def text_problem(index: int, duration: float, text: str) -> str | None:
    """Why ``text`` cannot be the text of segment ``index`` (None: it can).

    An empty text: a segment where nothing intelligible is said keeps a note
    of it, e.g. "(inaudible)". A text longer than anyone says in the
    segment's time: most likely pasted by mistake, or meant for another
    segment.
    """
    text = " ".join(text.split())
    if not text:
        return f"segment {index + 1} cannot be empty: write what is heard, or e.g. (inaudible)"
    if len(text) > (limit := text_limit(duration)):
        return (
            f"{len(text):,} characters is more than a segment of {duration:.1f} s can hold (at most {limit:,}): "
            "keep to what is said in it, or split the segment"
        )
    return None


def edit_segment(db: Database, interview_id: int, index: int, text: str, *, actor: str) -> SegmentReview:
    """Replace the text of one segment; the ASR text is kept. A validated segment returns to review.

    Refused (:func:`text_problem`): an empty text, and one longer than the
    segment's audio can hold.
    """
    text = " ".join(text.split())
    with db.atomic() as c:
        before = _one(c, db, interview_id, index)
        span = c.execute("SELECT start, end FROM segments WHERE interview_id = ? AND idx = ?", (interview_id, index)).fetchone()
        if (problem := text_problem(index, span["end"] - span["start"], text)) is not None:
            raise InputError(problem)
        if text == before.text:
            return before
        edited = None if text == before.asr_text else text
        c.execute(
            "UPDATE segments SET edited_text = ?, review_status = ?, validated_by = NULL, validated_at = NULL "
            "WHERE interview_id = ? AND idx = ?",
            (edited, "edited" if edited is not None else "draft", interview_id, index),
        )
        audit.append(
            c, actor=actor, signer=signer_for(db, c, actor), action="edit_segment", interview_id=interview_id,
            detail={"segment": index, "previous_status": before.status, "reverted_to_asr": edited is None},
        )
        return _one(c, db, interview_id, index)


def validate_segment(
    db: Database, interview_id: int, index: int, *, actor: str, oversight: dict[str, Any] | None = None
) -> SegmentReview:
    """Record that ``actor`` validated one segment; refused while a name flag in it is open.

    ``oversight`` goes into the audit record as it is: what the review knew of
    the officer's attention (how much of the segment they heard, why it
    needed its audio, the note when they did not hear it). Times and numbers
    only.
    """
    if not actor.strip():
        raise InputError("validation needs the name of the officer")
    with db.atomic() as c:
        before = _one(c, db, interview_id, index)
        if before.open_flags:
            raise InputError(
                f"segment {index + 1} has {before.open_flags} open flag(s): resolve them before validating"
            )
        if before.status == "validated":
            return before
        at = utc_now()
        c.execute(
            "UPDATE segments SET review_status = 'validated', validated_by = ?, validated_at = ? "
            "WHERE interview_id = ? AND idx = ?",
            (actor, at, interview_id, index),
        )
        seg = c.execute(
            "SELECT start, end, speaker, language FROM segments WHERE interview_id = ? AND idx = ?", (interview_id, index)
        ).fetchone()
        audit.append(
            c, actor=actor, signer=signer_for(db, c, actor), action="validate_segment", interview_id=interview_id,
            # A digest of what was validated, not the text: `audit verify` finds later changes.
            detail={
                "segment": index,
                "previous_status": before.status,
                "content_sha256": audit.segment_digest(seg["start"], seg["end"], seg["speaker"], before.text),
                "language": seg["language"],  # shown in exports: "Officer (S1) (fr)"
                "start": seg["start"],
                "end": seg["end"],
                **(oversight or {}),
            },
        )
        return _one(c, db, interview_id, index)


def review_of(db: Database, interview_id: int, index: int) -> SegmentReview:
    """The review state of one segment."""
    return _one(db.conn, db, interview_id, index)


def set_segment_speaker(db: Database, interview_id: int, index: int, speaker: str, *, actor: str) -> None:
    """Attribute one segment (and its words) to another diarized speaker.

    A validated segment returns to review. To change the role of a speaker
    everywhere, use ``set_speaker``.
    """
    with db.atomic() as c:
        before = _one(c, db, interview_id, index)
        labels = [r[0] for r in c.execute("SELECT label FROM speakers WHERE interview_id = ? ORDER BY label", (interview_id,))]
        if speaker not in labels:
            raise InputError(
                f"interview {interview_id} has no speaker {speaker!r}"
                + (f" (speakers: {', '.join(labels)})" if labels else " (it was not diarized)")
            )
        row = c.execute("SELECT id, speaker FROM segments WHERE interview_id = ? AND idx = ?", (interview_id, index)).fetchone()
        if row["speaker"] == speaker:
            return
        c.execute(
            "UPDATE segments SET speaker = ?, review_status = CASE review_status WHEN 'validated' THEN 'edited' "
            "ELSE review_status END, validated_by = NULL, validated_at = NULL WHERE id = ?",
            (speaker, row["id"]),
        )
        c.execute("UPDATE words SET speaker = ? WHERE segment_id = ?", (speaker, row["id"]))
        audit.append(
            c, actor=actor, signer=signer_for(db, c, actor), action="set_segment_speaker", interview_id=interview_id,
            detail={"segment": index, "speaker": speaker, "previous_speaker": row["speaker"], "previous_status": before.status},
        )


QUALITY_DECISIONS = ("confirm", "dismiss")


@dataclass(frozen=True, slots=True)
class StoredQualityFlag:
    """A loop / stock phrase / no-speech / gap flag and what a person decided about it."""

    id: int
    segment: int
    kind: str
    reason: str
    start: float
    end: float
    status: str  # open | confirmed | dismissed
    note: str | None
    resolved_by: str | None
    resolved_at: str | None

    @property
    def open(self) -> bool:
        return self.status == "open"


def quality_flags(db: Database, interview_id: int) -> list[StoredQualityFlag]:
    _require_interview(db.conn, db, interview_id)
    return [
        StoredQualityFlag(r["id"], r["idx"], r["kind"], r["reason"], r["start"], r["end"], r["status"], r["note"], r["resolved_by"], r["resolved_at"])
        for r in db.conn.execute(
            "SELECT f.*, s.idx FROM flags f JOIN segments s ON s.id = f.segment_id WHERE f.interview_id = ? ORDER BY s.idx, f.id",
            (interview_id,),
        )
    ]


def resolve_quality_flag(db: Database, interview_id: int, flag_id: int, decision: str, *, actor: str, note: str | None = None) -> None:
    """``confirm``: checked against the audio, the text stands (or was edited); ``dismiss`` needs a reason."""
    if decision not in QUALITY_DECISIONS:
        raise InputError(f"unknown decision {decision!r} for this flag (decisions: {', '.join(QUALITY_DECISIONS)})")
    note = " ".join((note or "").split()) or None
    if decision == "dismiss" and not note:
        raise InputError("dismissing a flag needs a reason")
    with db.atomic() as c:
        row = c.execute("SELECT * FROM flags WHERE id = ? AND interview_id = ?", (flag_id, interview_id)).fetchone()
        if row is None:
            raise NotFound(f"interview {interview_id} has no flag {flag_id}")
        c.execute(
            "UPDATE flags SET status = ?, note = ?, resolved_by = ?, resolved_at = ? WHERE id = ?",
            ("confirmed" if decision == "confirm" else "dismissed", note, actor, utc_now(), flag_id),
        )
        c.execute(
            "UPDATE segments SET review_status = 'edited', validated_by = NULL, validated_at = NULL "
            "WHERE id = ? AND review_status = 'validated'",
            (row["segment_id"],),
        )
        audit.append(
            c, actor=actor, signer=signer_for(db, c, actor), action="resolve_flag", interview_id=interview_id,
            detail={
                "flag": flag_id, "kind": row["kind"], "decision": decision, "previous_status": row["status"],
                "segment": c.execute("SELECT idx FROM segments WHERE id = ?", (row["segment_id"],)).fetchone()[0],
                "decision_sha256": audit.state_digest(c, "flags/decision", "id = ?", (flag_id,)),
            },
        )
