"""The concurrent-change guard: an action is refused if someone else wrote to the interview since it was read.

Two screens may be open on one interview (two officers, or one officer in two
terminals). A reader remembers the interview's newest audit record
(:func:`last_record`); every later action runs :func:`guarded`, one
transaction that first checks that no newer record exists and, if one does,
writes nothing and raises :class:`~interview_assist.core.errors.ConcurrentChange`
naming who changed what, so that no decision silently overwrites one the
officer has not seen. Records that change nothing in the interview (plays,
attention checks: ``audit.OBSERVATIONS``) do not count.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from interview_assist.core.errors import ConcurrentChange
from interview_assist.store.audit import OBSERVATIONS
from interview_assist.store.connection import Database


def last_record(db: Database, interview_id: int) -> int:
    """The id of the interview's newest audit record (0 if none)."""
    row = db.conn.execute("SELECT MAX(id) FROM audit_log WHERE interview_id = ?", (interview_id,)).fetchone()
    return row[0] or 0


@contextmanager
def guarded(db: Database, interview_id: int, seen: int) -> Iterator[list[int]]:
    """One transaction, refused if the interview has a record newer than ``seen``.

    Yields a list that holds, once the block has written, the id of the
    interview's newest record (read inside the transaction, so nobody else
    can have written since).
    """
    newest: list[int] = []
    with db.atomic() as c:
        # Plays, attention checks and the like change nothing anyone decides on (audit.OBSERVATIONS).
        other = c.execute(
            "SELECT actor, action, at FROM audit_log WHERE interview_id = ? AND id > ? "
            f"AND action NOT IN ({', '.join('?' * len(OBSERVATIONS))}) ORDER BY id DESC LIMIT 1",
            (interview_id, seen, *OBSERVATIONS),
        ).fetchone()
        if other is not None:
            raise ConcurrentChange(
                f"{other['actor']} changed this interview ({other['action'].replace('_', ' ')}, "
                f"{other['at'][11:19]} UTC) after this screen loaded it; nothing was written"
            )
        yield newest
        newest.append(last_record(db, interview_id))
