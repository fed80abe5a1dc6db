"""Do pinned CPU kernels make int8 drafts identical across machines, and at what speed?

CTranslate2's int8 transcripts differ slightly between CPUs: a test passed on
an AVX-512 machine and failed on an AVX2-only one. The numbers of a
faster-whisper run go through four libraries that each choose their kernels
from the CPU they find when they are loaded:

- **numpy** (faster-whisper's log-Mel front end): its own SIMD dispatch, e.g.
  float32 ``log10`` has an AVX-512 path; pinned with
  ``NPY_DISABLE_CPU_FEATURES``; and OpenBLAS (the Mel filter-bank matrix
  product) picks its kernels by CPU model (SkylakeX here, Haswell or Zen on
  AVX2-only CPUs); pinned with ``OPENBLAS_CORETYPE``.
- **CTranslate2's own kernels** (softmax, layer norm, quantisation...):
  ``CT2_FORCE_CPU_ISA`` = GENERIC / AVX / AVX2 / AVX512. Without it, 4.x picks
  AVX2 on any AVX2 CPU (AVX-512 is never chosen automatically, see
  ``src/cpu/cpu_isa.cc``).
- **the GEMM backend**: ``CT2_USE_MKL``. Without it CTranslate2 uses Intel
  MKL on GenuineIntel CPUs and oneDNN on every other CPU (``src/cpu/backend.cc``),
  so an Intel and an AMD machine do not even run the same library.
- **oneDNN** (int8 and float GEMM, the encoder's convolutions): JIT kernels for
  the best ISA found (here AVX-512 with VNNI and bf16); capped with
  ``ONEDNN_MAX_CPU_ISA``. **MKL**: its own dispatch, fixed with ``MKL_CBWR``
  (conditional numerical reproducibility) - but only on Intel CPUs; on other
  CPUs any branch except COMPATIBLE falls back to AUTO (MKL's documentation,
  and ``MKL_VERBOSE`` prints ``CNR:AUTO`` here).

These are read once, when the libraries load, so every setting runs in a fresh
Python process, started from the caller's environment without any of these
variables (``KNOBS``) and then given the setting's. The clips are decoded once by the parent (PyAV) and handed to
every child as the same float32 arrays, so only the numerics differ. Each child
loads whisper-base int8 with ``cpu_threads=2`` (or 1) and transcribes every
clip with beam 5, word timestamps and language detection; it returns the text,
every word with its start, end and probability, each segment's avg_logprob,
the language and its probability, the SHA-256 of the log-Mel features and of
the encoder output of the first clip (bit-level checks below the transcript),
and the wall and CPU time of the transcription (model loading excluded).

A machine can only be emulated from above: on this AVX-512 machine an
"AVX2-only machine" is the default with oneDNN capped at AVX2, numpy's AVX-512
paths disabled and OpenBLAS's Haswell kernels; an "Intel machine" is
``CT2_USE_MKL=1`` (``--mkl``; MKL is about 7x slower than oneDNN on this AMD
CPU, so these rows take ~12 more minutes) - with the caveat that MKL takes
other paths on a real Intel CPU than on this one.

Every setting runs ``--runs`` times, round-robin (all settings once, then all
again, starting one later each round) so drift from other load hits all of
them; wall time is the median. A short probe per setting prints what the
libraries report they selected (``CT2_VERBOSE``, ``ONEDNN_VERBOSE``,
``MKL_VERBOSE``).

Usage: .venv/bin/python benchmarks/cpu_isa.py [--runs N] [--long-seconds S] [--mkl] [--only NAME...]
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import EVAL, REPO, git_revision, header  # noqa: E402

MODEL = REPO / "models" / "whisper-base"

# Every variable a setting may set; the children start without any of them.
KNOBS = (
    "CT2_FORCE_CPU_ISA",
    "CT2_USE_MKL",
    "CT2_PACKED_GEMM",
    "ONEDNN_MAX_CPU_ISA",
    "DNNL_MAX_CPU_ISA",
    "MKL_CBWR",
    "MKL_ENABLE_INSTRUCTIONS",
    "NPY_DISABLE_CPU_FEATURES",
    "NPY_ENABLE_CPU_FEATURES",
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "CT2_VERBOSE",
    "ONEDNN_VERBOSE",
    "MKL_VERBOSE",
)

# numpy 2.x dispatch groups above AVX2 (X86_V3); disabling them gives an AVX2 CPU's paths.
NPY_AVX2 = "X86_V4 AVX512_ICL AVX512_SPR"

PINNED = {
    "CT2_USE_MKL": "0",
    "CT2_FORCE_CPU_ISA": "AVX2",
    "ONEDNN_MAX_CPU_ISA": "AVX2",
    "NPY_DISABLE_CPU_FEATURES": NPY_AVX2,
    "OPENBLAS_CORETYPE": "Haswell",
}

AVX2_MACHINE = {
    "ONEDNN_MAX_CPU_ISA": "AVX2",
    "NPY_DISABLE_CPU_FEATURES": NPY_AVX2,
    "OPENBLAS_CORETYPE": "Haswell",
}

# (name, environment, cpu_threads)
SETTINGS: list[tuple[str, dict[str, str], int]] = [
    ("default", {}, 2),
    ("CT2_FORCE_CPU_ISA=AVX2", {"CT2_FORCE_CPU_ISA": "AVX2"}, 2),
    ("CT2_FORCE_CPU_ISA=AVX512", {"CT2_FORCE_CPU_ISA": "AVX512"}, 2),
    ("CT2_FORCE_CPU_ISA=GENERIC", {"CT2_FORCE_CPU_ISA": "GENERIC"}, 2),
    ("ONEDNN_MAX_CPU_ISA=AVX2", {"ONEDNN_MAX_CPU_ISA": "AVX2"}, 2),
    ("NPY_DISABLE_CPU_FEATURES=<AVX-512>", {"NPY_DISABLE_CPU_FEATURES": NPY_AVX2}, 2),
    ("OPENBLAS_CORETYPE=Haswell", {"OPENBLAS_CORETYPE": "Haswell"}, 2),
    ("emulated AVX2-only machine (the three above)", AVX2_MACHINE, 2),
    ("pinned (see below)", PINNED, 2),
    ("default, cpu_threads=1", {}, 1),
    ("pinned, cpu_threads=1", PINNED, 1),
    ("pinned, cpu_threads=4 (oversubscribed)", PINNED, 4),
]

# Intel's backend, run on this AMD CPU: ~85 s per run instead of ~12 s.
MKL_SETTINGS: list[tuple[str, dict[str, str], int]] = [
    ("CT2_USE_MKL=1 (Intel's default backend)", {"CT2_USE_MKL": "1"}, 2),
    (
        "CT2_USE_MKL=1 MKL_ENABLE_INSTRUCTIONS=AVX2",
        {"CT2_USE_MKL": "1", "MKL_ENABLE_INSTRUCTIONS": "AVX2"},
        2,
    ),
    ("CT2_USE_MKL=1 MKL_CBWR=AVX2", {"CT2_USE_MKL": "1", "MKL_CBWR": "AVX2"}, 2),
    ("CT2_USE_MKL=1 MKL_CBWR=COMPATIBLE", {"CT2_USE_MKL": "1", "MKL_CBWR": "COMPATIBLE"}, 2),
]

CHILD = r"""
import hashlib, json, sys, time
import numpy as np
from faster_whisper import WhisperModel

