"""Undo of an officer's own last review action, as a new recorded action.

Every review action that can be undone (a validation, an edit, a decision on
a name or quality flag, a change of a segment's speaker, a split, a merge)
keeps, in the same transaction as its audit record, what it changed as it
was before (``undo_states``, keyed by that record; it holds text, so it is
interview content: a purge deletes it). :func:`undo_last` puts that back and
writes an ``undo`` record naming the record it undoes, in one transaction:
nothing is deleted from the log, and `audit verify` replays undos as it
replays the actions (:mod:`.integrity`).

Only the officer's own last change is undone, and only while nobody changed
the interview after it (plays, attention checks and notes on audio decided
unheard do not count); an undo of an undo is not offered: pressing undo again
undoes the action before. An undo never restores a validation: a segment it
touches goes back for review (validated again with one key), since a
validation vouches for what the officer saw when they gave it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from interview_assist.core.errors import InputError
from interview_assist.store import audit
from interview_assist.store.audit import OBSERVATIONS
from interview_assist.store.connection import Database, inserted_id
from interview_assist.store.officers import signer_for
from interview_assist.store.structure import _renumber

UNDOABLE = (
    "validate_segment", "edit_segment", "resolve_name_flag", "resolve_flag", "set_segment_speaker",
    "merge_segments", "split_segment",
)
WHAT = {
    "validate_segment": "validation", "edit_segment": "edit", "resolve_name_flag": "decision on a name flag",
    "resolve_flag": "decision on a flag", "set_segment_speaker": "change of speaker", "merge_segments": "merge",
    "split_segment": "split",
}
_SEGMENT = ("end", "text", "edited_text", "overlap", "speaker", "review_status", "validated_by", "validated_at")
_NAME_FLAG = ("status", "resolution", "dismiss_reason", "resolved_by", "resolved_at")
_QUALITY_FLAG = ("status", "note", "resolved_by", "resolved_at")


@dataclass(frozen=True, slots=True)
class Undone:
    action: str  # the action undone (an audit action name)
    segment: int  # the segment it was about (the first of two after undoing a merge)
    record: int  # the audit record undone
    structural: bool  # segments were renumbered (a split or merge undone)

    @property
    def what(self) -> str:
        return WHAT.get(self.action, self.action)


def _segment(c: sqlite3.Connection, interview_id: int, index: int) -> sqlite3.Row:
    row: sqlite3.Row | None = c.execute("SELECT * FROM segments WHERE interview_id = ? AND idx = ?", (interview_id, index)).fetchone()
    if row is None:
        raise InputError(f"interview {interview_id} has no segment {index + 1}")
    return row


def _newest(c: sqlite3.Connection, interview_id: int) -> int:
    return int(c.execute("SELECT COALESCE(MAX(id), 0) FROM audit_log WHERE interview_id = ?", (interview_id,)).fetchone()[0])


def _snapshot(
    c: sqlite3.Connection, interview_id: int, index: int | None, flag: tuple[str, int] | None, with_next: bool
) -> dict[str, Any]:
    state: dict[str, Any] = {}
    if index is not None:
        row = _segment(c, interview_id, index)
        state["segment"] = {k: row[k] for k in _SEGMENT}
        state["index"] = index
        following = None if not with_next else c.execute("SELECT * FROM segments WHERE interview_id = ? AND idx = ?", (interview_id, index + 1)).fetchone()
        if following is not None:  # for a merge: the segment that goes into this one
            state["next"] = {k: following[k] for k in following.keys() if k not in ("id", "interview_id", "idx")}
            state["words"] = c.execute("SELECT COUNT(*) FROM words WHERE segment_id = ?", (row["id"],)).fetchone()[0]
            state["next_flags"] = [r[0] for r in c.execute("SELECT id FROM flags WHERE segment_id = ?", (following["id"],))]
    if flag is not None:
        table, flag_id = flag
        columns = _NAME_FLAG if table == "name_flags" else _QUALITY_FLAG
        row = c.execute(f"SELECT {', '.join(columns)}, segment_id FROM {table} WHERE id = ? AND interview_id = ?",
                        (flag_id, interview_id)).fetchone()
        if row is not None:
            seg = c.execute("SELECT * FROM segments WHERE id = ?", (row["segment_id"],)).fetchone()
            state.update(flag={"table": table, "id": flag_id, **{k: row[k] for k in columns}},
                         segment={k: seg[k] for k in _SEGMENT}, index=seg["idx"])
    return state


@contextmanager
def undoable(
    db: Database, interview_id: int, *, segment: int | None = None, flag: tuple[str, int] | None = None, merge: bool = False
) -> Iterator[None]:
    """Around one review action (inside its transaction): keep what it changes, as it was, for undo.

    ``segment`` is the segment the action changes (a merge, ``merge=True``:
    the first of the two), ``flag`` ("name_flags" or "flags", id) the flag it
    decides. Nothing is kept when the action wrote no record (it changed
    nothing).
    """
    with db.atomic() as c:
        before = _newest(c, interview_id)
        state = _snapshot(c, interview_id, segment, flag, merge)
        yield
        record = _newest(c, interview_id)
        if record != before:
            c.execute("INSERT INTO undo_states (audit_id, interview_id, state) VALUES (?, ?, ?)",
                      (record, interview_id, json.dumps(state, ensure_ascii=False)))


def _target(c: sqlite3.Connection, interview_id: int, actor: str) -> tuple[sqlite3.Row, dict[str, Any]]:
    """The record to undo: the officer's last change still standing, with nobody's change after it."""
    undone: set[int] = set()
    rows = c.execute(
        f"SELECT id, actor, action, detail FROM audit_log WHERE interview_id = ? AND action NOT IN ({', '.join('?' * len(OBSERVATIONS))}) "
        "ORDER BY id DESC",
        (interview_id, *OBSERVATIONS),
    )
    for r in rows:
        if r["action"] == "undo":
            undone.add(json.loads(r["detail"]).get("undoes"))
            continue
        if r["id"] in undone:
            continue
        what = WHAT.get(r["action"], r["action"].replace("_", " "))
        if r["action"] not in UNDOABLE:
            raise InputError(f"nothing to undo: the last change to this interview ({what} by {r['actor']}) is not a review action")
        if r["actor"] != actor:
            raise InputError(f"nothing of yours to undo: the last change to this interview is {r['actor']}'s ({what})")
        state = c.execute("SELECT state FROM undo_states WHERE audit_id = ?", (r["id"],)).fetchone()
        if state is None:
            raise InputError(f"nothing to undo: your last change ({what}) was made before undo was kept")
        return r, json.loads(state[0])
    raise InputError("nothing to undo in this interview")


def _status(before: str) -> str:
    """The review status an undo puts back: never a validation (see the module docstring)."""
    return "edited" if before == "validated" else before


def undo_last(db: Database, interview_id: int, *, actor: str) -> Undone:
    """Undo ``actor``'s last change to the interview (see the module docstring), recorded as ``undo``."""
    with db.atomic() as c:
        record, state = _target(c, interview_id, actor)
        action, detail = record["action"], json.loads(record["detail"])
        index = detail.get("segment") if action != "merge_segments" else state["index"]
        if action in ("resolve_name_flag", "resolve_flag"):
            index = state["index"]
        extra: dict[str, Any] = {}
        if action == "merge_segments":
            _unmerge(c, interview_id, index, state)
        elif action == "split_segment":
            _unsplit(c, interview_id, index, state, detail["before_word"])
        else:
            seg = _segment(c, interview_id, index)
            s = state["segment"]
            c.execute(
                "UPDATE segments SET edited_text = ?, speaker = ?, review_status = ?, validated_by = NULL, validated_at = NULL "
                "WHERE id = ?",
                (s["edited_text"], s["speaker"], _status(s["review_status"]), seg["id"]),
            )
            if s["speaker"] != seg["speaker"]:
                c.execute("UPDATE words SET speaker = ? WHERE segment_id = ?", (s["speaker"], seg["id"]))
            if "flag" in state:
                f = state["flag"]
                table = f["table"]
                columns = _NAME_FLAG if table == "name_flags" else _QUALITY_FLAG
                c.execute(f"UPDATE {table} SET {', '.join(k + ' = ?' for k in columns)} WHERE id = ?",
                          (*(f[k] for k in columns), f["id"]))
                what = "name_flags/decision" if table == "name_flags" else "flags/decision"
                extra = {"flag": f["id"], "decision_sha256": audit.state_digest(c, what, "id = ?", (f["id"],))}
        audit.append(
            c, actor=actor, signer=signer_for(db, c, actor), action="undo", interview_id=interview_id,
            detail={"undoes": record["id"], "undone_action": action, "segment": index, **extra},
        )
    return Undone(action, index, record["id"], action in ("merge_segments", "split_segment"))


