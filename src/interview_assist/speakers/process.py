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
    conn, path: str, speakers: DiarizeOptions, counts: DiarizeOptions, models_dir: str | None, threads: int
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
    """Diarize ``path`` in a fresh process (``threads`` CPU threads, 0: all); raises what the child
    raised, or ``KeyboardInterrupt``."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(
        target=_child, args=(child, str(path), speakers, counts, str(models_dir) if models_dir else None, threads),
        name="interview-assist-diarize", daemon=True,
    )
    proc.start()
    child.close()
    try:
        while True:
            try:
                message = parent.recv()
            except EOFError:
                proc.join()
                raise ModelError(
                    f"the diarization process ended unexpectedly (exit code {proc.exitcode}); "
                    "nothing was stored"
                ) from None
            kind = message[0]
            if kind == "progress":
                step, completed, child_total = message[1:]
                progress(step, completed=completed, total=child_total if child_total is not None else total)
            elif kind == "done":
                return message[1]
            elif kind == "error":
                raise message[1]
            elif kind == "interrupted":
                raise KeyboardInterrupt
            else:
                raise ModelError(f"diarization failed: {message[1]}")
    except BaseException:
        if proc.is_alive():
            os.kill(proc.pid, signal.SIGTERM)
        raise
    finally:
        proc.join(timeout=30)
        parent.close()
