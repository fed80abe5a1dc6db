"""What the review screen's key mixins (flag decisions, structure edits, listening, editing) use of the screen, typed.

:class:`~.review.ReviewScreen` defines each member declared here; the
mixins in :mod:`.decisions` and :mod:`.structure` derive from this base so
that what they call on the screen, and on the app, is checked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from textual.screen import Screen

if TYPE_CHECKING:
    from interview_assist.core.errors import InterviewAssistError
    from interview_assist.core.spans import Span
    from interview_assist.review.session import ReviewSession
    from interview_assist.tui.app import ReviewApp
    from interview_assist.tui.widgets.segment_table import SegmentTable


class ReviewBase(Screen[None]):
    """The review screen's state and helpers that its key mixins rely on."""

    flag_id: int | None  # the selected name flag of the current segment (None: its first open one)

    @property
    def review_app(self) -> ReviewApp:
        """The app, as the review app that alone shows this screen."""
        return cast("ReviewApp", self.app)

    @property
    def session(self) -> ReviewSession:
        raise NotImplementedError

    @property
    def table(self) -> SegmentTable:
        raise NotImplementedError

    @property
    def current(self) -> int:
        raise NotImplementedError

    def _show_current(self) -> None:
        raise NotImplementedError

    def _say(self, message: str) -> None:
        raise NotImplementedError

    def _status(self) -> None:
        raise NotImplementedError

    def _say_check(self, i: int, *, edited: bool, changed: bool = False) -> None:
        raise NotImplementedError

    def _guard(self) -> bool:
        raise NotImplementedError

    def _attempt(self, action: Callable[[], object], refused: Callable[[InterviewAssistError], object] | None = None) -> bool:
        raise NotImplementedError

    def _repaint(self, index: int) -> None:
        raise NotImplementedError

    def action_play_from_word(self) -> None:
        raise NotImplementedError

    def _run(self, action: Callable[[], object], index: int, success: str) -> None:
        raise NotImplementedError

    def _play_worker(self, span: Span, speed: float) -> object:
        raise NotImplementedError
