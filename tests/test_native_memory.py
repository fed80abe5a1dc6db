"""The speech model's native memory does not grow with the number of unit lengths it has seen.

Units are encoded at their own length, so a long recording shows the model
hundreds of input shapes. oneDNN (inside CTranslate2) kept a compiled kernel
and its buffers for each, about 1.6 MiB a shape, for the life of the process
(see ``interview_assist._native_memory``).
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys

import pytest

MEASURE = r"""
import ctypes, sys
import interview_assist
from interview_assist.asr.transcriber import AsrOptions, Transcriber
from interview_assist.audio.decode import load
from interview_assist.core.heap import release_free_memory
from interview_assist.core.models import ModelCatalog
from interview_assist.core.spans import seconds_to_samples

class MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL("libc.so.6")
libc.mallinfo2.restype = MallInfo2

def in_use():
    release_free_memory()
    return libc.mallinfo2().uordblks

tr = Transcriber(ModelCatalog(), "whisper-base", AsrOptions())
clip = load(sys.argv[1])
for length in (3.0, 3.0, 3.0):  # the first calls set up what every shape shares
    tr.detect_all(tr.encode([clip[: seconds_to_samples(length)]]))
before = in_use()
for i in range(40):  # 40 units of 40 different lengths, 3.1 to 11 s
    tr.detect_all(tr.encode([clip[: seconds_to_samples(3.1 + 0.2 * i)]]))
print(in_use() - before)
"""


def _glibc() -> bool:
    try:
        ctypes.CDLL("libc.so.6").mallinfo2  # noqa: B018
    except (OSError, AttributeError):
        return False
    return True


@pytest.mark.slow
@pytest.mark.skipif(not _glibc(), reason="reads glibc's heap figures")
def test_encoding_units_of_many_lengths_keeps_no_memory_per_length(eval_dir):
    clip = eval_dir / "asr" / "fleurs-fr-001.ogg"  # 18 s of real read French
    env = {k: v for k, v in os.environ.items() if k != "ONEDNN_PRIMITIVE_CACHE_CAPACITY"}
    out = subprocess.run([sys.executable, "-c", MEASURE, str(clip)], capture_output=True, text=True, env=env, check=True)
    grown = int(out.stdout.split()[-1])
    # With oneDNN's default cache these 40 lengths kept 40-50 MiB; without it, under 2 MiB.
    assert grown < 10 * 2**20, f"the heap in use grew by {grown / 2**20:.0f} MiB over 40 unit lengths"
