"""Helpers shared by the benchmarks: machine description, long test files."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from pathlib import Path

import numpy as np
import soundfile as sf

REPO = Path(__file__).resolve().parents[1]
EVAL = Path(os.environ.get("INTERVIEW_ASSIST_EVAL", REPO.parent / "shared" / "eval"))
CACHE = REPO / "benchmarks" / ".cache"  # generated audio; git-ignored


def machine() -> str:
    cpu, family, model = "unknown CPU", "", ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            name, _, value = (part.strip() for part in line.partition(":"))
            if name == "model name" and cpu == "unknown CPU":
                cpu = value
            elif name == "cpu family" and not family:
                family = value
            elif name == "model" and not model:
                model = value
            if cpu != "unknown CPU" and family and model:
                break
    except OSError:
        pass
    if family:
        cpu += f" family {family} model {model}"
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    from interview_assist.core.kernels import cpu_flags, usable_cores

    # CTranslate2's int8 kernels read a word or two differently with and without AVX-512:
    # every figure says which CPU features it was measured on.
    known = Path("/proc/cpuinfo").exists()
    flags = ", ".join(f.replace("_", "-").upper() for f in cpu_flags()) or ("no AVX2" if known else "vector features unknown")
    cores, usable = os.cpu_count() or 1, usable_cores()
    shown = f"{cores} cores" if usable == cores else f"{cores} cores ({usable} usable)"
    return f"{cpu} ({flags}), {shown}, {mem:.0f} GiB, Python {platform.python_version()}, {_versions()}"


def _versions() -> str:
    """The libraries whose kernels read the audio (their versions move figures as the CPU does)."""
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for package in ("ctranslate2", "onnxruntime", "numpy"):
        try:
            out.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            pass
    return ", ".join(out)


def header(title: str) -> str:
    return f"## {title}\n\n{dt.date.today().isoformat()} · {machine()}\n"


def looped_recording(minutes: int) -> Path:
    """A FLAC of ``minutes`` made by looping the real interview mixtures."""
    from interview_assist.audio.decode import load

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"interview_loop_{minutes}min.flac"
    if path.exists():
        return path
    parts = [load(EVAL / "interviews" / f"interview_v0{i}.flac") for i in (1, 2)]
    source = np.concatenate(parts)
    return _write_looped(path, source, minutes)


def _write_looped(path: Path, source: np.ndarray, minutes: int) -> Path:
    """``source`` again and again, cut at ``minutes``, as a 16 kHz FLAC at ``path``."""
    total = minutes * 60 * 16000
    with sf.SoundFile(path, "w", samplerate=16000, channels=1, subtype="PCM_16") as out:
        written = 0
        while written < total:
            piece = source[: total - written]
            out.write(piece)
            written += piece.size
    return path


def monologue_recording(minutes: int) -> Path:
    """A FLAC of ``minutes`` of one voice talking on: a real FLEURS sentence (fleurs-fr-001, 18 s)
    again and again, 0.2 s apart. Every pause is too short to end a unit, so the speech comes in
    units of the longest length (28 s), the heaviest decode batches: the worst case for memory."""
    from interview_assist.audio.decode import load
    from interview_assist.audio.vad import speech_spans

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"monologue_{minutes}min.flac"
    if path.exists():
        return path
    clip = load(EVAL / "asr" / "fleurs-fr-001.ogg")
    spans = speech_spans(clip)
    sentence = clip[int(spans[0].start * 16000) : int(spans[-1].end * 16000)]
    source = np.concatenate([sentence, np.zeros(int(0.2 * 16000), dtype=np.float32)])
    return _write_looped(path, source, minutes)


def git_revision(repo: Path = REPO) -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=repo
        ).stdout.strip()
    except OSError:
        return "?"


BENCH_PASSPHRASE = "benchmark officers' passphrase"


def bench_officers(db, *names: str) -> None:
    """Register ``names`` in the store ``db`` with keys of their own, in a temporary profile.

    The keys are sealed with a cheap Argon2id setting: unlocking is not what
    is measured (it happens once per session, before the first record). On
    the code before officer keys (a ``--base`` side) this does nothing.
    """
    import tempfile

    try:
        from interview_assist.core.officers import create_officer_key, key_path, unlock
        from interview_assist.core.secrets import Argon2Params
        from interview_assist.store.officers import officers, register_officer
    except ImportError:
        return
    if "INTERVIEW_ASSIST_OFFICERS_DIR" not in os.environ:
        os.environ["INTERVIEW_ASSIST_OFFICERS_DIR"] = tempfile.mkdtemp(prefix="ia-bench-officers-")
    os.environ["INTERVIEW_ASSIST_OFFICER_PASSPHRASE"] = BENCH_PASSPHRASE
    db.officers.passphrase = BENCH_PASSPHRASE
    standing = {o.name for o in officers(db) if o.revoked_at is None}
    for name in names:
        if name in standing:
            continue
        if key_path(name).exists():
            key = unlock(name, BENCH_PASSPHRASE)
        else:
            key = create_officer_key(name, BENCH_PASSPHRASE, params=Argon2Params(time_cost=1, memory_kib=64, parallelism=1))
        register_officer(db, name, key.public_hex, actor="bench-admin")
