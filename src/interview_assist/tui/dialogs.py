"""Modal dialogs, each returning its result with ``dismiss``.

Titles and prefilled values often quote what the officer typed or what the
machine heard, so they are shown as plain text, never read as markup.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from interview_assist.core.errors import InterviewAssistError
from interview_assist.core.officers import OfficerKey
from interview_assist.tui.messages import Unlocked

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


class OfficerUnlock(ModalScreen["OfficerKey | None"]):
    """Who is reviewing: the officer unlocks their key with their passphrase on open, before anything is recorded.

    ``unlock`` turns a passphrase into the officer's key (a :class:`KeyProblem`
    for a wrong one); it runs in a worker (Argon2id takes a fraction of a
    second), then ``accept`` checks the key against the store in the app's
    thread. A wrong passphrase is one line in the dialog, and the officer tries
    again; Escape quits.
    """

    DEFAULT_CSS = DIALOG_CSS.format(name="OfficerUnlock") + """
    OfficerUnlock #unlock-message { color: $error; height: auto; }
    """
    BINDINGS = [Binding("escape", "quit", "Quit", id="officer.quit")]

    def __init__(self, officer: str, interview: str, unlock: Callable[[str], OfficerKey], accept: Callable[[OfficerKey], None]):
        super().__init__()
        self._officer, self._interview, self._unlock, self._accept = officer, interview, unlock, accept

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                Text.assemble(
                    f"Reviewing {self._interview} as ", (self._officer, "bold"), ".\n"
                    "Every validation, edit, decision and play is signed with this officer's key.\n"
                )
            )
            yield Input(password=True, placeholder=f"passphrase of {self._officer}'s key", id="passphrase")
            yield Static("", id="unlock-message")
            yield Static(Text("Enter: unlock · Escape: quit (start again with --officer NAME)"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if not event.value:
            return
        event.input.disabled = True
        self.query_one("#unlock-message", Static).update("unlocking...")
        self._try(event.value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="unlock")
    def _try(self, passphrase: str) -> None:
        try:
            self.post_message(Unlocked(self._unlock(passphrase), None))
        except InterviewAssistError as exc:
            self.post_message(Unlocked(None, str(exc)))

    def on_unlocked(self, message: Unlocked) -> None:
        problem = message.problem
        if message.key is not None:
            try:
                self._accept(message.key)
            except InterviewAssistError as exc:
                problem = str(exc)
            else:
                self.dismiss(message.key)
                return
        field = self.query_one("#passphrase", Input)
        field.disabled = False
        field.value = ""
        field.focus()
        self.query_one("#unlock-message", Static).update(Text(f"{problem}; try again (Escape quits)"))

    def action_quit(self) -> None:
        self.dismiss(None)


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
