"""What a batch worker does with one recording: run it as a job process, report, return.

Runs in the batch process itself (:mod:`.local`) or inside a Dask worker
(:func:`run_job`). Each recording gets a fresh process
(:mod:`.job`), so a worker holds no model between recordings, its memory
does not grow from one to the next, and a crash or an out-of-memory kill of
one recording is reported as that recording's failure. Results go back to
the batch's single writer; neither the worker nor the job opens the store.
"""

from __future__ import annotations

import json
import os
import pickle
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

from interview_assist.batch.job import JobResult
from interview_assist.core.kernels import usable_cores
from interview_assist.pipeline.settings import RunSettings

PROGRESS_TOPIC = "interview-assist-progress"


def _reporter(path: str) -> Callable[[dict[str, Any]], None]:
    """Forward a job's progress lines to the batch client as Dask events, when run by Dask."""
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return lambda event: None
    return lambda event: worker.log_event(PROGRESS_TOPIC, {"path": path, **event})


# Dask starts its workers with these set to 1. The BLAS behind numpy
# follows them, and the log-mel features Whisper decodes from are a numpy
# product: with one thread their last bits differ from the CLI's, and a
# decode with hotwords came out different ("native birth" for "date of
# birth"). A job computes with the threads it was given, as `transcribe` does.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# Dask's nanny also sets glibc's trim threshold to 64 KiB for its workers, and a job
# inherited it: the heap was given back to the system after almost every free, and a
# recording took 1.6-1.8 times as long (interview_v01: 30-33 s against 18-20 s). A job
# keeps glibc's own malloc policy, as `transcribe` does (see core/heap.py).
DASK_MALLOC_VARIABLES = ("MALLOC_TRIM_THRESHOLD_",)


def job_environment(threads: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in DASK_MALLOC_VARIABLES}
    count = str(threads or usable_cores())
    for name in THREAD_VARIABLES:
        env[name] = count
    return env


def start_job(threads: int) -> subprocess.Popen[bytes]:
    """Start a job process; call from a thread that lives until the job is collected (it dies with it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "interview_assist.batch.job", str(os.getpid())],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=job_environment(threads),
    )


def collect_job(
    proc: subprocess.Popen[bytes], path: str, options: RunSettings, audio_sha256: str, threads: int,
    report: Callable[[dict[str, Any]], None],
) -> JobResult:
    """Give the job its recording, pass on its progress lines to ``report``, and return its result."""
    tail: list[str] = []

    def read_progress() -> None:
        assert proc.stderr is not None
        for raw in proc.stderr:
            line = raw.decode("utf-8", "replace").strip()
            try:
                report(json.loads(line))
            except ValueError:
                tail[:] = (tail + [line])[-5:]  # not progress: keep the last lines for the error message

    reader = threading.Thread(target=read_progress, daemon=True)
    reader.start()
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(pickle.dumps((path, options, audio_sha256, threads)))
        proc.stdin.close()
    except BrokenPipeError:  # the job died at start; its exit code says how
        pass
    payload = proc.stdout.read()
    proc.wait()
    reader.join(timeout=5)
    if proc.returncode == 0 and payload:
        result: JobResult = pickle.loads(payload)
        return result
    if proc.returncode < 0:
        why = f"the transcription process was killed by signal {-proc.returncode}" + (
            " (out of memory?)" if -proc.returncode == signal.SIGKILL else "")
    else:
        why = f"the transcription process failed (exit code {proc.returncode})"
    detail = f": {tail[-1]}" if tail else ""
    return JobResult(None, f"{path}: {why}{detail}", 0.0, proc.pid)


def run_job(path: str, options: RunSettings, audio_sha256: str, threads: int = 0) -> JobResult:
    """On a Dask worker: transcribe one recording in its own process; a failure is a result, not an exception."""
    return collect_job(start_job(threads), path, options, audio_sha256, threads, _reporter(path))
