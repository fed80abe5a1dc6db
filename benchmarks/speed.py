"""Speed of a whole run, as a user waits for it: the CLI against bare faster-whisper and its peer.

Four commands on the same file, each a fresh process timed from start to
exit (imports, model loading, decoding, everything), with the peak memory of
its whole process tree (the CLI's diarization child included), sampled every
0.1 s:

- **bare**: faster-whisper's sequential ``WhisperModel.transcribe(path)``,
  beam 5, word timestamps, language detected (what a user of the library
  runs);
- **peer**: faster-whisper's ``BatchedInferencePipeline`` with batch 8, its
  defaults otherwise (no word timestamps), what WhisperX-style tools run;
  ``peer+words`` is the same with word timestamps, as the CLI gives them;
- **cli**: ``interview-assist transcribe FILE --db fresh.sqlite``: diarization
  first, turn-by-turn ASR, flags, the store;
- **cli --no-diarize**.

Same model (whisper-base), int8, all cores. Runs alternate (bare, peer,
peer+words, cli, cli --no-diarize, bare, ...) so drift hits all; the median
of ``--repeats`` runs is shown. Ratios: cli / bare (target <= 1.1) and
cli --no-diarize / peer (target <= 1.2).

``--base PATH [PATH ...]`` times the CLI of earlier checkouts (their ``src/``
on PYTHONPATH, same venv and models) side by side in the same alternation;
``--bases-only`` leaves out the peer and this checkout's CLI (bare stays, as
the yardstick).

Usage: python benchmarks/speed.py [--repeats N] [--base PATH ...] [--bases-only] [FILE...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import EVAL, REPO, git_revision, header  # noqa: E402

BARE = """
import sys
from faster_whisper import WhisperModel
m = WhisperModel(sys.argv[2], device="cpu", compute_type="int8", local_files_only=True)
segments, info = m.transcribe(sys.argv[1], beam_size=5, word_timestamps=True)
print(sum(1 for _ in segments))
"""

PEER = """
import sys
from faster_whisper import BatchedInferencePipeline, WhisperModel
m = WhisperModel(sys.argv[2], device="cpu", compute_type="int8", local_files_only=True)
segments, info = BatchedInferencePipeline(m).transcribe(sys.argv[1], batch_size=8, word_timestamps=sys.argv[3] == "words")
print(sum(1 for _ in segments))
"""

OFFLINE = {"HF_HUB_OFFLINE": "1", "ORT_DISABLE_TELEMETRY": "1", "PYANNOTE_METRICS_ENABLED": "0"}


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall seconds and peak summed RSS (MiB) of ``cmd`` and its children."""
    import psutil

    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=REPO, env={**os.environ, **OFFLINE, **(env or {})})
    root, peak = psutil.Process(p.pid), 0
    while p.poll() is None:
        try:
            peak = max(peak, sum(x.memory_info().rss for x in [root, *root.children(recursive=True)]))
        except psutil.Error:
            pass
        time.sleep(0.1)
    seconds = time.perf_counter() - t
    if p.returncode:
        raise SystemExit(f"{cmd[:3]} failed: {p.stderr.read().decode()[-2000:]}")
    return seconds, peak // 2**20


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--base", type=Path, nargs="+", default=[], help="checkouts of earlier commits: their CLIs are timed too, side by side")
    ap.add_argument("--bases-only", action="store_true", help="time bare faster-whisper and the --base CLIs only")
    args = ap.parse_args()
    files = args.files or [REPO / "examples" / "interview_v01.flac", EVAL / "interviews" / "interview_v02.flac",
                           EVAL / "codeswitch" / "cs_v01.flac"]
    from interview_assist.core.models import ModelCatalog

    model = str(ModelCatalog().get("whisper-base").directory)
    py, cli = sys.executable, [sys.executable, "-m", "interview_assist"]
    print(header("Speed of a whole run: the CLI against bare faster-whisper and its batched peer"))
    print(f"commit {git_revision()}; {args.repeats} runs each, alternating; median seconds (peak MiB of the process tree)\n")
    bases = [(f"base{i}", b) for i, b in enumerate(args.base)]
    own = not args.bases_only
    columns = ["bare"] + (["peer", "words", "cli", "plain"] if own else []) + [k for k, _ in bases]
    titles = {"bare": "bare", "peer": "peer", "words": "peer+words", "cli": "cli", "plain": "cli --no-diarize",
              **{k: f"cli at {git_revision(b)}" for k, b in bases}}
    ratios = (["cli / bare", "no-diarize / peer", "no-diarize / peer+words"] if own else []) + [f"{titles[k]} / bare" for k, _ in bases]
    print("| file | audio (s) | " + " | ".join(titles[k] for k in columns) + " | " + " | ".join(ratios) + " |")
    print("|---|---|" + "---|" * (len(columns) + len(ratios)))
    import soundfile as sf

    for path in files:
        runs: dict[str, list[tuple[float, int]]] = {k: [] for k in columns}
        for _ in range(args.repeats):
            runs["bare"].append(timed([py, "-c", BARE, str(path), model]))
            if own:
                runs["peer"].append(timed([py, "-c", PEER, str(path), model, "plain"]))
                runs["words"].append(timed([py, "-c", PEER, str(path), model, "words"]))
                for key, extra in (("cli", []), ("plain", ["--no-diarize"])):
                    with tempfile.TemporaryDirectory() as tmp:
                        runs[key].append(timed([*cli, "transcribe", str(path), "--db", str(Path(tmp) / "s.sqlite"), *extra]))
            for key, checkout in bases:
                with tempfile.TemporaryDirectory() as tmp:
                    runs[key].append(timed([*cli, "transcribe", str(path), "--db", str(Path(tmp) / "s.sqlite")],
                                           env={"PYTHONPATH": str(checkout.resolve() / "src")}))
        med = {k: statistics.median(s for s, _ in v) for k, v in runs.items()}
        mem = {k: max(m for _, m in v) for k, v in runs.items()}
        cells = [f"{med[k]:.1f} ({mem[k]})" for k in columns]
        ratio = ([f"**{med['cli'] / med['bare']:.2f}**", f"**{med['plain'] / med['peer']:.2f}**", f"{med['plain'] / med['words']:.2f}"]
                 if own else []) + [f"{med[k] / med['bare']:.2f}" for k, _ in bases]
        print(f"| {path.name} | {sf.info(str(path)).duration:.0f} | " + " | ".join(cells) + " | " + " | ".join(ratio) + " |", flush=True)

if __name__ == "__main__":
    main()
