"""What a batch worker does with one recording: run it as a job process, report, return.

Runs inside a Dask worker. Each recording gets a fresh process
(:mod:`.job`), so a worker holds no model between recordings, its memory
does not grow from one to the next, and a crash or an out-of-memory kill of
one recording is reported as that recording's failure. Results go back to
the batch's single writer; neither the worker nor the job opens the store.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import pickle
import signal
import subprocess
import sys
import threading

from interview_assist.batch.job import JobResult
from interview_assist.pipeline.settings import RunSettings

PROGRESS_TOPIC = "interview-assist-progress"


def _die_with_parent() -> None:
    """In the job process: be killed when the worker that started it dies (Linux)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError, TypeError):
        pass


def _reporter(path: str):
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


def job_environment(threads: int) -> dict[str, str]:
    env = dict(os.environ)
    for name in THREAD_VARIABLES:
        env[name] = str(threads or os.cpu_count() or 1)
    return env


def run_job(path: str, options: RunSettings, audio_sha256: str, threads: int = 0) -> JobResult:
    """Transcribe one recording in its own process; a failure is a result with an error, not an exception."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "interview_assist.batch.job"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=_die_with_parent,
        env=job_environment(threads),
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None  # all three are pipes
    stdin, stdout, stderr = proc.stdin, proc.stdout, proc.stderr
    report = _reporter(path)
    tail: list[str] = []

    def read_progress() -> None:
        for raw in stderr:
            line = raw.decode("utf-8", "replace").strip()
            try:
                report(json.loads(line))
            except ValueError:
                tail[:] = (tail + [line])[-5:]  # not progress: keep the last lines for the error message

    reader = threading.Thread(target=read_progress, daemon=True)
    reader.start()
    stdin.write(pickle.dumps((path, options, audio_sha256, threads)))
    stdin.close()
    payload = stdout.read()
    proc.wait()
    reader.join(timeout=5)
    if proc.returncode == 0 and payload:
        return pickle.loads(payload)
    if proc.returncode < 0:
        why = f"the transcription process was killed by signal {-proc.returncode}" + (
            " (out of memory?)" if -proc.returncode == signal.SIGKILL else "")
    else:
        why = f"the transcription process failed (exit code {proc.returncode})"
    detail = f": {tail[-1]}" if tail else ""
    return JobResult(None, f"{path}: {why}{detail}", 0.0, proc.pid)
