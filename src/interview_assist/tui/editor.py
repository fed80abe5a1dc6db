"""The segment editor: a text area for one segment's text, with the heard word at the cursor.

A segment's text is one paragraph (the store keeps it on one line), so the
area wraps and Enter saves; a pasted line break becomes a space. Ctrl-Left
and Ctrl-Right move word by word, Shift with a move selects, Ctrl-W deletes
the word before the cursor, Ctrl-Z undoes. The line under the area shows the
words as heard, the one under the cursor highlighted with its time, and
Ctrl-P plays from it. What cannot be saved (an empty text, one longer than
the segment's audio can hold) is said in the dialog, which keeps the text.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from interview_assist.core.spans import format_timestamp
from interview_assist.tui.dialogs import DIALOG_CSS

_TOKEN = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class HeardWord:
    """A word as the screen shows it (an attention check's word in place), with its time in the audio."""

    text: str
    start: float


def word_at(heard: Sequence[str], text: str, offset: int) -> int | None:
    """The heard word that the word at character ``offset`` of ``text`` stands for (None: no words).

    The typed words are aligned with the heard ones, so that after a word is
    changed ("mine" to "mind"), added or removed, the words around it still
    point at their own place in the audio.
    """
    if not heard:
        return None
    tokens = list(_TOKEN.finditer(text))
    if not tokens:
        return 0
    k = next((n for n, m in enumerate(tokens) if offset <= m.end()), len(tokens) - 1)
    norm = [h.strip().casefold() for h in heard]
    matcher = difflib.SequenceMatcher(None, norm, [m.group().casefold() for m in tokens], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if j1 <= k < j2:
            if tag == "insert":  # a typed word the audio does not have: the heard word after it
                return min(i1, len(heard) - 1)
            return min(i1 + (k - j1) * (i2 - i1) // (j2 - j1), len(heard) - 1)
    return len(heard) - 1


class SegmentText(TextArea):
    """The text area, wrapping, without line breaks (pasted ones become spaces)."""

    def on_mount(self) -> None:
        self.move_cursor(self.document.end)  # the first key adds to the text; nothing is selected


class SegmentEditor(ModalScreen[str | None]):
    """Edit one segment's text; returns it (Enter) or None (Escape)."""

    # At the top: the detail pane below stays in view, with the heard word at the cursor marked.
    DEFAULT_CSS = DIALOG_CSS.format(name="SegmentEditor") + """
    SegmentEditor { align: center top; }
    SegmentEditor > Vertical { padding: 0 1; }
    SegmentEditor SegmentText { height: auto; min-height: 3; max-height: 12; }
    SegmentEditor .notice { color: $warning; }
    SegmentEditor .error { color: $error; }
    SegmentEditor .heard, SegmentEditor .hint { color: $text-muted; }
    """
    BINDINGS = [
        Binding("enter", "save", "Save", id="edit.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="edit.cancel"),
        Binding("ctrl+p", "play", "Play from the word", id="edit.play", priority=True),
    ]

    def __init__(
        self, title: str, text: str, heard: Sequence[HeardWord], *, check: Callable[[str], str | None],
        notice: str = "", on_word: Callable[[int], None] | None = None, play_from: Callable[[int], None] | None = None,
    ):
        """``check(text)`` says why a text cannot be saved (None: it can); ``on_word(k)`` is told when
        the cursor moves to heard word ``k``; ``play_from(k)`` plays from it."""
        super().__init__()
        self._title, self._text, self._heard, self._notice = title, text, tuple(heard), notice
        self._check, self._on_word, self._play_from = check, on_word, play_from
        self._word: int | None = None
        # Kept, not queried: a key that arrives while the app closes finds no children to query.
        self._area = SegmentText(text, soft_wrap=True, show_line_numbers=False, highlight_cursor_line=False)
        self._heard_line = Static("", classes="heard")
        self._error = Static("", classes="error")
        self._error.display = False  # until there is something to say

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self._title), classes="title")
            if self._notice:
                yield Static(Text(self._notice), classes="notice")
            yield self._area
            yield self._heard_line
            yield self._error
            yield Static(
                "Enter: save · Escape: cancel, nothing changes · Ctrl-←/→: word by word, Shift selects · "
                "Ctrl-W: delete a word · Ctrl-Z: undo · Ctrl-P: play from the word",
                classes="hint",
            )

    def on_mount(self) -> None:
        self._show_word()

    def _offset(self) -> int:
        row, column = self._area.cursor_location
        return sum(len(line) + 1 for line in self._area.text.split("\n")[:row]) + column

    def on_text_area_selection_changed(self, event: TextArea.SelectionChanged) -> None:
        self._show_word()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self._error.update("")
        self._error.display = False
        self._show_word()

    def _show_word(self) -> None:
        k = word_at([w.text for w in self._heard], self._area.text, self._offset())
        if k is None:
            self._heard_line.update(Text("no words were heard in this segment: Ctrl-P plays all of it"))
            return
        line = Text("heard: ")
        for j, w in enumerate(self._heard):
            line.append(w.text.strip(), style="reverse bold" if j == k else "")
            line.append(" ")
        line.append(f"· word {k + 1} at {format_timestamp(self._heard[k].start)}", style="bold")
        self._heard_line.update(line)
        if k != self._word:
            self._word = k
            if self._on_word is not None:
                self._on_word(k)

    def action_save(self) -> None:
        # Enter is a binding, handled before keys typed just ahead of it that the text area has not
        # inserted yet: save once the area has had them (its own queue runs in order).
        self._area.call_later(self._save)

    def _save(self) -> None:
        text = " ".join(self._area.text.split())
        problem = self._check(text)
        if problem is not None:
            self._error.update(Text(problem + " (your text is kept here)"))
            self._error.display = True
            self.app.bell()
            return
        self.dismiss(text)

    def action_play(self) -> None:
        if self._play_from is not None:
            self._play_from(self._word if self._word is not None else -1)

    def action_cancel(self) -> None:
        self.dismiss(None)
