"""The ``interview-assist`` command line.

This is an edge: domain errors become one line on stderr and an exit code
here, and nowhere in the engine.

Exit codes: 0 ok, 1 unexpected error (or a failed recording in a batch), 2 bad input (file, id, option) or an
export refused, 3 model problem, 4 store problem, 5 the audit log or the
content does not verify, 6 the batch's cluster cannot be reached or refused it, 130 interrupted.

One module per command group; :mod:`.app` holds the group and the error
handling. This module imports nothing itself, so that a Ctrl-C while the
libraries are still being imported (torch, onnxruntime and CTranslate2 take
seconds) ends like any other: one line and exit 130.
"""

from __future__ import annotations

import sys
from typing import Any

INTERRUPTED = "interrupted; nothing was stored"
_seen: list[bool] = []


def record_interrupt(signum: int = 2, frame: object = None) -> None:
    """The SIGINT handler: remember the Ctrl-C, then interrupt as Python does."""
    _seen.append(True)
    raise KeyboardInterrupt


def interrupted() -> bool:
    """Whether a Ctrl-C came during this run, even one a library turned into another error or swallowed."""
    return bool(_seen)


def main() -> None:
    """Entry point: runs the CLI; errors become one line and an exit code, a Ctrl-C at any moment 130.

    Some libraries turn a KeyboardInterrupt that lands in their import or in
    a callback into another error (or drop it): once a Ctrl-C has been seen,
    whatever failure follows is reported as the interruption it is.
    """
    import signal

    # A run started with Ctrl-C ignored (nohup, a background job) stays so.
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, record_interrupt)
    try:
        from interview_assist.cli.app import run
    except BaseException:
        if not interrupted():
            raise
        sys.stderr.write(f"interview-assist: error: {INTERRUPTED}\n")
        sys.exit(130)
    run()


def __getattr__(name: str) -> Any:
    if name == "cli":  # the click group, for documentation and tests
        from interview_assist.cli.app import cli

        return cli
    raise AttributeError(name)


__all__ = ["INTERRUPTED", "cli", "interrupted", "main", "record_interrupt"]
