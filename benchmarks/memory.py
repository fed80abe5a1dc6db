"""Peak memory of `transcribe` on 10, 60 and 180 minutes of audio.

Long files are made by looping the two real interview mixtures (written once
to benchmarks/.cache, git-ignored). Each measurement runs in a fresh child
process and reads its peak resident set size (ru_maxrss). For comparison, bare
faster-whisper: its own whole-file decode (``decode_audio``) at every length,
and a full sequential transcription at the shorter lengths.

Usage: python benchmarks/memory.py [--minutes 10 60 180] [--bare-minutes 10 60]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REPO, header, looped_recording  # noqa: E402

MEASURE = """
import resource, subprocess, sys, time
t = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, time.perf_counter() - t, done.returncode)
if done.returncode:
    print(done.stderr[-2000:], file=sys.stderr)
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


def peak(argv: list[str]) -> tuple[float, float]:
    out = subprocess.run([sys.executable, "-c", MEASURE, *argv], capture_output=True, text=True, cwd=REPO)
    kib, seconds, rc = out.stdout.split()
    if rc != "0":
        raise SystemExit(f"{argv[:4]} failed:\n{out.stderr}")
    return int(kib) / 1024, float(seconds)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=int, nargs="+", default=[10, 60, 180])
    ap.add_argument("--bare-minutes", type=int, nargs="*", default=[10, 60])
    args = ap.parse_args()
    from interview_assist.models import ModelCatalog

    base_dir = str(ModelCatalog().get("whisper-base").directory)
    print(header("Peak memory (RSS) by recording length"))
    print("whisper-base int8, 2 threads, denoise auto; each run a fresh process\n")
    print("| audio | transcribe peak RSS | transcribe time | bare decode_audio peak RSS | bare faster-whisper transcribe peak RSS |")
    print("|---|---|---|---|---|")
    results = []
    for minutes in args.minutes:
        path = looped_recording(minutes)
        with tempfile.TemporaryDirectory() as tmp:
            ours, secs = peak([sys.executable, "-m", "interview_assist", "transcribe", str(path), "--db", f"{tmp}/s.sqlite", "--json"])
        decode, _ = peak([sys.executable, "-c", BARE_DECODE, str(path)])
        bare = peak([sys.executable, "-c", BARE_TRANSCRIBE, str(path), base_dir])[0] if minutes in args.bare_minutes else None
        bare_text = f"{bare:.0f} MiB" if bare else "not run (too slow)"
        print(f"| {minutes} min | **{ours:.0f} MiB** | {secs:.0f} s | {decode:.0f} MiB | {bare_text} |", flush=True)
        results.append({"minutes": minutes, "transcribe_mib": ours, "seconds": secs, "bare_decode_mib": decode, "bare_transcribe_mib": bare})
    print("\n```json\n" + json.dumps(results) + "\n```")


if __name__ == "__main__":
    main()
