"""Modal dialogs, each returning its result with ``dismiss``."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 70; max-width: 95%; height: auto; border: thick $accent; background: $surface; padding: 1 2; }}
"""


class TextPrompt(ModalScreen[str | None]):
    """Ask for one line of text; Enter gives it, Escape cancels (None)."""

    DEFAULT_CSS = DIALOG_CSS.format(name="TextPrompt")
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(self, title: str, value: str = "", placeholder: str = ""):
        super().__init__()
        self._title, self._value, self._placeholder = title, value, placeholder

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self._title)
            yield Input(value=self._value, placeholder=self._placeholder)

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
                f"Reviewing {self._interview} as [b]{self._officer}[/b].\n"
                "Every validation, edit and decision is recorded under this name.\n\n"
                "Enter: confirm · Escape: quit (start again with --officer NAME)"
            )

    def action_yes(self) -> None:
        self.dismiss(True)

    def action_no(self) -> None:
        self.dismiss(False)


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = DIALOG_CSS.format(name="HelpScreen")
    BINDINGS = [Binding("escape,question_mark,q", "close", "Close", id="help.close")]

    def __init__(self, lines: list[tuple[str, str]]):
        super().__init__()
        self._lines = lines

    def compose(self) -> ComposeResult:
        width = max(len(k) for k, _ in self._lines)
        text = "\n".join(f"[b]{k:>{width}}[/b]  {d}" for k, d in self._lines)
        with Vertical():
            yield Static("[b]Keys[/b]\n\n" + text + "\n\nEscape closes this help.")

    def action_close(self) -> None:
        self.dismiss(None)
