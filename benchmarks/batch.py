"""Batch throughput (audio hours per wall-clock hour) and memory per worker.

Three runs over the same set of distinct real recordings, each into a fresh
store, side by side in one invocation:

- 1 worker on this machine (`--workers 1`, all cores to it);
- 2 workers on this machine (`--workers 2`, the cores shared out);
- a local cluster: a Dask scheduler and two worker processes started as
  separate processes, as on other machines, used with `--scheduler`.

The CLI is run as an operator would, diarization on (the default). A
sampler reads the resident memory of every worker process every 0.5 s; the
peak of each worker is reported per recording it finished, in order, which
shows whether memory grows from one recording to the next.

Usage: python benchmarks/batch.py [--passes 2] [--no-diarize]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import EVAL, REPO, header  # noqa: E402

from interview_assist.core.kernels import usable_cores  # noqa: E402

CLI = [sys.executable, "-m", "interview_assist"]


def recordings(dest: Path, passes: int) -> float:
    """The distinct real recordings, ``passes`` times over, in ``dest``; returns their total seconds.

    Each further pass is the same audio at a gain of 0.999 (a different sha256,
    so the batch does not skip it, and the same work): memory in a later pass
    can be compared with the first, recording by recording.
    """
    import soundfile as sf

    from interview_assist.audio.decode import load

    files = sorted((EVAL / "interviews").glob("*.flac")) + sorted((EVAL / "names").glob("*.wav")) + sorted(
        (EVAL / "asr").glob("fleurs-*.ogg")
    )
    total = 0.0
    for k in range(passes):
        for f in files:
            audio = load(f)
            sf.write(dest / f"pass{k + 1}-{f.stem}.flac", audio * (0.999**k), 16000, subtype="PCM_16")
            total += audio.size / 16000
    return total


class Sampler:
    """Memory of each batch worker every 0.5 s: the Dask worker process plus everything under it
    (the job process of the recording in progress and its diarization child), summed. On this
    machine the batch process is the parent of its job processes: a worker is then a job process
    (one recording) with its children."""

    def __init__(self, roots: list[int]):
        self.roots = roots
        self.workers: set[int] = set()
        self.per_job = False
        self.samples: list[tuple[float, int, int]] = []  # (time, worker pid, summed rss)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _procs(self):
        procs = []
        for root in self.roots:
            try:
                procs += psutil.Process(root).children(recursive=True)
            except psutil.NoSuchProcess:
                pass
        return procs

    def _run(self) -> None:
        while not self._stop.is_set():
            now = time.monotonic()
            procs = self._procs()
            for p in procs:  # a worker is the parent of a job process
                try:
                    if "interview_assist.batch.job" in " ".join(p.cmdline()):
                        self.per_job = p.ppid() in self.roots
                        self.workers.add(p.pid if self.per_job else p.ppid())
                except psutil.Error:
                    pass
            for pid in self.workers:
                try:
                    w = psutil.Process(pid)
                    total = sum(x.memory_info().rss for x in [w, *w.children(recursive=True)])
                except psutil.Error:
                    continue
                self.samples.append((now, pid, total))
            time.sleep(0.5)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def first_seen(self, pid: int) -> float:
        return min(t for t, p, _ in self.samples if p == pid)

    def peaks(self) -> dict[int, int]:
        out: dict[int, int] = {}
        for _, pid, rss in self.samples:
            out[pid] = max(out.get(pid, 0), rss)
        return out

    def per_window(self, pid: int, ends: list[float]) -> list[int]:
        """Peak of ``pid``'s summed memory between consecutive times in ``ends``."""
        peaks, start = [], 0.0
        for end in ends:
            window = [rss for t, p, rss in self.samples if p == pid and start <= t <= end]
            peaks.append(max(window) if window else 0)
            start = end
        return peaks


