"""Modal dialogs, each returning its result with ``dismiss``.

Titles and prefilled values often quote what the officer typed or what the
machine heard, so they are shown as plain text, never read as markup.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 80%; min-width: 40; max-width: 110; height: auto; max-height: 90%; border: thick $accent; background: $surface; padding: 1 2; }}
"""


class TextPrompt(ModalScreen[str | None]):
    """Ask for one line of text; Enter gives it, Escape cancels (None); the dialog says so.

    A prefilled value (the heard spelling of a name, the current role) opens
    selected: typing replaces it, Enter keeps it, an arrow key or End keeps it
    to change it.
    """

    DEFAULT_CSS = DIALOG_CSS.format(name="TextPrompt") + """
    TextPrompt .hint { color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(self, title: str, value: str = "", placeholder: str = "", hint: str = "Enter: OK · Escape: cancel"):
        super().__init__()
        self._title, self._value, self._placeholder, self._hint = title, value, placeholder, hint
        # Kept, not queried: a key that arrives while the app closes finds no children to query.
        self._input = Input(value=value, placeholder=placeholder, select_on_focus=True)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(self._title), classes="title")
            yield self._input
            yield Static(Text(self._hint + (" · typing replaces the text shown" if self._value else "")), classes="hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class OfficerConfirm(ModalScreen[bool]):
    """Who is reviewing: shown on open, confirmed before anything is recorded."""

    DEFAULT_CSS = DIALOG_CSS.format(name="OfficerConfirm")
    BINDINGS = [
        Binding("enter", "yes", "Confirm", id="officer.confirm"),
        Binding("escape", "no", "Quit", id="officer.quit"),
    ]

    def __init__(self, officer: str, interview: str):
        super().__init__()
        self._officer, self._interview = officer, interview

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                Text.assemble(
                    f"Reviewing {self._interview} as ", (self._officer, "bold"), ".\n"
                    "Every validation, edit, decision and play is recorded under this name.\n\n"
                    "Enter: confirm · Escape: quit (start again with --officer NAME)"
                )
            )

    def action_yes(self) -> None:
        self.dismiss(True)

    def action_no(self) -> None:
        self.dismiss(False)


class HelpScreen(ModalScreen[None]):
    """The keys, scrollable (a small terminal does not hold them all)."""

    DEFAULT_CSS = DIALOG_CSS.format(name="HelpScreen") + """
    HelpScreen VerticalScroll { height: auto; max-height: 100%; }
    """
    BINDINGS = [Binding("escape,question_mark,q", "close", "Close", id="help.close")]

    def __init__(self, lines: list[tuple[str, str]]):
        super().__init__()
        self._lines = lines

    def compose(self) -> ComposeResult:
        width = max(len(k) for k, _ in self._lines)
        text = Text.assemble(("Keys", "bold"), "  (up/down scroll this help; Escape closes it)\n\n")
        for k, d in self._lines:
            text.append(f"{k:>{width}}", style="bold")
            text.append(f"  {d}\n")
        with Vertical():
            with VerticalScroll():
                yield Static(text)

    def action_close(self) -> None:
        self.dismiss(None)