args = json.loads(sys.argv[1])
clips = np.load(args["clips"])
t0 = time.perf_counter()
model = WhisperModel(args["model"], device="cpu", compute_type="int8",
                     cpu_threads=args["threads"], local_files_only=True)
load = time.perf_counter() - t0

first = clips[clips.files[0]]
features = model.feature_extractor(first)
n = model.feature_extractor.nb_max_frames
pad = np.zeros((features.shape[0], n), dtype=features.dtype)
pad[:, : min(n, features.shape[1])] = features[:, :n]
import ctranslate2
enc = np.asarray(model.model.encode(ctranslate2.StorageView.from_array(pad[None]), to_cpu=True))
digest = lambda a: hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()[:16]

out = {"load_s": load, "features_sha": digest(features), "encoder_sha": digest(enc), "clips": {}}
wall = cpu = 0.0
for name in clips.files:
    w0, c0 = time.perf_counter(), time.process_time()
    segments, info = model.transcribe(clips[name], beam_size=5, word_timestamps=True)
    segs = [
        {"text": s.text, "avg_logprob": s.avg_logprob, "start": s.start, "end": s.end,
         "words": [[w.word, w.start, w.end, w.probability] for w in (s.words or [])]}
        for s in segments
    ]
    wall += time.perf_counter() - w0
    cpu += time.process_time() - c0
    out["clips"][name] = {"language": info.language,
                          "language_probability": info.language_probability,
                          "segments": segs}