def run(args: list[str], worker_roots: list[int] | None = None) -> tuple[float, str, Sampler]:
    """Run the batch CLI; sample the workers under it, or under ``worker_roots`` (a cluster's nannies)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([*CLI, *args], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    finished: list[float] = []
    with Sampler(worker_roots or [proc.pid]) as sampler:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("done "):
                finished.append(time.monotonic())
        proc.wait()
    sampler.finished = finished
    if proc.returncode:
        raise SystemExit(f"batch failed ({proc.returncode}): {''.join(lines)[-2000:]} {proc.stderr.read()[-2000:]}")
    return time.perf_counter() - t0, "".join(lines), sampler


def worker_rows(name: str, sampler: Sampler) -> list[str]:
    peaks = sampler.peaks()
    if sampler.per_job:  # the batch's own job processes: one per recording
        series = [peaks[pid] >> 20 for pid in sorted(peaks, key=sampler.first_seen)]
        return [f"- {name}: peak {max(series)} MiB; per recording (the job process and its children), "
                f"in the order they started (MiB): {', '.join(map(str, series))}"]
    rows = []
    for pid, peak in sorted(sampler.peaks().items()):
        series = [r >> 20 for r in sampler.per_window(pid, sampler.finished) if r]
        rows.append(f"- {name}, worker {pid}: peak {peak >> 20} MiB (the worker and its job processes together); "
                    f"peak between consecutive finished recordings (MiB): {', '.join(map(str, series))}")
    return rows


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-diarize", action="store_true")
    ap.add_argument("--passes", type=int, default=2, help="times over the set of recordings")
    args = ap.parse_args()
    extra = ["--no-diarize"] if args.no_diarize else []
    results, memory = [], []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        src = tmp / "recordings"
        src.mkdir()
        seconds = recordings(src, args.passes)
        n = len(list(src.iterdir()))
        for label, opts in (("1 worker (this machine)", ["--workers", "1"]), ("2 workers (this machine)", ["--workers", "2"])):
            wall, out, sampler = run(["batch", str(src), *opts, *extra, "--db", str(tmp / f"{opts[1]}.sqlite")])
            results.append((label, wall))
            memory += worker_rows(label, sampler)
        # A local cluster: scheduler and workers as separate processes.
        port = free_port()
        address = f"tcp://127.0.0.1:{port}"
        dask = str(Path(sys.executable).with_name("dask"))
        procs = [subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)]
        threads = max(usable_cores() // 2, 1)
        for name in ("w1", "w2"):
            procs.append(subprocess.Popen(
                [dask, "worker", address, "--nthreads", "1", "--name", name, "--no-dashboard",
                 "--local-directory", str(tmp / name)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        try:
            from distributed import Client

            with Client(address, timeout="60s") as c:
                c.wait_for_workers(2, timeout=120)
            wall, out, sampler = run(["batch", str(src), "--scheduler", address, "--insecure", "--threads-per-worker", str(threads),
                                      *extra, "--db", str(tmp / "cluster.sqlite")], worker_roots=[p.pid for p in procs[1:]])
            results.append(("local cluster: scheduler + 2 workers (separate processes)", wall))
            memory += worker_rows("local cluster", sampler)
        finally:
            for p in procs:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
    print(header("Batch throughput and memory per worker"))
    print(f"{n} recordings ({seconds / 60:.1f} min of audio): the two interview mixtures, the three "
          f"names dialogues and ten FLEURS clips, {args.passes} times over (each further pass at a gain of 0.999, "
          f"so that it is new to the batch); diarization {'off' if args.no_diarize else 'on'}; "
          "whisper-base; each run into a fresh store; runs one after the other in one invocation.\n")
    print("| run | wall time (s) | audio hours per wall-clock hour |")
    print("|---|---|---|")
    for label, wall in results:
        print(f"| {label} | {wall:.0f} | {seconds / wall:.2f} |")
    print()
    print("\n".join(memory))


if __name__ == "__main__":
    main()
