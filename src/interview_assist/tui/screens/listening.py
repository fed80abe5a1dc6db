"""Playback and what the officer heard: play keys, follow-along review, recording each play, the reason for
deciding unheard.

Follow-along (space) plays the segments still to review one after the other
(:mod:`interview_assist.review.follow`), the cursor on the segment playing
and its word highlighted as it is heard; space pauses and resumes, - and +
play slower and faster; v on the segment playing validates it once it has
played, and v on the segment follow-along waits on (its flags decided)
validates it and goes on. Moving to another segment while it plays goes on
from there; any other play key ends it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from interview_assist.core.spans import Span
from interview_assist.review.follow import FollowAlong
from interview_assist.tui.dialogs import TextPrompt
from interview_assist.tui.messages import FollowFinished, PlayFinished
from interview_assist.tui.screens.base import ReviewBase

if TYPE_CHECKING:
    from textual.timer import Timer

    from interview_assist.review.playback import Played

SLOW = 0.75
BACK_SECONDS = 5.0


class Listening(ReviewBase):
    """The review screen's keys for playback (a mixin of :class:`~.review.ReviewScreen`).

    Audio is decoded and played in a worker thread, which posts
    :class:`PlayFinished`; the play is recorded in the audit log on the main
    thread (the store's connection belongs to it), with what was heard.
    """

    word_cursor: int
    message: str
    heard_word: int | None  # the word follow-along is playing, highlighted
    _follow: FollowAlong | None = None
    _ticker: Timer | None = None
    _moving = False  # follow-along is moving the cursor (not the officer)

    def action_word(self, step: int) -> None:
        words = self.session.view(self.current).segment.words
        if words:
            self.word_cursor = min(max(self.word_cursor + step, 0), len(words) - 1)
            self._show_current()

    def action_play_from_word(self) -> None:
        v = self.session.view(self.current)
        if not v.segment.words:
            self.action_play()
            return
        w = v.segment.words[min(self.word_cursor, len(v.segment.words) - 1)]
        self._play(Span(w.start, v.segment.end), 1.0)

    def action_play(self) -> None:
        seg = self.session.view(self.current).segment
        self._play(Span(seg.start, seg.end), 1.0)

    def action_play_slow(self) -> None:
        seg = self.session.view(self.current).segment
        self._play(Span(seg.start, seg.end), SLOW)

    def action_play_back(self) -> None:
        seg = self.session.view(self.current).segment
        self._play(Span(max(seg.start - BACK_SECONDS, 0.0), seg.end), 1.0)

    def _play(self, span: Span, speed: float) -> None:
        if not self._guard():  # every play is recorded under the officer's name
            return
        if self.follow.state != "off":
            self._follow_stop("off")
        self._say(f"playing {span.start:.1f}-{span.end:.1f} s" + (" slower" if speed != 1.0 else ""))
        self._play_worker(span, speed)

    @work(thread=True, exit_on_error=False, group="playback")
    def _play_worker(self, span: Span, speed: float) -> None:
        played = self.review_app.player.play(span, speed)  # a newer play stops this one: both are recorded
        if played is not None:
            self.post_message(PlayFinished(played))

    def _record(self, played: Played) -> bool:
        """Record a play (on the main thread: the store's connection belongs to it); repaint what it made heard."""
        touched: list[int] = []
        if not self._attempt(lambda: touched.extend(self.session.record_play(played))):
            return False
        for j in touched:
            self.table.refresh_segment(j)
        return True

    def on_play_finished(self, event: PlayFinished) -> None:
        played = event.played
        if not self._record(played):
            return
        self._show_current()
        if played.outcome == "failed":
            self._say(f"playback failed: {played.reason} (nothing recorded as heard)")
            self.app.bell()
        elif played.outcome == "ended" and self.message.startswith("playing ") and played.heard is not None:
            v = self.session.view(self.current)
            self._say(
                f"played {played.heard.start:.1f}-{played.heard.end:.1f} s · segment {v.index + 1}: {v.heard:.0%} heard by you"
            )

    def action_note_unheard(self) -> None:
        if not self._guard():
            return
        i = self.current
        v = self.session.view(i)
        if not v.needs_audio:
            self._say(f"segment {i + 1} does not need its audio: it may be validated unheard (that is recorded)")
            return
        if v.audio_ok:
            self._say(f"segment {i + 1}: " + ("a reason is already recorded" if v.unheard_noted else "heard already"))
            return

        def done(reason: str | None) -> None:
            if reason is None:
                return
            if not reason.strip():
                self._say("no reason typed: nothing recorded")
                return
            self._run(lambda: self.session.note_unheard(i, reason), i, f"segment {i + 1}: reason recorded; it may be decided unheard")

        self.app.push_screen(TextPrompt(
            f"Why decide segment {i + 1} without hearing it? ({', '.join(v.needs_audio)}; recorded under your name)",
            placeholder="e.g. I conducted this interview; recalled",
        ), done)

    # -- follow-along -------------------------------------------------------------------

    @property
    def follow(self) -> FollowAlong:
        if self._follow is None or self._follow.session is not self.session:
            self._follow = FollowAlong(self.session)
        return self._follow

    def follow_state(self) -> str:
        """For the status line: what follow-along is doing."""
        f = self.follow
        if f.state == "off":
            return ""
        where = f"#{f.index + 1}" if f.index is not None else ""  # short: the line holds at 80 columns
        return f" · {'▶ following' if f.playing else '⏸ paused on'} {where} {f.speed:g}×"

    def action_follow(self) -> None:
        """Space: start follow-along at this segment, pause it, or resume it."""
        if not self._guard():
            return
        f = self.follow
        if f.playing:
            self.message = ""
            self._follow_stop("paused")  # a validation asked for with v is made (or refused) now
            said = f" · {self.message}" if self.message else ""
            self._say(f"paused on segment {(f.index or 0) + 1}{said} · space resumes")
            return
        start = f.resume_at if f.state == "paused" and f.index == self.current else None
        self._follow_start(self.current, start)

    def action_follow_speed(self, step: int) -> None:
        f = self.follow
        speed = f.step_speed(step)
        if f.playing and f.index is not None:
            at = self.review_app.player.position()
            index = f.index
            self._follow_stop("paused", settle=False)
            self._follow_start(index, at)
        self._say(f"follow-along at {speed:g}×" + (" (lower)" if speed < 1 else " (higher)" if speed > 1 else ""))

    def _follow_start(self, index: int, start: float | None = None, previous: int | None = None) -> None:
        f = self.follow
        f.state, f.index, f.resume_at, f.previous = "playing", index, None, previous
        f.run += 1
        if self.current != index:
            self._moving = True
            try:
                self.table.move_cursor(row=index)
            finally:
                self._moving = False
        self.heard_word = None
        span = f.stretch(index, start)
        f.started_at = span.start
        self._follow_worker(index, span, f.speed, f.run)
        if self._ticker is None:
            self._ticker = self.set_interval(0.1, self._follow_tick)
        self._ticker.resume()
        self._status()

    def _follow_stop(self, state: str, *, settle: bool = True) -> None:
        """Pause (``paused``: where it was is kept) or end (``off``) follow-along; the play cut short is recorded."""
        f = self.follow
        f.resume_at = self.review_app.player.position() if state == "paused" else None
        f.state = state
        f.run += 1
        if self._ticker is not None:
            self._ticker.pause()
        for played in self.review_app.player.stop():
            self._record(played)
        self.heard_word = None
        pending, f.pending = (f.pending, set()) if settle else (set(), f.pending)
        for i in sorted(pending):  # asked for with v: validated now, with what was heard of it
            self._follow_validate_now(i)
        if state == "off":
            f.index = None
        self._show_current()

    def _follow_seek(self, index: int) -> None:
        """The officer moved to another segment while follow-along played: it goes on from there."""
        self._follow_stop("paused")
        self._follow_start(index)

    @work(thread=True, exit_on_error=False, group="follow")
    def _follow_worker(self, index: int, span: Span, speed: float, run: int) -> None:
        played = self.review_app.player.play(span, speed)
        if played is not None:
            self.post_message(FollowFinished(played, index, run))

    def _follow_tick(self) -> None:
        f = self.follow
        at = self.review_app.player.position()
        if not f.playing or f.index is None or at is None or f.index != self.current:
            return
        word = f.word_at(f.index, at)
        if word != self.heard_word:
            self.heard_word = word
            self._show_current()

    def _follow_validate_now(self, index: int) -> bool:
        ok = self._attempt(lambda: self.session.validate(index))
        self.table.refresh_segment(index)
        if ok:
            self._say(f"segment {index + 1} validated")
        self._say_check(index, edited=False)
        return ok

    def on_follow_finished(self, event: FollowFinished) -> None:
        self._record(event.played)
        f = self.follow
        if event.run != f.run or not f.playing:
            return  # stopped by a pause, a seek or another play: recorded, not followed on
        i = event.index
        if event.played.outcome == "failed":
            self._follow_stop("off")
            self._say(f"playback failed: {event.played.reason} (nothing recorded as heard); follow-along stopped")
            self.app.bell()
            return
        done = ""
        if i in f.pending:
            f.pending.discard(i)
            if not self._follow_validate_now(i):
                f.state, f.index, f.resume_at = "paused", i, None
                f.run += 1
                self._say(f"segment {i + 1} not validated: {self.message} · follow-along waits (space goes on)")
                return
            done = f"segment {i + 1} validated · "
        reason = f.waits_on(i)
        if reason is not None:
            f.state, f.index, f.resume_at = "paused", i, None
            f.run += 1
            if self._ticker is not None:
                self._ticker.pause()
            self.heard_word = None
            self._show_current()
            self._say(f"{done}segment {i + 1} played: {reason}, then v validates it and follow-along goes on")
            self.app.bell()
            return
        nxt = f.next_index(i)
        if nxt is None:
            self._follow_stop("off")
            self._say(done + "follow-along reached the last segment to review")
            return
        self._follow_start(nxt, event.played.span.end if nxt == i + 1 else None, previous=None if done else i)
        if done:
            self._say(done + f"following segment {nxt + 1}")

    def follow_validate(self) -> bool:
        """v while following along: True when follow-along took it (see the module docstring)."""
        f = self.follow
        i = self.current
        if f.state == "off" or f.index != i or self.session.view_status(i) == "validated":
            return False
        if f.playing and (late := f.late_v(self.review_app.player.position())) is not None:
            f.previous = None
            if self._follow_validate_now(late):
                self._say(f"segment {late + 1} validated (v came as segment {i + 1} began) · following segment {i + 1}")
            return True
        if f.playing:
            if self.session.view(i).open_count:
                return False  # refused at once, with the reason
            f.pending.add(i)
            self._say(f"segment {i + 1} is validated when it has played · u cancels")
            return True
        if not self._follow_validate_now(i):  # paused on it
            return True
        nxt = f.next_index(i)
        if nxt is None:
            self._follow_stop("off")
            self._say(f"segment {i + 1} validated · no segment to review after it")
        else:
            self._follow_start(nxt)
            self._say(f"segment {i + 1} validated · following segment {nxt + 1}")
        return True

    def follow_cancel(self) -> bool:
        """u while a validation waits for its segment to play: it is cancelled (nothing was written)."""
        f = self.follow
        if f.index is None or f.index not in f.pending:
            return False
        f.pending.discard(f.index)
        self._say(f"segment {f.index + 1} will not be validated when it has played")
        return True
