"""The concurrent-change guard: an action is refused if someone else changed the segments it acts on since they were read.

Two screens may be open on one interview (two officers, or one officer in two
terminals). Every segment has its own version, which the database raises
itself (triggers of migration ``0010_segment_versions``) whenever the segment,
its words, its flags or its speaker's role change, whoever writes them. A
reader remembers each segment's row and version (:func:`segment_versions`);
an action runs :func:`guarded` with the segments it acts on: one transaction
that first checks that each of them is still the row, at the version, the
reader saw, and otherwise writes nothing and raises
:class:`~interview_assist.core.errors.ConcurrentChange` naming who changed
what. So an action on a segment nobody else changed goes through, whatever
the other screen did elsewhere, and no decision silently overwrites one the
officer has not seen. (Plays, attention checks and notes on unheard audio
change no segment.)
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from interview_assist.core.errors import ConcurrentChange
from interview_assist.store.audit import OBSERVATIONS
from interview_assist.store.connection import Database

# One segment as a reader saw it: its row id (a split or merge renumbers rows) and its version.
Seen = tuple[int, int]
# Actions that renumber the segments after the one their record names.
_RENUMBERING = ("merge_segments", "split_segment")


def segment_versions(db: Database, interview_id: int) -> list[Seen]:
    """Every segment's row id and version, in order."""
    return [
        (r[0], r[1])
        for r in db.conn.execute("SELECT id, version FROM segments WHERE interview_id = ? ORDER BY idx", (interview_id,))
    ]


def last_record(db: Database, interview_id: int) -> int:
    """The id of the interview's newest audit record (0 if none)."""
    row = db.conn.execute("SELECT MAX(id) FROM audit_log WHERE interview_id = ?", (interview_id,)).fetchone()
    return row[0] or 0


def _touches(action: str, detail: dict[str, object], index: int, speaker: str | None) -> bool:
    """Whether an audit record's change reached segment ``index`` (said by ``speaker``)."""
    if action == "set_speaker":
        return detail.get("speaker") == speaker
    at = detail.get("segment")
    if action in _RENUMBERING:  # every segment from there on moved
        return isinstance(at, int) and at <= index
    return at == index


def _who(c: sqlite3.Connection, interview_id: int, index: int, since: int) -> str:
    """Who changed segment ``index`` after record ``since``, as far as the audit log says."""
    row = c.execute("SELECT speaker FROM segments WHERE interview_id = ? AND idx = ?", (interview_id, index)).fetchone()
    rows = c.execute(
        "SELECT actor, action, at, detail FROM audit_log WHERE interview_id = ? AND id > ? "
        f"AND action NOT IN ({', '.join('?' * len(OBSERVATIONS))}) ORDER BY id DESC LIMIT 500",
        (interview_id, since, *OBSERVATIONS),
    ).fetchall()
    mine = [r for r in rows if _touches(r["action"], json.loads(r["detail"]), index, row["speaker"] if row else None)]
    if not (mine or rows):
        return "someone"
    r = (mine or rows)[0]
    return f"{r['actor']} ({r['action'].replace('_', ' ')}, {r['at'][11:19]} UTC)"


@contextmanager
def guarded(db: Database, interview_id: int, seen: Mapping[int, Seen], since: int = 0) -> Iterator[dict[int, Seen]]:
    """One transaction, refused if a segment of ``seen`` (index → row id, version) changed meanwhile.

    ``since`` is the newest audit record the reader had read (it bounds the
    search for who changed the segment). Yields a dict that holds, once the
    block has written, the new row id and version of each segment of
    ``seen`` (read inside the transaction, so nobody else can have written
    since).
    """
    after: dict[int, Seen] = {}
    with db.atomic() as c:
        for index, (row_id, version) in sorted(seen.items()):
            row = c.execute(
                "SELECT id, version FROM segments WHERE interview_id = ? AND idx = ?", (interview_id, index)
            ).fetchone()
            if row is None or (row[0], row[1]) != (row_id, version):
                raise ConcurrentChange(
                    f"{_who(c, interview_id, index, since)} changed segment {index + 1} after this screen "
                    "loaded it; nothing was written",
                    segment=index,
                )
        yield after
        for index in seen:
            row = c.execute(
                "SELECT id, version FROM segments WHERE interview_id = ? AND idx = ?", (interview_id, index)
            ).fetchone()
            if row is not None:
                after[index] = (row[0], row[1])