def _unmerge(c: sqlite3.Connection, interview_id: int, index: int, state: dict[str, Any]) -> None:
    """Segment ``index`` back into the two it was merged from, with their words and flags."""
    a = _segment(c, interview_id, index)
    b, n = state["next"], state["words"]
    _renumber(c, interview_id, index, +1)
    columns = [k for k in b if k not in ("validated_by", "validated_at")]
    values = [_status(b[k]) if k == "review_status" else b[k] for k in columns]
    cur = c.execute(
        f"INSERT INTO segments (interview_id, idx, {', '.join(columns)}) VALUES (?, ?, {', '.join('?' * len(columns))})",
        (interview_id, index + 1, *values),
    )
    b_id = inserted_id(cur)
    c.execute("UPDATE words SET segment_id = ?, idx = idx - ? WHERE segment_id = ? AND idx >= ?", (b_id, n, a["id"], n))
    c.execute(
        "UPDATE name_flags SET segment_id = ?, first_word = first_word - ?, last_word = last_word - ? "
        "WHERE segment_id = ? AND first_word >= ?",
        (b_id, n, n, a["id"], n),
    )
    for flag_id in state["next_flags"]:
        c.execute("UPDATE flags SET segment_id = ? WHERE id = ? AND segment_id = ?", (b_id, flag_id, a["id"]))
    s = state["segment"]
    c.execute(
        "UPDATE segments SET end = ?, text = ?, edited_text = ?, overlap = ?, review_status = ?, validated_by = NULL, "
        "validated_at = NULL WHERE id = ?",
        (s["end"], s["text"], s["edited_text"], s["overlap"], _status(s["review_status"]), a["id"]),
    )


def _unsplit(c: sqlite3.Connection, interview_id: int, index: int, state: dict[str, Any], word: int) -> None:
    """Segments ``index`` and ``index + 1`` back into the one they were split from."""
    a, b = _segment(c, interview_id, index), _segment(c, interview_id, index + 1)
    c.execute("UPDATE words SET segment_id = ?, idx = idx + ? WHERE segment_id = ?", (a["id"], word, b["id"]))
    c.execute(
        "UPDATE name_flags SET segment_id = ?, first_word = first_word + ?, last_word = last_word + ? WHERE segment_id = ?",
        (a["id"], word, word, b["id"]),
    )
    c.execute("UPDATE flags SET segment_id = ? WHERE segment_id = ?", (a["id"], b["id"]))
    s = state["segment"]
    c.execute(
        "UPDATE segments SET end = ?, text = ?, edited_text = ?, review_status = ?, validated_by = NULL, validated_at = NULL "
        "WHERE id = ?",
        (s["end"], s["text"], s["edited_text"], _status(s["review_status"]), a["id"]),
    )
    c.execute("DELETE FROM segments WHERE id = ?", (b["id"],))
    _renumber(c, interview_id, index + 1, -1)
