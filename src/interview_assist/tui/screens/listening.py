"""Playback and what the officer heard: play keys, recording each play, the reason for deciding unheard."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from interview_assist.core.spans import Span
from interview_assist.tui.dialogs import TextPrompt
from interview_assist.tui.messages import PlayFinished
from interview_assist.tui.screens.base import ReviewBase

if TYPE_CHECKING:

    pass

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
        self._say(f"playing {span.start:.1f}-{span.end:.1f} s" + (" slower" if speed != 1.0 else ""))
        self._play_worker(span, speed)

    @work(thread=True, exit_on_error=False, group="playback")
    def _play_worker(self, span: Span, speed: float) -> None:
        played = self.review_app.player.play(span, speed)  # a newer play stops this one: both are recorded
        if played is not None:
            self.post_message(PlayFinished(played))

    def on_play_finished(self, event: PlayFinished) -> None:
        played = event.played
        touched: list[int] = []
        if not self._attempt(lambda: touched.extend(self.session.record_play(played))):
            return
        for j in touched:
            self.table.refresh_segment(j)
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
