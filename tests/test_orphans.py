"""Helper processes end with their parent: nothing runs on for minutes after a kill -9.

The diarization child of ``transcribe``, and the job processes of a batch
(with their own diarization children), are killed by the kernel when the
process that started them dies (PR_SET_PDEATHSIG), however it dies.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time

import psutil
import pytest

from .conftest import CLI, REPO


def _start(args: list) -> subprocess.Popen:
    return subprocess.Popen([*CLI, *map(str, args)], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def _wait_for(predicate, timeout: float, what: str):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = predicate()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _diarization_children(parent: psutil.Process) -> list[psutil.Process]:
    """The spawned diarization processes under ``parent`` (once they import more than Python itself)."""
    found = []
    for p in parent.children(recursive=True):
        try:
            if "multiprocessing.spawn" in " ".join(p.cmdline()) and p.memory_info().rss > 150 << 20:
                found.append(p)
        except psutil.NoSuchProcess:
            pass
    return found


def _gone_within(procs: list[psutil.Process], seconds: float) -> list[psutil.Process]:
    _, alive = psutil.wait_procs(procs, timeout=seconds)
    return alive


@pytest.mark.slow
def test_the_diarization_child_ends_when_transcribe_is_killed(eval_dir, tmp_path):
    run = _start(["transcribe", eval_dir / "names" / "names_v01.wav", "--db", tmp_path / "s.sqlite"])
    try:
        parent = psutil.Process(run.pid)
        children = _wait_for(lambda: _diarization_children(parent), 120, "the diarization child at work")
        os.kill(run.pid, signal.SIGKILL)  # the parent alone, as the OOM killer would
        run.wait(timeout=30)
        alive = _gone_within(children, 5)
        assert alive == [], f"the diarization child ran on after its parent died: {alive}"
    finally:  # whatever is left of the session (an orphan that ran on)
        try:
            os.killpg(run.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.mark.slow
def test_the_jobs_of_a_killed_batch_end_with_it(eval_dir, tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    for name in ("names_v01.wav", "names_v02.wav"):
        shutil.copy(eval_dir / "names" / name, d)
    run = _start(["batch", d, "--workers", "2", "--db", tmp_path / "s.sqlite"])
    try:
        batch = psutil.Process(run.pid)
        _wait_for(lambda: _diarization_children(batch), 180, "a job's diarization child at work")
        helpers = batch.children(recursive=True)
        assert len(helpers) >= 2  # the jobs and their diarization children
        os.kill(run.pid, signal.SIGKILL)  # the batch alone: its jobs get no word of it
        run.wait(timeout=30)
        alive = _gone_within(helpers, 10)
        assert alive == [], f"helpers ran on after the batch died: {alive}"
    finally:
        try:
            os.killpg(run.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
