"""The segment list: one row per segment, drawn lazily by DataTable."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable

from interview_assist.core.spans import format_timestamp
from interview_assist.review.session import ReviewSession, SegmentView
from interview_assist.tui.widgets.render import heard_text, segment_text, state_text

COLUMNS = ("time", "who", "lang", "state", "flags", "heard", "text")


class SegmentTable(DataTable):
    DEFAULT_CSS = """
    SegmentTable { height: 1fr; }
    """

    def __init__(self, session: ReviewSession, on_row: Callable[[int], None] | None = None, **kwargs):
        """``on_row(index)`` runs as soon as the cursor moves to another row."""
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.session = session
        self._row_callback = on_row  # not an on_* attribute: Textual reads those as handlers

    def watch_cursor_coordinate(self, old: Coordinate, new: Coordinate) -> None:
        # Called here rather than from a RowHighlighted handler: the panes the
        # callback updates then repaint in the same frame as the cursor, not
        # one or two frames (17-33 ms) later.
        if self._row_callback is not None and old.row != new.row and new.row < self.row_count:
            self._row_callback(new.row)
        super().watch_cursor_coordinate(old, new)

    def on_mount(self) -> None:
        for c in COLUMNS:
            # "state" and "heard" are sized for their longest values, not for the first load.
            self.add_column(c, key=c, width={"state": 9, "heard": 5}.get(c))
        self._fill()

    def _fill(self) -> None:
        self.add_rows([self._cells(self.session.view(i)) for i in range(len(self.session))])

    def rebuild(self, row: int) -> None:
        """All rows again (segments were split or merged), the cursor on ``row``."""
        self.clear()
        self._fill()
        self.move_cursor(row=row)

    def _cells(self, v: SegmentView) -> list:
        # "?" after a role: the machine's proposal, not yet confirmed by anyone.
        role = f"{v.role}?" if v.role and v.role_proposed else (v.role or "")  # in full: "appli" was no word
        who = f"{role} {v.segment.speaker}" if v.segment.speaker and role else (role or v.segment.speaker or "-")
        flags = v.open_count
        return [
            format_timestamp(v.segment.start)[:-4],
            who,
            v.segment.language or "-",
            state_text(v),
            Text(str(flags), style="bold red") if flags else Text("·", style="dim"),
            heard_text(v),
            segment_text(v),
        ]

    def refresh_segment(self, index: int) -> None:
        for key, value in zip(COLUMNS, self._cells(self.session.view(index))):
            self.update_cell_at(Coordinate(index, COLUMNS.index(key)), value)