out["wall_s"], out["cpu_s"] = wall, cpu
print(json.dumps(out))
"""

PROBE = r"""
import sys
import numpy as np
import ctranslate2
m = ctranslate2.models.Whisper(sys.argv[1], device="cpu", compute_type="int8", intra_threads=1)
m.encode(ctranslate2.StorageView.from_array(np.zeros((1, 80, 3000), np.float32)))
"""


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in KNOBS}
    env.update({"HF_HUB_OFFLINE": "1", "PYTHONHASHSEED": "0"})
    env.update(extra)
    return env


def probe(extra: dict[str, str]) -> str:
    """What CTranslate2, oneDNN and MKL say they selected under ``extra``."""
    env = clean_env({**extra, "CT2_VERBOSE": "1", "ONEDNN_VERBOSE": "1", "MKL_VERBOSE": "1"})
    r = subprocess.run([sys.executable, "-c", PROBE, str(MODEL)], env=env, capture_output=True, text=True)
    text = r.stdout + r.stderr
    isa = s8 = dnnl = conv = cnr = "?"
    for line in text.splitlines():
        if "Selected ISA:" in line:
            isa = line.rsplit(":", 1)[1].strip()
        elif "GEMM_S8 backend:" in line:
            s8 = line.split("backend:", 1)[1].split("(")[0].strip()
        elif line.startswith("onednn_verbose,info,cpu,isa:"):
            dnnl = line.split("isa:", 1)[1].strip()
        elif line.startswith("onednn_verbose,exec,cpu,convolution,"):
            conv = line.split(",")[4]
        elif "CNR:" in line and cnr == "?":
            cnr = line.split("CNR:", 1)[1].split()[0]
    if r.returncode:
        return f"probe failed: {text.strip().splitlines()[-1:]}"
    mkl = f", MKL CNR:{cnr}" if s8 == "MKL" else ""
    return f"CT2 {isa}, GEMM_S8 {s8}, oneDNN '{dnnl}' (conv {conv}){mkl}"


def run_child(clips: Path, threads: int, extra: dict[str, str]) -> dict:
    args = json.dumps({"clips": str(clips), "model": str(MODEL), "threads": threads})
    r = subprocess.run([sys.executable, "-c", CHILD, args], env=clean_env(extra), capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(r.stderr[-2000:])
    return json.loads(r.stdout.strip().splitlines()[-1])


def result_only(run: dict) -> dict:
    """The numbers that must agree: everything but the timings of the run itself."""
    return {k: v for k, v in run.items() if k not in ("load_s", "wall_s", "cpu_s")}


def words(run: dict) -> list[list[tuple[str, float, float]]]:
    return [[(w[0].strip(), w[1], w[2]) for s in clip["segments"] for w in s["words"]] for clip in run["clips"].values()]


def compare(a: dict, b: dict) -> dict:
    """Word edits, timing changes and score changes from run ``a`` to run ``b``."""
    edits = retimed = 0
    max_dt = 0.0
    for wa, wb in zip(words(a), words(b)):
        sm = difflib.SequenceMatcher(a=[w[0] for w in wa], b=[w[0] for w in wb], autojunk=False)
        for op, i1, i2, j1, j2 in sm.get_opcodes():
            if op != "equal":
                edits += max(i2 - i1, j2 - j1)
                continue
            for x, y in zip(wa[i1:i2], wb[j1:j2]):
                dt = max(abs(x[1] - y[1]), abs(x[2] - y[2]))
                if dt:
                    retimed += 1
                    max_dt = max(max_dt, dt)
    lp_a = [s["avg_logprob"] for c in a["clips"].values() for s in c["segments"]]
    lp_b = [s["avg_logprob"] for c in b["clips"].values() for s in c["segments"]]
    langs = sum(ca["language"] != cb["language"] for ca, cb in zip(a["clips"].values(), b["clips"].values()))
    text_same = all(
        [s["text"] for s in ca["segments"]] == [s["text"] for s in cb["segments"]]
        for ca, cb in zip(a["clips"].values(), b["clips"].values())
    )
    return {
        "identical": result_only(a) == result_only(b),
        "text_same": text_same,
        "edits": edits,
        "retimed": retimed,
        "max_dt": max_dt,
        "logprob_same": lp_a == lp_b,
        "max_dlogprob": f"{max((abs(x - y) for x, y in zip(lp_a, lp_b)), default=0.0):.2g}"
        if len(lp_a) == len(lp_b)
        else "(segments differ)",
        "langs": langs,
        "features_same": a["features_sha"] == b["features_sha"],
        "encoder_same": a["encoder_sha"] == b["encoder_sha"],
    }


def verdict(c: dict) -> str:
    if c["identical"]:
        return "**yes** (bit-identical)"
    if c["text_same"]:
        return "text yes, numbers no"
    return "no"


def load_clips(long_seconds: float) -> dict[str, np.ndarray]:
    from faster_whisper import decode_audio

    clips = {
        "jfk": decode_audio(str(EVAL / "asr" / "jfk.flac")),
        "fleurs-fr-000": decode_audio(str(EVAL / "asr" / "fleurs-fr-000.ogg")),
        "fleurs-en-001": decode_audio(str(EVAL / "asr" / "fleurs-en-001.ogg")),
    }
    if long_seconds > 0:
        interview = decode_audio(str(EVAL / "interviews" / "interview_v01.flac"))
        clips[f"interview_v01[:{long_seconds:g}s]"] = interview[: int(long_seconds * 16000)]
    return clips


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=2, help="fresh processes per setting")
    parser.add_argument("--long-seconds", type=float, default=60.0, help="seconds of interview_v01 (0: none)")
    parser.add_argument("--mkl", action="store_true", help="also the MKL settings (slow here)")
    parser.add_argument("--only", nargs="*", help="substrings of setting names to run")
    opts = parser.parse_args()

    candidates = SETTINGS + (MKL_SETTINGS if opts.mkl else [])
    settings = [s for s in candidates if not opts.only or any(o in s[0] for o in opts.only)]
    if settings[0][0] != "default":
        settings.insert(0, SETTINGS[0])

    with tempfile.TemporaryDirectory() as tmp:
        clips_path = Path(tmp) / "clips.npz"
        clips = load_clips(opts.long_seconds)
        np.savez(clips_path, **clips)
        audio_s = sum(a.size for a in clips.values()) / 16000

        probes = {name: probe(env) for name, env, _ in settings}
        runs: dict[str, list[dict]] = {name: [] for name, _, _ in settings}
        started = time.perf_counter()
        for r in range(opts.runs):
            order = settings[r % len(settings) :] + settings[: r % len(settings)]
            for name, env, threads in order:
                runs[name].append(run_child(clips_path, threads, env))
                print(f"  run {r + 1} {name}: {runs[name][-1]['wall_s']:.1f} s", file=sys.stderr)
        total = time.perf_counter() - started

    base = runs["default"][0]
    base_wall = statistics.median(x["wall_s"] for x in runs["default"])
    print(header(f"CPU kernels and reproducibility of int8 drafts (git {git_revision()})"))
    print(
        f"whisper-base int8, beam 5, word timestamps, language detected; clips: "
        f"{', '.join(clips)} ({audio_s:.0f} s of audio); {opts.runs} fresh processes per "
        f"setting, round-robin; wall = median transcription time (model load excluded), "
        f"noisy: 2 cores shared with other jobs. Total {total / 60:.1f} min.\n"
    )
    print(
        "| setting | threads | identical to default? | identical across runs? "
        "| words differing vs default | words retimed (max Δ s) | avg_logprob max Δ "
        "| features = default | encoder bits = default | wall s | CPU s | ratio to default |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, _, threads in settings:
        rs = runs[name]
        vs = compare(base, rs[0])
        stable = all(result_only(x) == result_only(rs[0]) for x in rs[1:])
        wall = statistics.median(x["wall_s"] for x in rs)
        cpu = statistics.median(x["cpu_s"] for x in rs)
        walls = "/".join(f"{x['wall_s']:.1f}" for x in rs)
        print(
            f"| {name} | {threads} | {verdict(vs)} | {'yes' if stable else '**no**'} "
            f"| {vs['edits']} | {vs['retimed']} ({vs['max_dt']:.2f}) | {vs['max_dlogprob']} "
            f"| {'yes' if vs['features_same'] else 'no'} | {'yes' if vs['encoder_same'] else 'no'} "
            f"| {wall:.1f} ({walls}) | {cpu:.1f} | {wall / base_wall:.2f} |"
        )
    inherited = [f"{k}={os.environ[k]}" for k in KNOBS if k in os.environ]
    if inherited:
        print("\nSet in the caller's environment, removed for every child: " + ", ".join(inherited))
    print("\npinned = " + " ".join(f"{k}={v!r}" if " " in v else f"{k}={v}" for k, v in PINNED.items()))
    print("\nWhat each setting selected (CT2_VERBOSE / ONEDNN_VERBOSE / MKL_VERBOSE probe):\n")
    for name, _, _ in settings:
        print(f"- {name}: {probes[name]}")

    # Pairwise groups: which settings give bit-identical results to each other.
    groups: list[list[str]] = []
    for name, _, _ in settings:
        for g in groups:
            if result_only(runs[g[0]][0]) == result_only(runs[name][0]):
                g.append(name)
                break
        else:
            groups.append([name])
    print("\nSettings with bit-identical results (text, word timings, scores):\n")
    for g in groups:
        print("- " + "; ".join(g))

    print("\nTranscripts that differ from the default (first differing segment):\n")
    for name, _, _ in settings:
        for clip, ca in base["clips"].items():
            cb = runs[name][0]["clips"][clip]
            ta = [s["text"].strip() for s in ca["segments"]]
            tb = [s["text"].strip() for s in cb["segments"]]
            if ta != tb:
                i = next((k for k, (x, y) in enumerate(zip(ta, tb)) if x != y), min(len(ta), len(tb)))
                x = ta[i] if i < len(ta) else "(none)"
                y = tb[i] if i < len(tb) else "(none)"
                print(f"- {name}, {clip}, segment {i}: default «{x}» / «{y}»")


if __name__ == "__main__":
    main()
