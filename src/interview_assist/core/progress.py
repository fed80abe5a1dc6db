"""One progress-hook signature, shared by the CLI bar and (later) the TUI.

A hook is called as ``hook(step, completed=..., total=...)``: ``step`` names the
stage ("decode", "transcribe"...), ``completed`` and ``total`` are seconds of
audio. The engine never prints; it only calls the hook.
"""

from __future__ import annotations

from typing import Protocol


class ProgressHook(Protocol):
    def __call__(self, step: str, *, completed: float, total: float | None) -> None: ...


def no_progress(step: str, *, completed: float, total: float | None) -> None:
    """The hook used when the caller gives none."""
