"""Which CPU kernels computed a draft: recorded with every interview, because int8 drafts differ between CPUs.

CTranslate2, oneDNN, numpy and OpenBLAS each choose their kernels from the
CPU they find (``benchmarks/cpu_isa.py``): on an AVX-512 machine and an
AVX2-only one, the same recording and model can give a draft that differs in a
word or two, and in word times by up to half a second. The kernels are not
pinned (pinning all four to AVX2 made the drafts reproducible here at 1.2-1.4x
the ASR time, and whether it makes two different CPUs agree could not be shown
on the one kind of machine available); what they were is recorded instead, so
that a QA auditor comparing two drafts of one recording can tell a difference
of machines from a difference of settings.
"""

from __future__ import annotations

import os
import platform

# The variables that change which kernels the libraries pick (read when they load).
KERNEL_VARIABLES = (
    "CT2_FORCE_CPU_ISA", "CT2_USE_MKL", "ONEDNN_MAX_CPU_ISA", "MKL_CBWR", "MKL_ENABLE_INSTRUCTIONS",
    "NPY_DISABLE_CPU_FEATURES", "OPENBLAS_CORETYPE",
)
_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_int8")


def cpu_flags() -> list[str]:
    """The SIMD features of this CPU that the kernels choose by (Linux; empty elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("flags"):
                    present = set(line.split(":", 1)[1].split())
                    return [f for f in _FLAGS if f in present]
    except OSError:
        pass
    return []


def usable_cores() -> int:
    """The cores this process may run on (Linux: honours taskset and cpusets), else the machine's."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


def kernel_record() -> dict[str, object]:
    """The CPU and the kernel settings of this process, as stored with an interview."""
    vendor = ""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            vendor = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("vendor_id")), "")
    except OSError:
        pass
    return {
        "machine": platform.machine(),
        "cpu_vendor": vendor,
        "cpu_flags": cpu_flags(),
        "settings": {k: os.environ[k] for k in KERNEL_VARIABLES if k in os.environ},
    }
