"""Follow-along review: playback that runs on through the segments still to review, and what it waits for.

Headless; the review screen (:mod:`interview_assist.tui.screens.listening`)
drives it. Follow-along plays one segment's stretch of the recording at a
time (:meth:`FollowAlong.stretch`: from the segment's start on to the next
one's, so nothing between them is skipped), each an ordinary play through
the :class:`~interview_assist.review.playback.Player`, recorded in the audit
log with what was heard as it ends; so a segment heard in follow-along is
heard, and one whose play failed is not. It goes on to the next segment not
validated (:meth:`FollowAlong.next_index`), and waits on a segment that
needs the officer's decision (an open flag: :meth:`FollowAlong.waits_on`)
once it has played.

``v`` on the segment playing asks for its validation when its stretch has
played (``pending``); a ``v`` within ``LATE_V`` of the start of the next
stretch is for the segment just played (:meth:`FollowAlong.late_v`): the validation then records the segment as heard, and
is refused as any other (a flag open, the audio not heard because the play
failed or was paused early) with the reason on the screen.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from interview_assist.core.spans import Span

if TYPE_CHECKING:
    from interview_assist.review.session import ReviewSession

SPEEDS = (0.5, 0.75, 1.0, 1.25, 1.5)
# v this soon (seconds of audio) after follow-along went on from a segment not validated is for that segment:
# the officer heard it and pressed v a moment late, not having heard the new one yet.
LATE_V = 1.0
STATES = ("off", "playing", "paused")


class FollowAlong:
    """The state of follow-along review on one screen: off, playing segment ``index``, or paused on it."""

    def __init__(self, session: ReviewSession):
        self.session = session
        self.state = "off"
        self.speed = 1.0
        self.index: int | None = None  # the segment playing, or paused on
        self.resume_at: float | None = None  # paused within the segment: where to go on from (None: its start)
        self.pending: set[int] = set()  # segments to validate once their stretch has played
        self.run = 0  # changes with every start, stop and seek: a play of an earlier run is not followed on
        self.started_at = 0.0  # where in the recording the stretch playing began
        self.previous: int | None = None  # the segment played just before, when follow-along went on from it

    @property
    def playing(self) -> bool:
        return self.state == "playing"

    def stretch(self, index: int, start: float | None = None) -> Span:
        """What follow-along plays for segment ``index``: from ``start`` (default: the segment's start) to
        its end, or on to the start of the next segment when that one is played next."""
        segs = self.session.transcript.segments
        seg = segs[index]
        end = seg.end
        if index + 1 < len(segs) and self.next_index(index) == index + 1:
            end = max(end, segs[index + 1].start)
        begin = seg.start if start is None else min(max(start, seg.start), end)
        return Span(begin, end)

    def next_index(self, after: int) -> int | None:
        """The next segment after ``after`` that is not validated (None: none is left after it)."""
        for i in range(after + 1, len(self.session)):
            if self.session.view_status(i) != "validated":
                return i
        return None

    def waits_on(self, index: int) -> str | None:
        """Why follow-along waits on segment ``index`` once it has played (None: it goes on)."""
        v = self.session.view(index)
        if v.review.status == "validated" or not v.open_count:
            return None
        return f"{v.open_count} open flag{'s' if v.open_count > 1 else ''} to decide"

    def late_v(self, position: float | None) -> int | None:
        """The segment a v pressed now is for, when it came just after follow-along went on from it (``LATE_V``)."""
        if (
            self.previous is None or position is None or position - self.started_at > LATE_V * self.speed
            or self.session.view_status(self.previous) == "validated" or self.session.view(self.previous).open_count
        ):
            return None
        return self.previous

    def word_at(self, index: int, seconds: float) -> int | None:
        """The word of segment ``index`` heard at ``seconds`` of the recording (the last one begun)."""
        words = self.session.transcript.segments[index].words
        k = bisect.bisect_right([w.start for w in words], seconds) - 1
        return k if k >= 0 else None

    def step_speed(self, step: int) -> float:
        """Slower (-1) or faster (+1), within ``SPEEDS``."""
        k = min(range(len(SPEEDS)), key=lambda j: abs(SPEEDS[j] - self.speed))
        self.speed = SPEEDS[min(max(k + step, 0), len(SPEEDS) - 1)]
        return self.speed
