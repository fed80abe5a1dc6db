"""Keep the C heap from growing over a long recording.

CTranslate2 and onnxruntime allocate and free large buffers for every batch.
glibc raises its mmap threshold each time such a buffer is freed, after which
buffers of that size come from the heap, which fragments and never shrinks:
peak memory then creeps up with the length of the recording. A fixed
threshold keeps the largest buffers in mmap, returned to the system when
freed, and :func:`release_free_memory`, called between windows, hands back
the free pages left inside the heap.

The threshold trades speed for memory: every buffer above it is a fresh
mapping whose pages fault in again at each use. Measured on looped interview
audio (whisper-base, 2 cores, peak RSS at 10 → 60 minutes, speech pass time
at 60 minutes): 1 MiB 871 → 883 MiB, 292 s; 8 MiB 931 → 1004 MiB, 243 s,
and with a trim between windows 944 → 965 MiB, 235 s; 32 MiB with the trim
1054 → 1187 MiB, 212 s. See BENCHMARKS.md.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from functools import lru_cache

logger = logging.getLogger("interview_assist")

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


@lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt, libc.malloc_trim  # noqa: B018 - glibc only
    except (OSError, AttributeError):
        return None
    return libc


def limit_heap_growth(mmap_threshold: int = 8 << 20, trim_threshold: int = 4 << 20) -> bool:
    """Set glibc's malloc thresholds for this process; False where not glibc."""
    libc = _libc()
    if libc is None:
        return False
    ok = bool(libc.mallopt(_M_MMAP_THRESHOLD, mmap_threshold)) and bool(libc.mallopt(_M_TRIM_THRESHOLD, trim_threshold))
    logger.debug("malloc thresholds set: %s", ok)
    return ok


def release_free_memory() -> None:
    """Return the free pages of the C heap to the system (no-op where not glibc)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
