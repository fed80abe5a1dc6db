"""Ctrl-C while a run works, and the progress bar it shows meanwhile."""

from __future__ import annotations

import sys
from types import FrameType, TracebackType
from typing import TYPE_CHECKING

from interview_assist.core.progress import ProgressHook

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID


class Interrupts:
    """Remembers a Ctrl-C even where a library swallowed the KeyboardInterrupt.

    Some C extensions call back into Python and drop any exception raised
    there (PyAV's file reads do, see audio.py); a Ctrl-C landing in such a
    callback would be lost and the run would go on to store its result.
    ``check()`` before storing turns a remembered Ctrl-C into an interruption.
    """

    def __init__(self) -> None:
        self.seen = False

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        from interview_assist.cli import record_interrupt

        self.seen = True
        record_interrupt(signum, frame)

    def __enter__(self) -> Interrupts:
        import signal

        self._previous = signal.getsignal(signal.SIGINT)
        # A run started with Ctrl-C ignored (nohup, a background job) stays so.
        if self._previous is not signal.SIG_IGN:
            signal.signal(signal.SIGINT, self._handler)
        return self

    def check(self) -> None:
        if self.seen:
            raise KeyboardInterrupt

    def __exit__(self, *exc: object) -> None:
        import signal

        signal.signal(signal.SIGINT, self._previous)


class progress_bar:
    """A rich progress bar on stderr implementing the engine's progress hook."""

    def __init__(self, enabled: bool):
        self.enabled = enabled and sys.stderr.isatty()

    _progress: Progress
    _task: TaskID

    def __enter__(self) -> ProgressHook:
        if not self.enabled:
            return lambda step, *, completed, total: None
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[done]}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._progress.__enter__()
        self._task = self._progress.add_task("starting", total=None, done="")

        def hook(step: str, *, completed: float, total: float | None) -> None:
            from interview_assist.core.spans import format_timestamp

            done = f"{format_timestamp(completed)} / {format_timestamp(total)}" if total else ""
            self._progress.update(self._task, description=step, completed=completed, total=total, done=done)

        return hook

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.enabled:
            self._progress.__exit__(kind, exc, tb)
