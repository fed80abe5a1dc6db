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

import math
import os
import platform
from pathlib import Path

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
    """The cores this process may use: those it may run on (Linux: taskset, cpusets), no more
    than its cgroup's CPU quota allows (``docker --cpus``, systemd's CPUQuota), else the machine's."""
    affinity = getattr(os, "sched_getaffinity", None)
    cores = len(affinity(0)) if affinity is not None else os.cpu_count() or 1
    quota = cgroup_cpu_quota()
    return max(1, min(cores, math.ceil(quota))) if quota is not None else cores


def cgroup_cpu_quota(root: Path = Path("/sys/fs/cgroup"), membership: Path = Path("/proc/self/cgroup")) -> float | None:
    """The CPUs' worth of time this process's cgroup, or one above it, may use (cgroup v2's
    ``cpu.max``, v1's ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us``); None without a quota."""
    try:
        lines = membership.read_text(encoding="ascii", errors="replace").splitlines()
    except OSError:
        return None
    found: list[float] = []
    for line in lines:
        _, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if controllers == "":  # v2: one tree
            base, read = root, _v2_quota
        elif "cpu" in controllers.split(","):  # v1: the cpu controller's tree
            base, read = root / controllers, _v1_quota
            if not base.is_dir():
                base = root / "cpu"
        else:
            continue
        here = Path(path.strip() or "/")
        if not here.is_absolute():
            continue
        for ancestor in (here, *here.parents):
            quota = read(base / ancestor.relative_to("/"))
            if quota is not None:
                found.append(quota)
    return min(found) if found else None


def _v2_quota(group: Path) -> float | None:
    try:
        limit, period = (group / "cpu.max").read_text(encoding="ascii").split()[:2]
        return None if limit == "max" else int(limit) / int(period)
    except (OSError, ValueError, ZeroDivisionError):
        return None


def _v1_quota(group: Path) -> float | None:
    try:
        limit = int((group / "cpu.cfs_quota_us").read_text(encoding="ascii"))
        period = int((group / "cpu.cfs_period_us").read_text(encoding="ascii"))
        return None if limit <= 0 else limit / period
    except (OSError, ValueError, ZeroDivisionError):
        return None


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
