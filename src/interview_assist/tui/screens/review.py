"""The review screen: the segment list, the current segment in detail, the status line, and the keys.

Every action goes through :class:`~interview_assist.review.session.ReviewSession`
(held by the app), which writes to the store at once with the audit record;
the screen only repaints the row it touched. Decisions on flags and changes
to the segments' structure are in :mod:`.decisions` and :mod:`.structure`;
playback, which runs in a worker thread, and what the officer heard in
:mod:`.listening`.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header
from textual.worker import Worker, WorkerState

from interview_assist.core.errors import ConcurrentChange, InterviewAssistError
from interview_assist.core.spans import format_timestamp
from interview_assist.review.session import ReviewSession
from interview_assist.tui.dialogs import HelpScreen, TextPrompt
from interview_assist.tui.screens.base import ReviewBase
from interview_assist.tui.screens.decisions import FlagDecisions
from interview_assist.tui.screens.editing import Editing
from interview_assist.tui.screens.listening import Listening
from interview_assist.tui.screens.structure import StructureEdits
from interview_assist.tui.widgets.detail import DetailPane
from interview_assist.tui.widgets.segment_table import SegmentTable
from interview_assist.tui.widgets.status import StatusLine


def parse_time(text: str) -> float:
    """"1:02:03", "62:03" or "3723" (seconds) → seconds."""
    parts = text.strip().split(":")
    if not 1 <= len(parts) <= 3:
        raise ValueError(text)
    seconds = 0.0
    for p in parts:
        seconds = seconds * 60 + float(p)
    return seconds


class ReviewScreen(FlagDecisions, StructureEdits, Listening, Editing, ReviewBase):
    """One officer's review of one interview."""

    # The footer shows the short descriptions, the help screen the long ones. An 80-column
    # terminal cuts the footer: help, validate, play, next and quit come first, so it still shows them.
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="review.help", tooltip="all keys"),
        Binding("v", "validate", "Validate", id="review.validate",
                tooltip="validate this segment (as the officer named above) and go on to the next one to review"),
        Binding("n", "next_unvalidated", "Next", id="review.next_unvalidated", tooltip="next segment not validated yet"),
        Binding("p", "play", "Play", id="review.play", tooltip="play this segment"),
        Binding("q", "app.quit", "Quit", id="review.quit", tooltip="quit (everything is already stored)"),
        Binding("e", "edit", "Edit", id="review.edit", tooltip="edit this segment's text in the editor (Enter saves, Escape cancels; the ASR text is kept)"),
        Binding("f", "next_flag", "Flag", id="review.next_flag", tooltip="next segment with an open flag"),
        Binding("right_square_bracket", "select_flag", "Next flag here", id="review.select_flag", show=False,
                tooltip="select the next name flag of this segment (the one the keys below act on, marked ▶)"),
        Binding("g", "next_occurrence", "Same name", id="review.next_occurrence", show=False,
                tooltip="next flag on the same name elsewhere (heard or decided the same), with its audio"),
        Binding("1", "accept(1)", "Accept", id="review.accept_1", tooltip="accept suggestion 1 for the selected name"),
        *(Binding(str(n), f"accept({n})", f"Accept suggestion {n}", id=f"review.accept_{n}", show=False) for n in range(2, 6)),
        Binding("a", "spell_name", "Spell", id="review.spell_name", tooltip="type the selected name's correct spelling"),
        Binding("c", "confirm_name", "Confirm", id="review.confirm_name", tooltip="confirm the selected name as heard (or a quality flag as checked)"),
        Binding("x", "dismiss_flag", "Dismiss", id="review.dismiss_flag", tooltip="dismiss the selected flag, with a reason (e.g. not a name)"),
        Binding("w", "set_speaker", "Speaker", id="review.set_speaker", show=False, tooltip="change who speaks in this segment"),
        Binding("r", "set_role", "Role", id="review.set_role", show=False, tooltip="set or confirm the role of this segment's speaker, everywhere (a role with ? is the machine's proposal)"),
        Binding("m", "merge", "Merge with next", id="review.merge", show=False, tooltip="merge this segment with the next one"),
        Binding("slash", "split", "Split", id="review.split", show=False, tooltip="split this segment before a word (by number)"),
        Binding("s", "play_slow", "Slower", id="review.play_slow", show=False, tooltip="play this segment slower"),
        Binding("comma", "word(-1)", "Previous word", id="review.word_previous", show=False, tooltip="previous word (where o plays from)"),
        Binding("full_stop", "word(1)", "Next word", id="review.word_next", show=False, tooltip="next word (where o plays from)"),
        Binding("o", "play_from_word", "Play from word", id="review.play_from_word", show=False, tooltip="play from the selected word"),
        Binding("b", "play_back", "Back 5 s", id="review.play_back", show=False, tooltip="play from 5 s before this segment"),
        Binding("h", "note_unheard", "Why unheard", id="review.note_unheard", show=False,
                tooltip="record why you decide this segment without hearing it (it needs its audio: a flag, low confidence)"),
        Binding("t", "jump", "Jump to time", id="review.jump", show=False, tooltip="jump to a time (h:mm:ss, m:ss or seconds)"),
        Binding("space", "follow", "Follow", id="review.follow", show=False,
                tooltip="follow along: play on through the segments to review, the word heard highlighted; pause / resume"),
        Binding("minus", "follow_speed(-1)", "Slower", id="review.follow_slower", show=False, tooltip="follow along slower"),
        Binding("plus,equals_sign", "follow_speed(1)", "Faster", id="review.follow_faster", show=False, tooltip="follow along faster"),
        Binding("u,ctrl+z", "undo", "Undo", id="review.undo", show=False,
                tooltip="undo your last action here (validation, edit, decision, speaker, split, merge), recorded as an undo"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.message = ""
        self.word_cursor = 0  # within the current segment, for "play from this word"
        self.flag_id: int | None = None  # the selected name flag of the current segment (None: its first open one)
        self.heard_word: int | None = None  # the word follow-along is playing

    # -- layout ---------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield SegmentTable(self.session, on_row=self._row_changed, id="segments")
        yield DetailPane(id="detail")
        yield StatusLine(id="status")
        yield Footer(show_command_palette=False, compact=True)

    def on_mount(self) -> None:
        self.table.move_cursor(row=self.session.first_to_review())
        self.table.focus()
        self._show_current()

    @property
    def session(self) -> ReviewSession:
        return self.review_app.session

    @property
    def table(self) -> SegmentTable:
        return self.query_one(SegmentTable)

    @property
    def current(self) -> int:
        return self.table.cursor_row

    def _row_changed(self, index: int) -> None:
        self.word_cursor = 0
        self.flag_id = None
        self.heard_word = None
        self.message = ""  # a message is about the segment it was said on
        self._show_current()
        if self.follow.playing and not self._moving and index != self.follow.index:
            self._follow_seek(index)

    def _show_current(self) -> None:
        if len(self.session):
            self.query_one(DetailPane).show(self.session.view(self.current), self.word_cursor, self.flag_id, self.heard_word)
        self._status()

    def _status(self) -> None:
        s = self.session
        self.query_one(StatusLine).show(
            f"validated {s.validated} / {len(s)} · open flags {s.open_flags} · officer {s.officer}{self.follow_state()}\n{self.message}"
        )

    def _say(self, message: str) -> None:
        self.message = message
        self._status()

    def _repaint(self, index: int) -> None:
        self.table.refresh_segment(index)
        self._show_current()

    def _go(self, index: int | None, none_left: str) -> None:
        if index is None:
            self._say(none_left)
        else:
            self.table.move_cursor(row=index)

    def _guard(self) -> bool:
        if not self.review_app.confirmed:
            self._say("confirm who is reviewing first")
        return self.review_app.confirmed

    # -- review actions ----------------------------------------------------------------

    def action_validate(self) -> None:
        """Validate, and go on to the next segment to review (following along: see :mod:`.listening`)."""
        if not self._guard() or self.follow_validate():
            return
        i = self.current
        if not self._attempt(lambda: self.session.validate(i)):
            self._repaint(i)
            self._say_check(i, edited=False)
            return
        self.table.refresh_segment(i)  # (the detail pane is drawn once, for the segment the cursor goes to)
        nxt = self.session.next_unvalidated(i)
        if nxt is None:
            self._show_current()
            self._say(f"segment {i + 1} validated · every segment is validated: export with  "
                      f"interview-assist export {self.session.interview_id} --format docx")
            return
        self.table.move_cursor(row=nxt)
        self._say(f"segment {i + 1} validated" + (f" · next to review: segment {nxt + 1}" if nxt != i + 1 else ""))

    def action_undo(self) -> None:
        if not self._guard() or self.follow_cancel():
            return
        if self.follow.state != "off":
            self._follow_stop("off")
        done = []
        if not self._attempt(lambda: done.append(self.session.undo())):
            return
        u = done[0]
        if u.structural:
            self.table.rebuild(u.segment)
        else:
            self.table.refresh_segment(u.segment)
            self.table.move_cursor(row=u.segment)
        where = f"segments {u.segment + 1} and {u.segment + 2}" if u.action == "merge_segments" else f"segment {u.segment + 1}"
        self._show_current()
        self._say(f"undone: {u.what} of {where} (recorded; u again undoes your action before it)")

    def _say_check(self, i: int, *, edited: bool, changed: bool = False) -> None:
        """Say at once how the attention check on segment ``i`` ended, if the last action ended one."""
        result = self.session.last_check
        if result is None or result.check.segment != i:
            return
        c = result.check
        self._repaint(i)  # the wrong word leaves the screen
        if result.outcome == "caught":
            self._say(f'Attention check caught: "{c.decoy}" was put there on purpose (heard: "{c.original}")'
                      + ("; your other changes are stored" if changed else "; the text is as it was"))
        else:
            self._say(f'ATTENTION CHECK MISSED: "{c.decoy}" in segment {i + 1} was put there on purpose (heard: "{c.original}"). '
                      + ("Your edit was stored with the heard word in its place." if edited
                         else "It is not validated: read it again."))
            self.app.bell()

    def action_next_unvalidated(self) -> None:
        self._go(
            self.session.next_unvalidated(self.current),
            f"every segment is validated: export with  interview-assist export {self.session.interview_id} --format docx",
        )

    def action_next_flag(self) -> None:
        self._go(self.session.next_flag(self.current), "no open flags")

    def _attempt(self, action: Callable[[], object], refused: Callable[[InterviewAssistError], object] | None = None) -> bool:
        """Run one session action; a refusal is shown on the status line (False), then given to ``refused``.

        When another screen changed the segment meanwhile, this one reloads
        the interview, so the officer sees that change before deciding again.
        """
        try:
            action()
        except ConcurrentChange as exc:
            self.session.reload()
            self.table.rebuild(min(self.current, len(self.session) - 1))
            self._show_current()
            self.review_app.freeze_loaded()
            self._say(f"{exc}. The screen now shows the stored interview: check it, then try again.")
            self.app.bell()
            if refused is not None:
                refused(exc)
            return False
        except InterviewAssistError as exc:
            self._say(str(exc))
            self.app.bell()
            if refused is not None:
                refused(exc)
            return False
        return True

    def _run(self, action: Callable[[], object], index: int, success: str) -> None:
        if self._attempt(action):
            self._repaint(index)
            self._say(success)

    def action_jump(self) -> None:
        def done(text: str | None) -> None:
            if not text:
                return
            try:
                seconds = parse_time(text)
            except ValueError:
                self._say(f"not a time: {text!r} (use h:mm:ss, m:ss or seconds)")
                return
            end = self.session.transcript.duration
            if seconds > end:
                self._say(f"{format_timestamp(seconds)[:-4]} is past the end of the recording ({format_timestamp(end)[:-4]}): not moved")
                return
            self.table.move_cursor(row=self.session.at_time(seconds))

        self.app.push_screen(TextPrompt("Jump to time", placeholder="h:mm:ss, m:ss or seconds"), done)

    @classmethod
    def help_lines(cls) -> list[tuple[str, str]]:
        """The keys as the help screen lists them (README's list of keys is checked against it)."""
        lines = [("up/down", "move between segments")]
        for b in cls.BINDINGS:
            if not isinstance(b, Binding):  # (all of this screen's keys are Bindings)
                continue
            if b.action.startswith("accept("):
                if b.key == "1":
                    lines.append(("1-5", "accept suggestion 1-5 of the selected name (changes an earlier decision too)"))
                continue
            key = (
                b.key.replace("question_mark", "?").replace("slash", "/").replace("comma", ",").replace("full_stop", ".")
                .replace("right_square_bracket", "]").replace("plus,equals_sign", "+").replace("minus", "-")
                .replace("u,ctrl+z", "u / Ctrl-Z")
            )
            lines.append((key, b.tooltip or b.description))
        return lines

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.help_lines()))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self._say(f"playback failed: {event.worker.error}")
            self.app.bell()
