"""Peak memory of `transcribe` on 10, 60 and 180 minutes of audio.

Long files are made by looping the two real interview mixtures (written once
to benchmarks/.cache, git-ignored). Each measurement runs in a fresh child
process and reads its peak resident set size (ru_maxrss). For comparison, bare
faster-whisper: its own whole-file decode (``decode_audio``) at every length,
and a full sequential transcription at the shorter lengths.

``--base PATH [PATH ...]`` also measures the CLI of earlier checkouts (their
``src/`` on PYTHONPATH, same venv and models), at each length right after this
checkout's CLI.

``--monologue``: instead of the interviews, one voice talking on with no
pause long enough to end a unit (``common.monologue_recording``): every
unit 28 s long, the heaviest decode batches, the worst case for memory.

Usage: python benchmarks/memory.py [--minutes 10 60 180] [--bare-minutes 10 60] [--no-diarize] [--monologue] [--base PATH ...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REPO, git_revision, header, looped_recording, monologue_recording  # noqa: E402

MEASURE = """
import resource, subprocess, sys, tempfile, time
import psutil
t = time.perf_counter()
with tempfile.TemporaryFile(mode="w+") as err:
    p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=err, text=True)
    root, peak_sum = psutil.Process(p.pid), 0
    while p.poll() is None:
        try:
            peak_sum = max(peak_sum, sum(x.memory_info().rss for x in [root, *root.children(recursive=True)]))
        except psutil.Error:
            pass
        time.sleep(0.2)
    err.seek(0)
    text = err.read()
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, time.perf_counter() - t, p.returncode, peak_sum // 1024)
if p.returncode:
    print(text[-2000:], file=sys.stderr)
"""

BARE_DECODE = """
import sys, interview_assist
from faster_whisper import decode_audio
audio = decode_audio(sys.argv[1])
print(audio.size)
"""

BARE_TRANSCRIBE = """
import sys, interview_assist
from faster_whisper import WhisperModel
m = WhisperModel(sys.argv[2], device="cpu", compute_type="int8", local_files_only=True)
segments, info = m.transcribe(sys.argv[1], beam_size=5, word_timestamps=True)
print(sum(1 for _ in segments))
"""


def peak(argv: list[str], checkout: Path | None = None) -> tuple[float, float, float]:
    """(peak RSS of the largest process, seconds, peak of the summed RSS of all its processes), in MiB.

    With ``checkout``, its ``src/`` goes first on PYTHONPATH (an earlier commit's code)."""
    env = None
    if checkout:  # the earlier code, with this checkout's models (a worktree has none of its own)
        models = os.environ.get("INTERVIEW_ASSIST_MODELS", str(REPO / "models"))
        env = {**os.environ, "PYTHONPATH": str(checkout.resolve() / "src"), "INTERVIEW_ASSIST_MODELS": models}
    out = subprocess.run([sys.executable, "-c", MEASURE, *argv], capture_output=True, text=True, cwd=REPO, env=env)
    kib, seconds, rc, sum_kib = out.stdout.split()
    if rc != "0":
        raise SystemExit(f"{argv[:4]} failed:\n{out.stderr}")
    return int(kib) / 1024, float(seconds), int(sum_kib) / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=int, nargs="+", default=[10, 60, 180])
    ap.add_argument("--bare-minutes", type=int, nargs="*", default=[10, 60])
    ap.add_argument("--no-diarize", action="store_true", help="the speech pass alone")
    ap.add_argument("--base", type=Path, nargs="+", default=[], help="checkouts of earlier commits, measured too")
    ap.add_argument("--monologue", action="store_true", help="one voice talking on (units of 28 s): the worst case")
    args = ap.parse_args()
    from interview_assist.core.models import ModelCatalog

    base_dir = str(ModelCatalog().get("whisper-base").directory)
    print(header("Peak memory (RSS) by recording length"))
    diarization = "off (--no-diarize)" if args.no_diarize else "on (the CLI's default)"
    print(f"whisper-base int8, 2 threads, denoise auto, diarization {diarization}; each run a fresh process.")
    if args.monologue:
        print("Recording: one voice talking on (fleurs-fr-001 again and again, 0.2 s apart): units of 28 s, the worst case.")
    if not args.no_diarize:
        print("Diarization runs first, in the same process (onnxruntime); its models are freed before Whisper loads.")
    print("'all processes' is the peak of the summed RSS of the CLI and its children, sampled every 0.2 s.\n")
    print("| audio | code | transcribe peak RSS, largest process | all processes together | transcribe time | bare decode_audio peak RSS | bare faster-whisper transcribe peak RSS |")
    print("|---|---|---|---|---|---|---|")
    results = []
    for minutes in args.minutes:
        path = monologue_recording(minutes) if args.monologue else looped_recording(minutes)
        with tempfile.TemporaryDirectory() as tmp:
            cli = [sys.executable, "-m", "interview_assist", "transcribe", str(path), "--db", f"{tmp}/s.sqlite", "--json"]
            ours, secs, together = peak(cli + (["--no-diarize"] if args.no_diarize else []))
        for checkout in args.base:
            with tempfile.TemporaryDirectory() as tmp:
                cli = [sys.executable, "-m", "interview_assist", "transcribe", str(path), "--db", f"{tmp}/s.sqlite", "--json"]
                theirs, their_secs, their_together = peak(cli + (["--no-diarize"] if args.no_diarize else []), checkout)
            print(f"| {minutes} min | {git_revision(checkout)} | {theirs:.0f} MiB | {their_together:.0f} MiB | {their_secs:.0f} s | | |",
                  flush=True)
            results.append({"minutes": minutes, "commit": git_revision(checkout), "transcribe_mib": theirs,
                            "all_processes_mib": their_together, "seconds": their_secs})
        decode = peak([sys.executable, "-c", BARE_DECODE, str(path)])[0]
        bare = peak([sys.executable, "-c", BARE_TRANSCRIBE, str(path), base_dir])[0] if minutes in args.bare_minutes else None
        bare_text = f"{bare:.0f} MiB" if bare else "not run (too slow)"
        print(f"| {minutes} min | {git_revision()} | **{ours:.0f} MiB** | **{together:.0f} MiB** | {secs:.0f} s | {decode:.0f} MiB | {bare_text} |", flush=True)
        results.append({"minutes": minutes, "commit": git_revision(), "transcribe_mib": ours, "all_processes_mib": together, "seconds": secs,
                        "bare_decode_mib": decode, "bare_transcribe_mib": bare})
    print("\n```json\n" + json.dumps(results) + "\n```")


if __name__ == "__main__":
    main()
