"""One CTranslate2 call on all cores, or one call a core at once: what the speech pass's steps cost.

The speech pass encodes, detects and decodes many short clips (a speaker's
turns). This times the three steps on the clips of one recording, as the
pipeline makes them without diarization (the VAD's speech joined across
pauses of 0.3 s or less, up to 28 s, with 0.3 s of audio around), in each of
these model layouts (whisper-base, int8):

- ``2x1``: one worker with two threads, the calls one after the other (what
  faster-whisper does with ``cpu_threads=2``, and the pipeline did before);
- ``1x1``: one worker, one thread, one call after the other;
- ``1x2``: two workers of one thread each, two calls at once (what
  ``Transcriber`` does now): its calls shared out between the workers.

Texts are compared with the first layout's. Each layout is timed ``--repeats``
times, in alternation, a fresh model each time.

Usage: python benchmarks/workers.py [--repeats N] [--layouts 2x1,1x1,1x2] [FILE]
(default: ../shared/eval/interviews/interview_v02.flac)
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import EVAL, git_revision, header  # noqa: E402
from faster_whisper import WhisperModel  # noqa: E402

from interview_assist.asr.switches import clip  # noqa: E402
from interview_assist.asr.transcriber import AsrOptions, Transcriber  # noqa: E402
from interview_assist.asr.units import JOIN_PAUSE_SECONDS, MARGIN_SECONDS, MAX_UNIT_SECONDS  # noqa: E402
from interview_assist.asr.workers import Workers  # noqa: E402
from interview_assist.audio.decode import load  # noqa: E402
from interview_assist.audio.vad import speech_spans  # noqa: E402
from interview_assist.core.models import ModelCatalog  # noqa: E402
from interview_assist.core.spans import Span  # noqa: E402


def units(path: str) -> list:
    audio = load(path)
    joined: list[list[float]] = []
    for s in speech_spans(audio):
        if joined and s.start - joined[-1][1] <= JOIN_PAUSE_SECONDS and s.end - joined[-1][0] <= MAX_UNIT_SECONDS:
            joined[-1][1] = s.end
        else:
            joined.append([s.start, s.end])
    return [clip(audio, Span(max(0.0, a - MARGIN_SECONDS), b + MARGIN_SECONDS)) for a, b in joined]


def timed(tr: Transcriber, threads: int, workers: int, clips: list) -> tuple[float, float, float, list[str]]:
    """Encode, detect and decode ``clips`` (English) with a model of ``workers`` x ``threads``,
    through ``Transcriber``'s own steps (with one worker they run one call after another)."""
    tr = copy.copy(tr)
    tr.model = WhisperModel(
        str(tr.spec.directory), device="cpu", compute_type="int8", cpu_threads=threads, num_workers=workers,
        local_files_only=True,
    )
    tr.calls = Workers(workers)
    t = time.perf_counter()
    encoded = tr.encode(clips)
    encode = time.perf_counter() - t
    t = time.perf_counter()
    tr.detect_all(encoded)
    detect = time.perf_counter() - t
    t = time.perf_counter()
    readings = tr.decode([(e, "en", c.size / 16000) for e, c in zip(encoded, clips)])
    decode = time.perf_counter() - t
    tr.release()
    return encode, detect, decode, [" ".join(s.text for s in r.segments) for r in readings]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file", nargs="?", default=str(EVAL / "interviews" / "interview_v02.flac"))
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--layouts", default="2x1,1x1,1x2")
    args = ap.parse_args()
    clips = units(args.file)
    tr = Transcriber(ModelCatalog(), "whisper-base", AsrOptions(language="en"))
    layouts = args.layouts.split(",")
    print(header("One CTranslate2 call on all cores, or one call a core at once"))
    print(f"commit {git_revision()}; {Path(args.file).name}: {len(clips)} clips, "
          f"{sum(c.size for c in clips) / 16000:.0f} s; whisper-base, int8\n")
    print("| threads x workers | encode (s) | detect (s) | decode (s) | texts as the first |")
    print("|---|---|---|---|---|")
    first: list[str] | None = None
    for _ in range(args.repeats):
        for layout in layouts:
            threads, workers = map(int, layout.split("x"))
            encode, detect, decode, texts = timed(tr, threads, workers, clips)
            first = first or texts
            same = sum(a == b for a, b in zip(texts, first))
            print(f"| {layout} | {encode:.2f} | {detect:.2f} | {decode:.2f} | {same}/{len(texts)} |", flush=True)


if __name__ == "__main__":
    main()
