"""Running a batch: on this machine (job processes of its own) or on an existing Dask cluster over TLS.

The batch process is the single writer: it checks and hashes every
recording, skips those already done with the same settings, has the rest
transcribed (:mod:`.local`: by job processes it starts itself, with no
network listener; :mod:`.cluster`: by the workers of a Dask cluster, over
mutual TLS), and stores each result as it arrives, one transaction per
recording. A job or worker never touches the store. A recording that fails,
or whose worker dies (twice, on a cluster), is reported and recorded as
failed; the others go on. Killing the batch loses only the recordings in
progress: running it again skips everything stored.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from interview_assist.audio.decode import probe
from interview_assist.batch.cluster import ClusterAccess
from interview_assist.batch.inputs import Job
from interview_assist.batch.job import JobResult
from interview_assist.core.errors import InputError, InterviewAssistError
from interview_assist.core.kernels import usable_cores
from interview_assist.store import Database
from interview_assist.store.batch import batch_item, record_done, record_failure

logger = logging.getLogger("interview_assist")


@dataclass(frozen=True, slots=True)
class BatchOptions:
    workers: int = 1
    scheduler: ClusterAccess | None = None  # a running Dask cluster; None: job processes on this machine
    threads_per_worker: int = 0  # 0: the cores shared out between local workers; every core on a cluster

    def threads(self) -> int:
        if self.threads_per_worker:
            return self.threads_per_worker
        if self.scheduler:
            return 0
        return max(usable_cores() // self.workers, 1)


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


Completed = Generator[tuple[int, "JobResult | BaseException"], None, None]


def _on_this_machine(todo: list[_Pending], options: BatchOptions, events: BatchEvents) -> Completed:
    from interview_assist.batch.local import LocalPool, LocalTask

    pool = LocalPool(options.threads())
    tasks = iter(LocalTask(n, str(p.job.path), p.job.options, p.sha256) for n, p in enumerate(todo))
    try:
        for task in tasks:
            pool.start(task)
            if pool.busy >= options.workers:
                break

        def progress(tag: int, event: dict[str, Any]) -> None:
            events.progress(str(todo[tag].job.path), event["step"], event["completed"], event["total"])

        for tag, result in pool.results(progress):
            following = next(tasks, None)
            if following is not None:
                pool.start(following)
            yield tag, result
    finally:
        pool.stop()


def _on_the_cluster(todo: list[_Pending], options: BatchOptions, events: BatchEvents) -> Completed:
    from interview_assist.batch.cluster import close, cluster_results, connect

    assert options.scheduler is not None
    client = connect(options.scheduler)
    try:
        tasks = [(n, p.key, str(p.job.path), p.job.options, p.sha256) for n, p in enumerate(todo)]
        yield from cluster_results(client, tasks, options.threads(), events.progress)
    finally:
        close(client)


def _glossary_refusal(job: Job, checked: dict[str, str | None]) -> str | None:
    """Why the job's glossary cannot be used (too large, not text, control characters...), read once per file."""
    from interview_assist.names.glossary import read_glossary

    if job.options.glossary is None:
        return None
    if job.options.glossary not in checked:
        try:
            read_glossary(job.options.glossary)
            checked[job.options.glossary] = None
        except InputError as exc:
            checked[job.options.glossary] = str(exc)
    return checked[job.options.glossary]


def _plan(db: Database, jobs: list[Job], actor: str, outcomes: list[FileOutcome], events: BatchEvents) -> list[_Pending]:
    todo: list[_Pending] = []
    glossaries: dict[str, str | None] = {}
    for job in jobs:
        if job.refused is None and (why := _glossary_refusal(job, glossaries)) is not None:
            job = job.refuse(f"{job.source}: {why}")
        try:
            if job.refused is not None:
                raise InputError(job.refused)
            info = probe(job.path)
        except InterviewAssistError as exc:
            record_failure(db, job.key(""), str(job.path), "", job.options.key_fields(), str(exc), actor=actor)
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

    dispatch = _on_the_cluster if options.scheduler is not None else _on_this_machine
    try:
        with closing(dispatch(todo, options, events)) as completed:
            for tag, result in completed:
                outcomes.append(_store(db, todo[tag], result, actor))
                events.finished(outcomes[-1])
    except KeyboardInterrupt:
        return BatchSummary(tuple(outcomes), time.perf_counter() - t0, interrupted=True)
    return BatchSummary(tuple(outcomes), time.perf_counter() - t0)


def _store(db: Database, p: _Pending, result: JobResult | BaseException, actor: str) -> FileOutcome:
    """Record what became of one recording: its draft with its batch record, or why it failed."""
    options = p.job.options.key_fields()
    if isinstance(result, BaseException):  # the worker died, or something unforeseen went wrong there
        reason = _worker_failure(result)
    elif result.error is not None:
        reason = result.error
    elif result.transcript is None or result.transcript.audio_sha256 != p.sha256:
        # The worker transcribed something else than the recording the batch hashed.
        reason = f"{p.job.path}: the result returned is not of this recording (sha256 differs); nothing was stored"
    else:
        iid = record_done(db, p.key, options, result.transcript, actor=actor)
        return FileOutcome(p.job.path, "done", iid, duration=result.transcript.duration, seconds=result.seconds)
    record_failure(db, p.key, str(p.job.path), p.sha256, options, reason, actor=actor)
    seconds = None if isinstance(result, BaseException) else result.seconds
    return FileOutcome(p.job.path, "failed", reason=reason, duration=p.duration, seconds=seconds)


def _worker_failure(exc: BaseException) -> str:
    from distributed.scheduler import KilledWorker

    if isinstance(exc, KilledWorker):
        return "the worker processing it died (a crash, or out of memory); other recordings were not affected"
    return f"unexpected error on the worker: {type(exc).__name__}: {exc}"
