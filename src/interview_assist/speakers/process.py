"""Diarization in a process of its own, run before the speech recogniser loads.

torch and pyannote.audio stay resident once imported (about 840 MiB of
PyPI's CUDA build before any model). In a child process they are gone when
it ends, so the speech and speaker stacks never share a process, and the
memory of the two together is at most the larger of them plus the small
parent. The child decodes the recording itself, block by block, and sends
back the turns, its progress and any error through a pipe; nothing is
written to disk.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
from dataclasses import dataclass
from pathlib import Path

from interview_assist.core.errors import InterviewAssistError, ModelError
from interview_assist.core.progress import ProgressHook
from interview_assist.core.spans import samples_to_seconds
from interview_assist.core.transcript import Diarization, ModelUsed
from interview_assist.speakers.options import DiarizeOptions


@dataclass(frozen=True, slots=True)
class DiarizationRun:
    diarization: Diarization
    models: tuple[ModelUsed, ...]
    seconds_fed: float  # audio the child decoded, to check against the transcribed length


def _child(
    conn: multiprocessing.connection.Connection, path: str, speakers: DiarizeOptions, counts: DiarizeOptions, models_dir: str | None, threads: int
) -> None:
    # The parent decides what a Ctrl-C means; the child just stops with it.
    try:
        from interview_assist.audio.decode import stream
        from interview_assist.core.heap import limit_heap_growth
        from interview_assist.core.models import ModelCatalog
        from interview_assist.speakers.diarize import Diarizer

        # torch allocates and frees large tensors for every window: a high mmap
        # threshold keeps that fast (see pipeline._diarize).
        limit_heap_growth(mmap_threshold=32 << 20, trim_threshold=64 << 20)
        if threads:
            import torch

            torch.set_num_threads(threads)

        def progress(step: str, *, completed: float, total: float | None) -> None:
            conn.send(("progress", step, float(completed), None if total is None else float(total)))

        progress("load diarization models", completed=0, total=None)
        diarizer = Diarizer(ModelCatalog(Path(models_dir) if models_dir else None), speakers)
        total = None
        run = diarizer.stream(counts, progress=progress, total=total)
        fed = 0
        for block in stream(path):
            run.feed(block)
            fed += block.size
        result = run.finish()
        models = tuple(ModelUsed(spec.name, spec.sha256) for spec in diarizer.models)
        conn.send(("done", DiarizationRun(result, models, samples_to_seconds(fed))))
    except KeyboardInterrupt:
        conn.send(("interrupted",))
    except InterviewAssistError as exc:
        conn.send(("error", exc))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which translates it
        conn.send(("crash", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


class DiarizationChild:
    """A diarization running in a process of its own: started at once, its result taken later.

    The caller may do other work meanwhile (finding speech, loading what the
    speech pass needs) and call :meth:`poll` now and then to pass on the
    child's progress; :meth:`result` waits for the end. Leaving the ``with``
    block without a result (an error, a Ctrl-C) stops the child.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        speakers: DiarizeOptions,
        counts: DiarizeOptions,
        *,
        models_dir: Path | None,
        total: float | None,
        threads: int = 0,
    ) -> None:
        self._total = total
        self._result: DiarizationRun | None = None
        ctx = multiprocessing.get_context("spawn")
        self._conn, child = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(
            target=_child, args=(child, str(path), speakers, counts, str(models_dir) if models_dir else None, threads),
            name="interview-assist-diarize", daemon=True,
        )
        self._proc.start()
        child.close()

    def __enter__(self) -> DiarizationChild:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def poll(self, progress: ProgressHook) -> bool:
        """Pass on what the child has said so far, without waiting; True once it is done."""
        while self._result is None and self._conn.poll():
            self._receive(progress)
        return self._result is not None

    def result(self, progress: ProgressHook) -> DiarizationRun:
        """Wait for the turns; raises what the child raised, or ``KeyboardInterrupt``."""
        while self._result is None:
            self._receive(progress)
        return self._result

    def _receive(self, progress: ProgressHook) -> None:
        try:
            message = self._conn.recv()
        except EOFError:
            self._proc.join()
            raise ModelError(
                f"the diarization process ended unexpectedly (exit code {self._proc.exitcode}); "
                "nothing was stored"
            ) from None
        kind = message[0]
        if kind == "progress":
            step, completed, child_total = message[1:]
            progress(step, completed=completed, total=child_total if child_total is not None else self._total)
        elif kind == "done":
            self._result = message[1]
        elif kind == "error":
            raise message[1]
        elif kind == "interrupted":
            raise KeyboardInterrupt
        else:
            raise ModelError(f"diarization failed: {message[1]}")

    def close(self) -> None:
        """Stop the child if it still runs, and wait for it to end."""
        if self._proc.is_alive() and self._result is None:
            assert self._proc.pid is not None  # a started process has its id
            os.kill(self._proc.pid, signal.SIGTERM)
        self._proc.join(timeout=30)
        self._conn.close()


def diarize_in_child(
    path: str | os.PathLike[str],
    speakers: DiarizeOptions,
    counts: DiarizeOptions,
    *,
    models_dir: Path | None,
    progress: ProgressHook,
    total: float | None,
    threads: int = 0,
) -> DiarizationRun:
    """Diarize ``path`` in a fresh process (``threads`` CPU threads, 0: all) and wait for it; raises what
    the child raised, or ``KeyboardInterrupt``."""
    with DiarizationChild(path, speakers, counts, models_dir=models_dir, total=total, threads=threads) as child:
        return child.result(progress)
