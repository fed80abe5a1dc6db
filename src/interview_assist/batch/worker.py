"""The work one batch worker does for one recording; runs in the worker's own process.

Each recording goes through the same pipeline as ``interview-assist
transcribe``. The speech model is loaded for each recording and released
before diarization; the gazetteer and the (small) speaker models are loaded
once per worker and reused, diarizing in the worker itself (a Dask worker
may not start processes of its own). A worker's memory does not grow from
one recording to the next. Results go back to the batch's single
writer; a worker never opens the store.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from .. import _offline  # noqa: F401  (before any model library)
from ..errors import InterviewAssistError
from ..transcript import Transcript
from .inputs import JobOptions

_gazetteer = None
_diarizers: dict = {}


@dataclass(frozen=True, slots=True)
class JobResult:
    transcript: Transcript | None
    error: str | None  # why it failed, one line
    seconds: float
    worker_pid: int


def _torch_threads(threads: int) -> None:
    """The diarization's share of the cores (torch is imported only when it runs)."""
    if threads:
        import torch

        torch.set_num_threads(threads)


PROGRESS_TOPIC = "interview-assist-progress"


def _progress_to_client(path: str):
    """A progress hook that reports to the batch client (at most once a second), when run by Dask."""
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return None
    last = [0.0]

    def hook(step: str, *, completed: float, total: float | None) -> None:
        now = time.monotonic()
        if now - last[0] >= 1.0:
            last[0] = now
            worker.log_event(PROGRESS_TOPIC, {
                "path": path, "step": step, "completed": float(completed),
                "total": None if total is None else float(total),
            })

    return hook


def run_job(path: str, options: JobOptions, audio_sha256: str, threads: int = 0) -> JobResult:
    """Transcribe one recording; a bad recording is a result with an error, not an exception."""
    global _gazetteer
    t0 = time.perf_counter()
    from ..progress import no_progress

    progress = _progress_to_client(path) or no_progress
    try:
        from ..asr import AsrOptions
        from ..denoise import DenoiseMode
        from ..diarize import DiarizeOptions
        from ..heap import limit_heap_growth
        from ..models import ModelCatalog
        from ..names.detect import NameOptions
        from ..names.gazetteer import Gazetteer
        from ..names.glossary import read_glossary
        from ..pipeline import PipelineOptions, transcribe

        limit_heap_growth()  # as the CLI does: keeps memory flat on long audio
        if options.diarize:
            _torch_threads(threads)
        if _gazetteer is None:
            _gazetteer = Gazetteer.load()
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
        )
        catalog = ModelCatalog()
        diarizer = None
        if options.diarize:
            from ..diarize import Diarizer

            if pipeline_options.speakers not in _diarizers:
                _diarizers[pipeline_options.speakers] = Diarizer(catalog, pipeline_options.speakers)
            diarizer = _diarizers[pipeline_options.speakers]
        transcript = transcribe(Path(path), pipeline_options, catalog=catalog, gazetteer=_gazetteer,
                                glossary=glossary, diarizer=diarizer, progress=progress)
        if audio_sha256 and transcript.audio_sha256 != audio_sha256:
            return JobResult(None, f"{path}: the file changed since the batch read it (sha256 differs)",
                             time.perf_counter() - t0, os.getpid())
        return JobResult(transcript, None, time.perf_counter() - t0, os.getpid())
    except InterviewAssistError as exc:
        return JobResult(None, str(exc), time.perf_counter() - t0, os.getpid())
    except MemoryError:
        return JobResult(None, f"{path}: out of memory", time.perf_counter() - t0, os.getpid())
