"""Running a batch on this machine: up to N job processes at once, and no network listener at all.

Every recording already runs in a job process of its own (:mod:`.job`);
here the batch process starts them itself, ``--workers`` at a time, and
talks to each through its pipes. Nothing listens on a port, so no other
user of the machine can connect to the batch, and it runs the same with
networking switched off. Each job ends with the batch (it is tied to the
main thread that starts it) and ignores the terminal's Ctrl-C, which the
batch acts on by stopping them. Their progress and results reach the
caller in the calling thread, through one queue.
"""

from __future__ import annotations

import logging
import queue
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, cast

from interview_assist.batch.job import JobResult
from interview_assist.batch.worker import collect_job, start_job
from interview_assist.pipeline.settings import RunSettings

logger = logging.getLogger("interview_assist")


@dataclass(frozen=True, slots=True)
class LocalTask:
    tag: int
    path: str
    options: RunSettings
    audio_sha256: str


class LocalPool:
    """Job processes run from this process; :meth:`results` yields each one's result as it ends."""

    def __init__(self, threads: int) -> None:
        self._threads = threads
        self._events: queue.Queue[tuple[str, int, object]] = queue.Queue()
        self._running: dict[int, subprocess.Popen[bytes]] = {}

    @property
    def busy(self) -> int:
        return len(self._running)

    def start(self, task: LocalTask) -> None:
        proc = start_job(self._threads)  # in the calling thread, which the job's life is tied to
        self._running[task.tag] = proc

        def watch() -> None:
            try:
                result = collect_job(proc, task.path, task.options, task.audio_sha256, self._threads,
                                     lambda event: self._events.put(("progress", task.tag, event)))
            except Exception as exc:  # noqa: BLE001 - reported as this recording's failure
                result = JobResult(None, f"{task.path}: the transcription process could not be run "
                                         f"({type(exc).__name__}: {exc})", 0.0, proc.pid)
            self._events.put(("done", task.tag, result))

        threading.Thread(target=watch, name=f"batch-job-{task.tag}", daemon=True).start()

    def results(self, progress: Callable[[int, dict[str, Any]], None]) -> Iterator[tuple[int, JobResult]]:
        """(tag, result) of each job as it ends, until none runs; progress passed on meanwhile."""
        while self._running:
            try:
                kind, tag, payload = self._events.get(timeout=0.5)  # a timeout keeps Ctrl-C prompt
            except queue.Empty:
                continue
            if kind == "progress":
                progress(tag, cast(dict[str, Any], payload))
            else:
                self._running.pop(tag, None)
                yield tag, cast(JobResult, payload)

    def stop(self) -> None:
        """Stop the jobs still running (an interrupted batch): nothing of theirs is stored."""
        for proc in self._running.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self._running.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._running.clear()
