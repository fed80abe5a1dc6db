"""The speech model's workers: its CTranslate2 calls, a worker a core, several at once.

:class:`~interview_assist.asr.transcriber.Transcriber` loads the model with a
worker a core, one thread each, and shares each step's calls out between
them through :class:`Workers`: a decode step of whisper-base is too small to
share between two threads (benchmarks/workers.py).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

_POOL_THREADS = "interview-assist-asr"
_Job = TypeVar("_Job")
_Done = TypeVar("_Done")


class Workers:
    """``count`` calls at once, on as many threads, started on first use (shared by a
    transcriber's copies) and ended by :meth:`close`."""

    def __init__(self, count: int):
        self.count = count
        self._pool: ThreadPoolExecutor | None = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def each(
        self, work: Callable[[_Job], _Done], jobs: Sequence[_Job], *,
        weight: Callable[[_Job], int] | None = None, budget: int = 0,
    ) -> list[_Done]:
        """``work`` of every job, in order, up to :attr:`count` at once (one CTranslate2
        worker each, one thread a worker); with a ``weight``, no more jobs at once than
        weigh ``budget`` together (one always runs).

        A decode step of whisper-base is too small to share between two threads:
        two batches decoded at once on one thread each took about half the time
        of the same batches one after the other on two threads (`interview_v02`,
        63 clips: 11.2-12.0 s against 22.3-23.9 s, the same text; the encoder
        7.1-7.9 s against 8.1-8.3 s; benchmarks/workers.py). Ctrl-C stops what
        has not started; what has runs to its end (a batch, seconds). A job that
        fails stops the rest, once those running have ended.
        """
        # Inline from one of the pool's own threads: waiting there for the pool could wait forever.
        if self.count < 2 or len(jobs) < 2 or threading.current_thread().name.startswith(_POOL_THREADS):
            return [work(job) for job in jobs]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.count, thread_name_prefix=_POOL_THREADS)
        pool, weight = self._pool, weight or (lambda _: 0)
        running: dict[Future[_Done], int] = {}
        futures: list[Future[_Done]] = []
        try:
            for job in jobs:
                w = weight(job)
                while running and (len(running) >= self.count or sum(running.values()) + w > budget):
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for f in finished:
                        del running[f]
                        f.result()  # a job that failed stops the rest: raised here
                future = pool.submit(work, job)
                running[future] = w
                futures.append(future)
            return [f.result() for f in futures]
        except Exception:
            # What runs ends before the error goes on, so that the next call's budget holds.
            wait(running)
            raise
