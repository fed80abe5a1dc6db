"""A helper process that ends with its parent: a batch's job process.

Such a process works for its parent alone and holds nothing worth keeping:
when the parent dies (a kill, a crash, an out-of-memory kill), it must not
run on for minutes over a recording nobody will read. On Linux the kernel
sends it a signal when its parent ends (``prctl(PR_SET_PDEATHSIG)``); the
parent may already have ended before the call, so the process then checks
that its parent is still the one that started it, and exits if not.

The kernel ties the signal to the *thread* that started the process: the
parent must start it from a thread that lives as long as it waits for it
(the main thread, or the thread that waits).
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys

logger = logging.getLogger("interview_assist")

PR_SET_PDEATHSIG = 1
ORPHANED_EXIT = 70  # the parent was gone before the process could tie its life to it


def die_with_parent(parent_pid: int, sig: int = signal.SIGKILL) -> bool:
    """End this process with ``sig`` when its parent ends; exits at once if ``parent_pid`` is gone already.

    Returns whether the kernel will send the signal (False off Linux, where
    only the check at start is made).
    """
    tied = False
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            tied = libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
        except (OSError, AttributeError):
            tied = False
        if not tied:
            logger.warning("could not tie this helper process to its parent (prctl failed)")
    if os.getppid() != parent_pid:
        os._exit(ORPHANED_EXIT)
    return tied
