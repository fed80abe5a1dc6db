"""One recording of a batch, in a process of its own (``python -m interview_assist.batch.job``).

The batch (or a Dask worker) starts this for every recording, with its own
process id as the one argument, so each recording runs
exactly as ``interview-assist transcribe`` does, in a fresh process. Memory is the
same for the hundredth recording as for the first, and a crash takes only
this process with it. The job's arguments come pickled on standard input;
its :class:`JobResult` goes back pickled on standard output; progress goes
to standard error as one JSON object per line.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from interview_assist import _offline  # noqa: F401  (before any model library)
from interview_assist.core.errors import InterviewAssistError
from interview_assist.core.lifetime import die_with_parent
from interview_assist.core.progress import ProgressHook
from interview_assist.core.transcript import Transcript
from interview_assist.pipeline.settings import RunSettings


@dataclass(frozen=True, slots=True)
class JobResult:
    transcript: Transcript | None
    error: str | None  # why it failed, one line
    seconds: float
    pid: int


def transcribe_one(
    path: str, options: RunSettings, audio_sha256: str, threads: int, progress: ProgressHook
) -> JobResult:
    """Transcribe one recording; a bad recording is a result with an error, not an exception."""
    t0 = time.perf_counter()
    try:
        from interview_assist.core.models import ModelCatalog
        from interview_assist.names.glossary import read_glossary
        from interview_assist.pipeline.run import PipelineOptions, transcribe

        glossary = read_glossary(options.glossary) if options.glossary else ()
        pipeline_options = PipelineOptions.from_settings(options, cpu_threads=threads)
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
    # Ends with the process that started it (a batch, a Dask worker), killed or not; and a
    # Ctrl-C in the terminal is for that process to act on, not for each job.
    die_with_parent(int(sys.argv[1]))
    signal.signal(signal.SIGINT, signal.SIG_IGN)
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
