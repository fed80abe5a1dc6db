"""Give the C heap's free pages back between the windows of a long recording.

CTranslate2 and onnxruntime allocate and free large buffers for every batch,
and the windows of audio differ in size; what glibc keeps of them inside the
heap after a window (of the first pass and of the speech pass) is handed
back by :func:`release_free_memory`. Without it, the first pass alone (no
speaker models) grew window by window to 347 MiB over 60 minutes; with it,
it stays at 171 MiB. An earlier version also fixed glibc's mmap
threshold at 8 MiB, which kept the heap small but cost about 15 % of the
speech pass (every large buffer a fresh mapping whose pages fault in again);
once the speaker models are released before the speech model loads, glibc's
own adaptive threshold with the trim between windows stays flat and under
the memory target (benchmarks/memory.py, BENCHMARKS.md "Memory and speed,
turn by turn").
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache


@lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.malloc_trim  # noqa: B018 - glibc only
    except (OSError, AttributeError):
        return None
    return libc


def release_free_memory() -> None:
    """Return the free pages of the C heap to the system (no-op where not glibc)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
