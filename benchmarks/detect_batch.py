"""What a language detection call costs, by how many stretches it holds.

The turn-by-turn decoding detects the language of short stretches of a
unit's encoding (probes of 2.5 s, 125 encoder frames) to find a switch inside
it. This times ``detect_language`` of whisper-base (int8, all cores) on one
probe stacked n times, and on one whole 20 s clip, to show whether probes are
cheaper together (the pipeline batches all probes of a window).

The clip is 20-40 s of ../shared/eval/interviews/interview_v02.flac, encoded
as the pipeline encodes (own length plus 2 s of silence). Each figure is the
mean of 10 calls after one warm-up call.

Usage: python benchmarks/detect_batch.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from common import EVAL, git_revision, header  # noqa: E402

from interview_assist.asr.transcriber import AsrOptions, Transcriber, _storage  # noqa: E402
from interview_assist.audio.decode import load  # noqa: E402
from interview_assist.core.models import ModelCatalog  # noqa: E402
from interview_assist.core.spans import seconds_to_samples  # noqa: E402

REPEATS = 10


def main() -> None:
    tr = Transcriber(ModelCatalog(), "whisper-base", AsrOptions())
    audio = load(str(EVAL / "interviews" / "interview_v02.flac"))
    encoded = tr.encode([audio[seconds_to_samples(20.0) : seconds_to_samples(40.0)]])[0]
    model = tr.model.model
    print(header("What a language detection call costs"))
    print(f"commit {git_revision()}; whisper-base, int8; mean of {REPEATS} calls\n")
    print("| stretches in the call | frames each | ms a call | ms a stretch |")
    print("|---|---|---|---|")
    for n, frames in [(1, 125), (2, 125), (8, 125), (40, 125), (64, 125), (1, encoded.shape[0])]:
        x = _storage(np.stack([encoded[:frames]] * n))
        model.detect_language(x)
        t = time.perf_counter()
        for _ in range(REPEATS):
            model.detect_language(x)
        ms = (time.perf_counter() - t) / REPEATS * 1000
        print(f"| {n} | {frames} | {ms:.1f} | {ms / n:.1f} |", flush=True)


if __name__ == "__main__":
    main()
