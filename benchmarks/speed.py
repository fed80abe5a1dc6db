"""Speed: `transcribe` against bare faster-whisper on the same file, side by side.

Both use the same model (whisper-base), compute type (int8), threads, beam
size (5) and word timestamps. Bare faster-whisper is the sequential
``WhisperModel.transcribe(path)`` as a user would run it: it decodes the whole
file itself. The pipeline side is the CLI's path after loading the model:
the process-wide malloc setting of the CLI, probing and hashing the file,
streaming decode, the denoise decision, VAD, batched ASR, the second pass,
flags, and the write to a fresh store.

Each run is a fresh process (so process-wide settings do not leak from one
side to the other) and times only the transcription, not the model load.
Runs alternate (bare, pipeline, bare, pipeline...) so drift hits both.

Usage: python benchmarks/speed.py [--repeats N] [FILE...]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import EVAL, REPO, header, looped_recording  # noqa: E402

BARE = """
import sys, time, interview_assist
from faster_whisper import WhisperModel
m = WhisperModel(sys.argv[2], device="cpu", compute_type="int8", local_files_only=True)
t = time.perf_counter()
segments, info = m.transcribe(sys.argv[1], beam_size=5, word_timestamps=True)
n = sum(1 for _ in segments)
print(time.perf_counter() - t, info.duration)
"""

PIPELINE = """
import sys, tempfile, time
from pathlib import Path
from interview_assist.heap import limit_heap_growth
limit_heap_growth()
from interview_assist.asr import AsrOptions, Transcriber
from interview_assist.denoise import DenoiseMode
from interview_assist.models import ModelCatalog
from interview_assist.pipeline import PipelineOptions, transcribe
from interview_assist.store import Database, save_transcript
catalog = ModelCatalog()
tr = Transcriber(catalog, "whisper-base", AsrOptions())
diarize = sys.argv[3] == "diarize"
diarizer = None
if diarize:
    from interview_assist.diarize import Diarizer
    diarizer = Diarizer(catalog)
with tempfile.TemporaryDirectory() as tmp:
    t = time.perf_counter()
    options = PipelineOptions(denoise=DenoiseMode(sys.argv[2]), diarize=diarize)
    result = transcribe(sys.argv[1], options, transcriber=tr, diarizer=diarizer)
    with Database(Path(tmp) / "s.sqlite") as db:
        save_transcript(db, result, actor="benchmark")
    print(time.perf_counter() - t, result.duration)
"""


def run(code: str, *args: str) -> tuple[float, float]:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=REPO)
    if out.returncode:
        raise SystemExit(out.stderr)
    seconds, duration = out.stdout.split()[-2:]
    return float(seconds), float(duration)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--denoise", default="auto")
    args = ap.parse_args()
    files = args.files or [
        EVAL / "asr" / "harvard_osr_0030.wav",
        REPO / "examples" / "interview_v01.flac",
        looped_recording(10),
    ]
    from interview_assist.models import ModelCatalog

    base_dir = str(ModelCatalog().get("whisper-base").directory)
    print(header("Speed: transcribe vs bare faster-whisper (whisper-base, int8)"))
    print(f"all cores, beam 5, word timestamps, denoise {args.denoise}; {args.repeats} runs each, alternating; median shown\n")
    print("| file | audio (s) | bare faster-whisper (s) | transcribe --no-diarize (s) | ratio | transcribe with diarization (s) | ratio | RTF transcribe |")
    print("|---|---|---|---|---|---|---|---|")
    for path in files:
        bare, plain, full = [], [], []
        for _ in range(args.repeats):
            seconds, duration = run(BARE, str(path), base_dir)
            bare.append(seconds)
            plain.append(run(PIPELINE, str(path), args.denoise, "no-diarize")[0])
            full.append(run(PIPELINE, str(path), args.denoise, "diarize")[0])
        b, p, f = (statistics.median(x) for x in (bare, plain, full))
        print(
            f"| {path.name} | {duration:.0f} | {b:.1f} | {p:.1f} | **{p / b:.2f}** | {f:.1f} | **{f / b:.2f}** | {f / duration:.3f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
