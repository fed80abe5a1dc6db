"""What one officer heard of a recording: the union of the spans they played, and why a span needs hearing.

Heard coverage of a span is the share of it inside the union of the parts
of the recording the officer's plays actually played (a failed play adds
nothing; a stopped one adds what ran). Plays of other officers do not count:
coverage is about the person who decides.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from interview_assist.core.spans import Span

# A span shorter than this (a gap flag on one point) counts as heard when a play reached it.
POINT = 0.05
QUALITY_NAMES = {
    "loop": "loop flag", "stock_phrase": "invented-phrase flag", "no_speech": "no-speech flag", "gap": "gap flag",
    "language": "language flag",
}


class HeardSpans:
    """Sorted, merged spans of the recording that were played."""

    def __init__(self, spans: Iterable[Span] = ()):
        self._starts: list[float] = []
        self._ends: list[float] = []
        for s in spans:
            self.add(s)

    def add(self, span: Span) -> None:
        if span.end <= span.start:
            return
        start, end = span.start, span.end
        i = bisect.bisect_left(self._ends, start)  # the first span that ends at or after ``start``
        j = i
        while j < len(self._starts) and self._starts[j] <= end:
            start, end = min(start, self._starts[j]), max(end, self._ends[j])
            j += 1
        self._starts[i:j] = [start]
        self._ends[i:j] = [end]

    def seconds_in(self, span: Span) -> float:
        i = bisect.bisect_right(self._ends, span.start)
        total = 0.0
        while i < len(self._starts) and self._starts[i] < span.end:
            total += Span(self._starts[i], self._ends[i]).overlap(span)
            i += 1
        return total

    def coverage(self, span: Span) -> float:
        """The share of ``span`` that was played (0-1)."""
        if span.duration < POINT:
            around = Span(span.start - POINT, span.end + POINT)
            return 1.0 if self.seconds_in(around) > 0 else 0.0
        return min(self.seconds_in(span) / span.duration, 1.0)

    @property
    def spans(self) -> list[Span]:
        return [Span(a, b) for a, b in zip(self._starts, self._ends)]


def covers(outer: Span, inner: Span, share: float) -> bool:
    """``outer`` covers at least ``share`` of ``inner`` (a point: when it contains it)."""
    if inner.duration < POINT:
        return outer.start - POINT <= inner.start <= outer.end + POINT
    return outer.overlap(inner) >= share * inner.duration
