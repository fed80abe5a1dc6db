"""Helper processes end with their parent: nothing runs on for minutes after a kill -9.

The job processes of a batch are killed by the kernel when the batch that
started them dies (PR_SET_PDEATHSIG), however it dies.
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


def _jobs_at_work(parent: psutil.Process) -> list[psutil.Process]:
    """The batch's job processes under ``parent``, once they hold more than Python itself (models loading)."""
    found = []
    for p in parent.children(recursive=True):
        try:
            if "interview_assist.batch.job" in " ".join(p.cmdline()) and p.memory_info().rss > 150 << 20:
                found.append(p)
        except psutil.NoSuchProcess:
            pass
    return found


def _gone_within(procs: list[psutil.Process], seconds: float) -> list[psutil.Process]:
    _, alive = psutil.wait_procs(procs, timeout=seconds)
    return alive


@pytest.mark.slow
def test_the_jobs_of_a_killed_batch_end_with_it(eval_dir, tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    for name in ("names_v01.wav", "names_v02.wav"):
        shutil.copy(eval_dir / "names" / name, d)
    run = _start(["batch", d, "--workers", "2", "--db", tmp_path / "s.sqlite"])
    try:
        batch = psutil.Process(run.pid)
        _wait_for(lambda: len(_jobs_at_work(batch)) == 2, 180, "both jobs at work")
        helpers = batch.children(recursive=True)
        assert len(helpers) >= 2  # the jobs (and whatever they started)
        os.kill(run.pid, signal.SIGKILL)  # the batch alone: its jobs get no word of it
        run.wait(timeout=30)
        alive = _gone_within(helpers, 10)
        assert alive == [], f"helpers ran on after the batch died: {alive}"
    finally:
        try:
            os.killpg(run.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
