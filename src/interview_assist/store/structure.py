"""Splitting and merging segments during review.

Both keep every word, name flag and quality flag (re-pointed to the segment
that now holds its words), renumber the segments after the change, clear any
validation of the segments involved (a person must look again), and write
one audit record in the same transaction. Neither is allowed to cut through a
name flag or to mix two speakers in one segment.
"""

from __future__ import annotations

import sqlite3

from interview_assist.core.errors import InputError
from interview_assist.store import audit
from interview_assist.store.connection import Database, inserted_id
from interview_assist.store.officers import signer_for
from interview_assist.store.review import _one


def _renumber(c: sqlite3.Connection, interview_id: int, after: int, delta: int) -> None:
    """Shift the index of every segment after ``after`` by ``delta`` (two passes: idx is UNIQUE)."""
    c.execute("UPDATE segments SET idx = -idx - 1 WHERE interview_id = ? AND idx > ?", (interview_id, after))
    c.execute("UPDATE segments SET idx = -idx - 1 + ? WHERE interview_id = ? AND idx < 0", (delta, interview_id))


def _row(c: sqlite3.Connection, interview_id: int, index: int) -> sqlite3.Row:
    row: sqlite3.Row = c.execute("SELECT * FROM segments WHERE interview_id = ? AND idx = ?", (interview_id, index)).fetchone()
    return row


def merge_with_next(db: Database, interview_id: int, index: int, *, actor: str) -> None:
    """Join segment ``index`` and the one after it into one segment."""
    with db.atomic() as c:
        _one(c, db, interview_id, index)
        a, b = _row(c, interview_id, index), _row(c, interview_id, index + 1)
        if b is None:
            raise InputError(f"segment {index + 1} is the last one: nothing to merge it with")
        if a["speaker"] != b["speaker"]:
            raise InputError(f"segments {index + 1} and {index + 2} have different speakers; change one first")
        n = c.execute("SELECT COUNT(*) FROM words WHERE segment_id = ?", (a["id"],)).fetchone()[0]
        edited = a["edited_text"] is not None or b["edited_text"] is not None
        text = " ".join(t for t in (a["text"], b["text"]) if t)
        standing = " ".join(t for t in (a["edited_text"] or a["text"], b["edited_text"] or b["text"]) if t)
        c.execute("UPDATE words SET segment_id = ?, idx = idx + ? WHERE segment_id = ?", (a["id"], n, b["id"]))
        c.execute(
            "UPDATE name_flags SET segment_id = ?, first_word = first_word + ?, last_word = last_word + ? WHERE segment_id = ?",
            (a["id"], n, n, b["id"]),
        )
        c.execute("UPDATE flags SET segment_id = ? WHERE segment_id = ?", (a["id"], b["id"]))
        c.execute(
            "UPDATE segments SET end = ?, text = ?, edited_text = ?, overlap = MAX(overlap, ?), review_status = 'edited', "
            "validated_by = NULL, validated_at = NULL WHERE id = ?",
            (b["end"], text, standing if edited else None, b["overlap"], a["id"]),
        )
        c.execute("DELETE FROM segments WHERE id = ?", (b["id"],))
        _renumber(c, interview_id, index + 1, -1)
        audit.append(
            c, actor=actor, signer=signer_for(db, c, actor), action="merge_segments", interview_id=interview_id,
            detail={"segment": index, "merged": index + 1, "statuses": [a["review_status"], b["review_status"]]},
        )


def split_before_word(db: Database, interview_id: int, index: int, word: int, *, actor: str) -> None:
    """Cut segment ``index`` in two, the second part starting at its word ``word`` (0-based)."""
    with db.atomic() as c:
        _one(c, db, interview_id, index)
        a = _row(c, interview_id, index)
        if a["edited_text"] is not None:
            raise InputError(f"segment {index + 1} was edited: split it before editing, or first edit it back to the ASR text")
        words = c.execute("SELECT * FROM words WHERE segment_id = ? ORDER BY idx", (a["id"],)).fetchall()
        if not 1 <= word < len(words):
            raise InputError(f"segment {index + 1} has {len(words)} words: split before word 2 to {len(words)}")
        if c.execute(
            "SELECT 1 FROM name_flags WHERE segment_id = ? AND first_word < ? AND last_word >= ?", (a["id"], word, word)
        ).fetchone():
            raise InputError("that cut goes through a flagged name: cut before or after it")
        first = "".join(w["text"] for w in words[:word]).strip()
        second = "".join(w["text"] for w in words[word:]).strip()
        _renumber(c, interview_id, index, +1)
        cur = c.execute(
            "INSERT INTO segments (interview_id, idx, start, end, text, language, language_probability, avg_logprob, "
            "no_speech_prob, compression_ratio, speaker, overlap, review_status) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'edited')",
            (interview_id, index + 1, words[word]["start"], a["end"], second, a["language"], a["language_probability"],
             a["avg_logprob"], a["no_speech_prob"], a["compression_ratio"], a["speaker"], a["overlap"]),
        )
        b_id = inserted_id(cur)
        c.execute("UPDATE words SET segment_id = ?, idx = idx - ? WHERE segment_id = ? AND idx >= ?", (b_id, word, a["id"], word))
        c.execute(
            "UPDATE name_flags SET segment_id = ?, first_word = first_word - ?, last_word = last_word - ? "
            "WHERE segment_id = ? AND first_word >= ?",
            (b_id, word, word, a["id"], word),
        )
        c.execute(
            "UPDATE segments SET end = ?, text = ?, review_status = 'edited', validated_by = NULL, validated_at = NULL "
            "WHERE id = ?",
            (words[word - 1]["end"], first, a["id"]),
        )
        audit.append(
            c, actor=actor, signer=signer_for(db, c, actor), action="split_segment", interview_id=interview_id,
            detail={"segment": index, "before_word": word, "previous_status": a["review_status"]},
        )
