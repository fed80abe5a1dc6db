"""Running a batch on Dask: a local cluster of worker processes, or an existing cluster.

The client (this process) is the single writer: it checks and hashes every
recording, skips those already done with the same settings, sends the rest
to the workers, and stores each result as it arrives, one transaction per
recording. A worker never touches the store. A recording that fails, or
whose worker dies (twice), is reported and recorded as failed; the others
go on. Killing the batch loses only the recordings in progress: running
it again skips everything stored.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from interview_assist.audio.decode import probe
from interview_assist.batch.inputs import Job
from interview_assist.batch.job import JobResult
from interview_assist.batch.worker import PROGRESS_TOPIC, run_job
from interview_assist.core.errors import InputError, InterviewAssistError
from interview_assist.store import Database
from interview_assist.store.batch import batch_item, record_done, record_failure

logger = logging.getLogger("interview_assist")


@dataclass(frozen=True, slots=True)
class BatchOptions:
    workers: int = 1
    scheduler: str | None = None  # address of a running Dask scheduler; None: a local cluster
    threads_per_worker: int = 0  # 0: the cores shared out between local workers; every core on a cluster

    def threads(self) -> int:
        if self.threads_per_worker:
            return self.threads_per_worker
        if self.scheduler:
            return 0
        return max((os.cpu_count() or 1) // self.workers, 1)


@dataclass(frozen=True, slots=True)
class FileOutcome:
    path: Path
    status: str  # done | skipped | failed
    interview_id: int | None = None
    reason: str | None = None
    duration: float | None = None  # seconds of audio
    seconds: float | None = None  # seconds of work on a worker


@dataclass(frozen=True, slots=True)
class BatchSummary:
    outcomes: tuple[FileOutcome, ...]
    wall_seconds: float
    interrupted: bool = False

    def of(self, status: str) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def audio_seconds_done(self) -> float:
        return sum(o.duration or 0.0 for o in self.of("done"))


@dataclass
class _Pending:
    job: Job
    sha256: str
    duration: float | None
    key: str


@dataclass
class BatchEvents:
    """What the caller is told as the batch goes (all optional)."""

    planned: Callable[[int, int, float], None] = lambda todo, skipped, seconds: None
    finished: Callable[[FileOutcome], None] = lambda outcome: None
    progress: Callable[[str, str, float, float | None], None] = lambda path, step, done, total: None


def _client(options: BatchOptions):
    import dask
    from distributed import Client, LocalCluster

    # A recording whose worker dies is tried once more, elsewhere, then reported. A worker
    # holds one recording at a time, so a crash takes no other recording with it.
    dask.config.set({"distributed.scheduler.allowed-failures": 1, "distributed.scheduler.worker-saturation": 1.0})
    # The scheduler of a local cluster runs in this process: keep its chatter off the operator's screen.
    logging.getLogger("distributed").setLevel(logging.ERROR)
    if options.scheduler:
        return Client(options.scheduler, timeout="20s"), None
    # A Ctrl-C in the terminal goes to every process of the group. The worker
    # processes start with it ignored (an ignored signal stays ignored in a
    # child), so only this process handles it and stops them in order, rather
    # than each dying with a traceback on the operator's screen.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        cluster = LocalCluster(
            n_workers=options.workers, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None, silence_logs=logging.ERROR,
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    return Client(cluster), cluster


def _plan(db: Database, jobs: list[Job], actor: str, outcomes: list[FileOutcome], events: BatchEvents) -> list[_Pending]:
    todo: list[_Pending] = []
    for job in jobs:
        options = job.options.key_fields()
        try:
            info = probe(job.path)
        except InterviewAssistError as exc:
            key = job.key("")
            record_failure(db, key, str(job.path), "", options, str(exc), actor=actor)
            outcomes.append(FileOutcome(job.path, "failed", reason=str(exc)))
            events.finished(outcomes[-1])
            continue
        key = job.key(info.sha256)
        done = batch_item(db, key)
        if done is not None and done.status == "done" and done.interview_id is not None:
            outcomes.append(FileOutcome(job.path, "skipped", done.interview_id, "already done with the same settings",
                                        info.declared_duration))
            events.finished(outcomes[-1])
            continue
        todo.append(_Pending(job, info.sha256, info.declared_duration, key))
    return todo


def run_batch(
    db: Database, jobs: list[Job], options: BatchOptions = BatchOptions(), *, actor: str,
    events: BatchEvents | None = None,
) -> BatchSummary:
    """Transcribe ``jobs`` into the store; every file ends done, skipped or failed."""
    if options.workers < 1:
        raise InputError("--workers must be at least 1")
    events = events or BatchEvents()
    t0 = time.perf_counter()
    outcomes: list[FileOutcome] = []
    todo = _plan(db, jobs, actor, outcomes, events)
    events.planned(len(todo), len(outcomes), sum(p.duration or 0.0 for p in todo))
    if not todo:
        return BatchSummary(tuple(outcomes), time.perf_counter() - t0)

    from distributed import as_completed
    from distributed.client import FutureCancelledError

    client, cluster = _client(options)
    try:
        client.subscribe_topic(
            PROGRESS_TOPIC, lambda event: events.progress(
                event[1]["path"], event[1]["step"], event[1]["completed"], event[1]["total"])
        )
        # One recording per worker thread at a time, the rest kept here: a worker
        # that dies takes only its own recording with it, and an interrupted batch
        # has little in flight.
        queue = iter(enumerate(todo))
        futures: dict = {}

        def submit_next() -> None:
            item = next(queue, None)
            if item is not None:
                n, p = item
                f = client.submit(run_job, str(p.job.path), p.job.options, p.sha256, options.threads(),
                                  key=f"transcribe-{n}-{p.key[:12]}", pure=False)
                futures[f.key] = (f, p)
                running.add(f)

        running = as_completed()
        for _ in range(max(sum(client.nthreads().values()), 1)):
            submit_next()
        for future in running:
            submit_next()
            _, p = futures.pop(future.key)
            options_record = p.job.options.key_fields()
            try:
                result: JobResult = future.result()
            except FutureCancelledError:
                continue
            except Exception as exc:  # the worker died, or something unforeseen went wrong there
                reason = _worker_failure(exc)
                record_failure(db, p.key, str(p.job.path), p.sha256, options_record, reason, actor=actor)
                outcome = FileOutcome(p.job.path, "failed", reason=reason, duration=p.duration)
            else:
                if result.error is not None:
                    record_failure(db, p.key, str(p.job.path), p.sha256, options_record, result.error, actor=actor)
                    outcome = FileOutcome(p.job.path, "failed", reason=result.error, duration=p.duration,
                                          seconds=result.seconds)
                else:
                    t = result.transcript
                    assert t is not None  # a job without an error has its transcript
                    iid = record_done(db, p.key, options_record, t, actor=actor)
                    outcome = FileOutcome(p.job.path, "done", iid, duration=t.duration, seconds=result.seconds)
            future.release()
            outcomes.append(outcome)
            events.finished(outcome)
    except KeyboardInterrupt:
        return BatchSummary(tuple(outcomes), time.perf_counter() - t0, interrupted=True)
    finally:
        _shutdown(client, cluster)
    return BatchSummary(tuple(outcomes), time.perf_counter() - t0)


def _worker_failure(exc: BaseException) -> str:
    from distributed.scheduler import KilledWorker

    if isinstance(exc, KilledWorker):
        return "the worker processing it died (a crash, or out of memory); other recordings were not affected"
    return f"unexpected error on the worker: {type(exc).__name__}: {exc}"


def _shutdown(client, cluster) -> None:
    try:
        client.close(timeout=10)
    except Exception:  # noqa: BLE001 - closing after an interrupt or a dead cluster
        pass
    if cluster is not None:
        try:
            cluster.close(timeout=10)
        except Exception:  # noqa: BLE001
            pass
