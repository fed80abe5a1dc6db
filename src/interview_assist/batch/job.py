"""One recording of a batch, in a process of its own (``python -m interview_assist.batch.job``).

The batch worker starts this for every recording, so each recording runs
exactly as ``interview-assist transcribe`` does: a fresh process, the
speaker models in a child of it first, then the speech model. Memory is the
same for the hundredth recording as for the first, and a crash takes only
this process with it. The job's arguments come pickled on standard input;
its :class:`JobResult` goes back pickled on standard output; progress goes
to standard error as one JSON object per line.
"""

from __future__ import annotations

import json
import os
import pickle
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .. import _offline  # noqa: F401  (before any model library)
from ..errors import InterviewAssistError
from ..transcript import Transcript
from .inputs import JobOptions


@dataclass(frozen=True, slots=True)
class JobResult:
    transcript: Transcript | None
    error: str | None  # why it failed, one line
    seconds: float
    pid: int


def transcribe_one(path: str, options: JobOptions, audio_sha256: str, threads: int, progress) -> JobResult:
    """Transcribe one recording; a bad recording is a result with an error, not an exception."""
    t0 = time.perf_counter()
    try:
        from ..asr import AsrOptions
        from ..denoise import DenoiseMode
        from ..diarize import DiarizeOptions
        from ..heap import limit_heap_growth
        from ..models import ModelCatalog
        from ..names.detect import NameOptions
        from ..names.glossary import read_glossary
        from ..pipeline import PipelineOptions, transcribe

        limit_heap_growth()  # as the CLI does: keeps memory flat on long audio
        glossary = read_glossary(options.glossary) if options.glossary else ()
        pipeline_options = PipelineOptions(
            model=options.model,
            denoise=DenoiseMode(options.denoise),
            asr=AsrOptions(language=options.language, cpu_threads=threads),
            diarize=options.diarize,
            interpreter=options.interpreter,
            speakers=DiarizeOptions(
                num_speakers=options.speakers, min_speakers=options.min_speakers, max_speakers=options.max_speakers
            ),
            names=NameOptions(bias=options.bias),
            speaker_languages=options.speaker_languages,
        )
        transcript = transcribe(Path(path), pipeline_options, catalog=ModelCatalog(), glossary=glossary,
                                progress=progress)
        if audio_sha256 and transcript.audio_sha256 != audio_sha256:
            return JobResult(None, f"{path}: the file changed since the batch read it (sha256 differs)",
                             time.perf_counter() - t0, os.getpid())
        return JobResult(transcript, None, time.perf_counter() - t0, os.getpid())
    except InterviewAssistError as exc:
        return JobResult(None, str(exc), time.perf_counter() - t0, os.getpid())
    except MemoryError:
        return JobResult(None, f"{path}: out of memory", time.perf_counter() - t0, os.getpid())


def main() -> None:
    path, options, audio_sha256, threads = pickle.loads(sys.stdin.buffer.read())
    last = [0.0]

    def progress(step: str, *, completed: float, total: float | None) -> None:
        now = time.monotonic()
        if now - last[0] >= 1.0:
            last[0] = now
            print(json.dumps({"step": step, "completed": float(completed),
                              "total": None if total is None else float(total)}), file=sys.stderr, flush=True)

    result = transcribe_one(path, options, audio_sha256, threads, progress)
    sys.stdout.buffer.write(pickle.dumps(result))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    # Run the module's own copy, so that the pickled JobResult names
    # interview_assist.batch.job, not __main__.
    from interview_assist.batch.job import main as _main

    _main()
