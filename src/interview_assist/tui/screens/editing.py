"""Editing a segment's text in the editor (:mod:`..editor`), and keeping what was typed when the edit is refused.

An edit refused because another screen changed the segment meanwhile
reloads the interview, then opens the editor again on the same segment (it
may have moved if segments were split or merged) with the typed text and
what the segment now reads; any other refusal opens it again with the
reason. Nothing typed is lost to a refusal.
"""

from __future__ import annotations

from interview_assist.core.errors import ConcurrentChange, InterviewAssistError
from interview_assist.tui.editor import HeardWord, SegmentEditor
from interview_assist.tui.screens.base import ReviewBase


class Editing(ReviewBase):
    """The review screen's edit key (a mixin of :class:`~.review.ReviewScreen`)."""

    word_cursor: int

    def action_edit(self) -> None:
        if not self._guard():
            return
        i = self.current
        self._open_editor(i, self.session.display_text(i))  # as on the screen, an attention check's word included

    def _open_editor(self, i: int, text: str, notice: str = "") -> None:
        s = self.session
        shown = s.display_text(i)
        v = s.view(i)
        row, start = s.row_of(i), v.segment.start
        typed = text  # what the officer last saved, kept for a retry
        heard = [HeardWord(t, w.start) for t, w in zip(s.shown_words(i), v.segment.words)]

        def on_word(k: int) -> None:
            if self.current == i and k != self.word_cursor:
                self.word_cursor = k  # the detail pane marks it too; o plays from it after the editor closes
                self._show_current()

        def play_from(k: int) -> None:
            if k >= 0:
                self.word_cursor = k
            self.action_play_from_word()

        def refused(exc: InterviewAssistError) -> None:
            if not isinstance(exc, ConcurrentChange):
                self._open_editor(i, typed, f"Not saved: {exc}.")
                return
            j = self.session.index_of_row(row)
            where = ""
            if j is None:  # merged into another segment meanwhile: the one that now holds its start
                j = self.session.at_time(start)
                where = f" Segment {i + 1} was merged into segment {j + 1}: check where your text belongs."
            self.table.move_cursor(row=j)
            now = self.session.display_text(j)
            self._open_editor(
                j, typed,
                f"Not saved: {exc}.{where} It now reads: \u201c{now}\u201d. Your text is below: Enter saves it "
                "in place of that, Escape keeps the stored text.",
            )

        def done(answer: str | None) -> None:
            nonlocal typed
            if answer is None:
                return
            typed = answer
            if " ".join(answer.split()) == " ".join(shown.split()):
                self._say(f"segment {i + 1} unchanged")
                return
            before = s.view(i).review.text
            if self._attempt(lambda: s.edit(i, answer), refused):
                self._repaint(i)
                self._say(f"segment {i + 1} edited")
                self._say_check(i, edited=True, changed=s.view(i).review.text != before)

        self.app.push_screen(
            SegmentEditor(
                f"Edit segment {i + 1} ({v.segment.span.duration:.1f} s; the ASR text is kept)", text, heard,
                check=lambda t: s.edit_problem(i, t), notice=notice, on_word=on_word, play_from=play_from,
            ),
            done,
        )
