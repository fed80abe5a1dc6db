"""What an operator sees while a batch runs (an edge of the CLI, like ``cli.py``).

A line per recording as it ends (done, skipped or failed, with the reason),
then a summary, on standard output. On a terminal, standard error also
shows an overall bar in audio time and a live line per recording in
progress, and the per-recording lines are printed above the bars.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

import click

from interview_assist.batch import BatchEvents, BatchSummary, FileOutcome
from interview_assist.core.spans import format_timestamp

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID


class BatchDisplay:
    def __init__(self, live: bool | None = None):
        self.live = sys.stderr.isatty() if live is None else live
        self._progress: Progress | None = None
        self._overall: TaskID | None = None
        self._running: dict[str, TaskID] = {}
        self._done_seconds = 0.0

    def __enter__(self) -> BatchEvents:
        if self.live:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[info]}"), TimeElapsedColumn(),
                console=Console(stderr=True), transient=True,
            )
            self._progress.__enter__()
        return BatchEvents(planned=self.planned, finished=self.finished, progress=self.progress)

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._progress is not None:
            self._progress.__exit__(kind, exc, tb)

    def planned(self, todo: int, settled: int, seconds: float) -> None:
        click.echo(f"{todo} recording(s) to transcribe ({format_timestamp(seconds)} of audio); "
                   f"{settled} settled before starting (skipped or unreadable).")
        if self._progress is not None:
            self._overall = self._progress.add_task("all recordings", total=seconds or None, info="")

    def progress(self, path: str, step: str, completed: float, total: float | None) -> None:
        if self._progress is None:
            return
        name = Path(path).name
        if path not in self._running:
            self._running[path] = self._progress.add_task(name, total=total, info="")
        info = f"{step} {format_timestamp(completed)}" + (f" / {format_timestamp(total)}" if total else "")
        self._progress.update(self._running[path], completed=completed, total=total, info=info)

    def finished(self, o: FileOutcome) -> None:
        line = {
            "done": f"done     {o.path} -> interview {o.interview_id}"
                    + (f" ({format_timestamp(o.duration or 0)} of audio in {o.seconds:.0f} s)" if o.seconds else ""),
            "skipped": f"skipped  {o.path}: {o.reason} (interview {o.interview_id})",
            "failed": f"FAILED   {o.path}: {_reason(o)}",
        }[o.status]
        if self._progress is None:
            click.echo(line)
            return
        self._progress.console.print(line, markup=False, highlight=False, soft_wrap=True)
        task = self._running.pop(str(o.path), None)
        if task is not None:
            self._progress.remove_task(task)
        if o.status == "done" and self._overall is not None:
            self._done_seconds += o.duration or 0.0
            self._progress.update(self._overall, completed=self._done_seconds)


def _reason(o: FileOutcome) -> str:
    """The reason without the path repeated (engine messages start with it)."""
    reason = o.reason or ""
    prefix = f"{o.path}: "
    return reason[len(prefix):] if reason.startswith(prefix) else reason


def print_summary(summary: BatchSummary) -> None:
    done, skipped, failed = summary.of("done"), summary.of("skipped"), summary.of("failed")
    hours = summary.audio_seconds_done / 3600
    rate = f"; {hours / (summary.wall_seconds / 3600):.2f} audio hours per hour" if done and summary.wall_seconds else ""
    click.echo(
        f"\nSummary: {len(done)} done, {len(skipped)} skipped as already done, {len(failed)} failed"
        f" ({summary.wall_seconds:.0f} s{rate})."
    )
    for o in failed:
        click.echo(f"  failed: {o.path}: {_reason(o)}")
    if summary.interrupted:
        click.echo("Interrupted: the recordings listed as done are stored; run the same command again to continue.")
