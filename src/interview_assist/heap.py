"""Keep the C heap from growing over a long recording.

CTranslate2 and onnxruntime allocate and free large buffers for every batch.
glibc raises its mmap threshold each time such a buffer is freed, after which
buffers of that size come from the heap, which fragments and never shrinks:
peak memory then creeps up with the length of the recording. A fixed
threshold keeps large buffers in mmap, returned to the system when freed.
Measured on 10 minutes of audio: peak RSS 873 MiB without, 622 MiB with.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

logger = logging.getLogger("interview_assist")

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def limit_heap_growth(mmap_threshold: int = 1 << 20, trim_threshold: int = 4 << 20) -> bool:
    """Set glibc's malloc thresholds for this process; False where not glibc."""
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    ok = bool(mallopt(_M_MMAP_THRESHOLD, mmap_threshold)) and bool(mallopt(_M_TRIM_THRESHOLD, trim_threshold))
    logger.debug("malloc thresholds set: %s", ok)
    return ok
