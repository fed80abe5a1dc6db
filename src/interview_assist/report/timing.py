"""Time spent reviewing, from the audit log's timestamps: the same measure for every figure of the report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

# A pause between two actions of one person this long or longer is a break: it counts nothing.
IDLE_SECONDS = 300.0


def parse_time(at: str) -> dt.datetime:
    return dt.datetime.fromisoformat(at)


def review_time(stamps: Iterable[str], idle: float = IDLE_SECONDS) -> float:
    """Seconds of work between consecutive actions, leaving out pauses of ``idle`` seconds or more."""
    times = sorted(parse_time(s) for s in stamps)
    total = 0.0
    for a, b in zip(times, times[1:]):
        gap = (b - a).total_seconds()
        if gap < idle:
            total += gap
    return total
