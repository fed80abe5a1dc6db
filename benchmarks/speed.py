"""Speed: `transcribe` against bare faster-whisper on the same file, side by side.

Both use the same model (whisper-base), compute type (int8), threads, beam
size (5) and word timestamps. Bare faster-whisper is the sequential
``WhisperModel.transcribe(path)``: it decodes the whole file itself. The
pipeline run includes everything the CLI does after loading the model:
probing and hashing the file, streaming decode, the denoise decision, VAD,
batched ASR, the second pass, flags, and the write to a fresh store.
Runs alternate (bare, pipeline, bare, pipeline...) so drift hits both.

Usage: python benchmarks/speed.py [--repeats N] [FILE...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import EVAL, REPO, header, looped_recording  # noqa: E402

import interview_assist  # noqa: E402,F401  (offline switches first)
from faster_whisper import WhisperModel  # noqa: E402

from interview_assist.asr import AsrOptions, Transcriber  # noqa: E402
from interview_assist.denoise import DenoiseMode  # noqa: E402
from interview_assist.heap import limit_heap_growth  # noqa: E402
from interview_assist.models import ModelCatalog  # noqa: E402
from interview_assist.pipeline import PipelineOptions, transcribe  # noqa: E402
from interview_assist.store import Database, save_transcript  # noqa: E402


def main() -> None:
    limit_heap_growth()  # as the CLI does; it applies to both sides of the comparison
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="*", type=Path)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--denoise", default="auto")
    args = ap.parse_args()
    files = args.files or [REPO / "examples" / "interview_v01.flac", EVAL / "asr" / "harvard_osr_0030.wav", looped_recording(10)]

    catalog = ModelCatalog()
    options = AsrOptions()
    transcriber = Transcriber(catalog, "whisper-base", options)
    bare = WhisperModel(
        str(catalog.get("whisper-base").directory),
        device="cpu",
        compute_type=options.compute_type,
        cpu_threads=options.threads(),
        local_files_only=True,
    )
    popts = PipelineOptions(denoise=DenoiseMode(args.denoise))

    print(header("Speed: transcribe vs bare faster-whisper (whisper-base, int8)"))
    print(f"threads {options.threads()}, beam 5, word timestamps, denoise {args.denoise}, {args.repeats} runs each, alternating\n")
    print("| file | audio (s) | bare faster-whisper (s) | transcribe (s) | ratio | RTF transcribe |")
    print("|---|---|---|---|---|---|")
    for path in files:
        bare_times, ours = [], []
        duration = 0.0
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            segments, info = bare.transcribe(str(path), beam_size=5, word_timestamps=True)
            list(segments)
            bare_times.append(time.perf_counter() - t0)
            duration = info.duration
            with tempfile.TemporaryDirectory() as tmp:
                t0 = time.perf_counter()
                t = transcribe(path, popts, catalog=catalog, transcriber=transcriber)
                with Database(Path(tmp) / "s.sqlite") as db:
                    save_transcript(db, t, actor="benchmark")
                ours.append(time.perf_counter() - t0)
        b, o = statistics.median(bare_times), statistics.median(ours)
        print(f"| {path.name} | {duration:.0f} | {b:.1f} | {o:.1f} | **{o / b:.2f}** | {o / duration:.3f} |", flush=True)


if __name__ == "__main__":
    main()
