"""The progress line: validated N / M, open flags, officer, and the last message."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


class StatusLine(Widget):
    _text = ""

    def render(self) -> Text:
        return Text(self._text)  # plain: messages quote typed text and names, never markup

    def show(self, text: str) -> None:
        self._text = text
        self.refresh()  # fixed height (app.tcss): no layout pass
