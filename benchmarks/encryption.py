"""What encrypting the store costs: a plain store (the code before encryption) and an encrypted one, side by side.

``--base`` is a checkout of the commit before the store was encrypted (its
``src`` goes first on PYTHONPATH, as in benchmarks/speed.py); this checkout's
code is the encrypted side. Each measurement runs in a fresh process, the two
sides alternating, so that the load of a shared machine falls on both alike:

1. the store's part of ``transcribe`` and of a review, in process, on the
   3-hour interview of benchmarks/tui.py (2,500 segments, 25,000 words):
   opening a new store, storing the draft (``save_transcript``), reading it
   back (``load_interview``), validating every segment (one transaction and
   audit record each), and ``verify_interview`` (what ``audit verify`` does);
2. whole processes: ``interview-assist transcribe`` of a short recording
   (jfk.flac, no diarization) and ``interview-assist audit verify --all`` on
   the 3-hour interview's store;
3. the review screen on that interview: benchmarks/tui.py's key → frame
   measure (``--no-tmux``), its median for ``down``, ``n`` and ``v``.

Usage: python benchmarks/encryption.py --base PATH [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import EVAL, REPO, bench_officers, header  # noqa: E402


def worker(db_path: Path) -> None:
    """One side's store measurements, printed as JSON (runs with that side's code first on the path)."""
    from tui import interview

    from interview_assist.store import Database, load_interview, name_flags, resolve_name_flag, save_transcript, validate_segment
    from interview_assist.store.integrity import verify_interview

    out: dict[str, float] = {}
    t = time.perf_counter()
    db = Database(db_path)
    out["open a new store"] = time.perf_counter() - t
    bench_officers(db, "officer.bench")
    transcript = interview(2500)
    t = time.perf_counter()
    iid = save_transcript(db, transcript, actor="bench")
    out["store the draft (save_transcript)"] = time.perf_counter() - t
    t = time.perf_counter()
    load_interview(db, iid)
    out["read it back (load_interview)"] = time.perf_counter() - t
    for f in name_flags(db, iid):
        resolve_name_flag(db, iid, f.id, "accept", suggestion=1, actor="officer.bench")
    t = time.perf_counter()
    for i in range(2500):
        validate_segment(db, iid, i, actor="officer.bench")
    out["validate 2,500 segments, one transaction and audit record each"] = time.perf_counter() - t
    t = time.perf_counter()
    verify_interview(db, iid)
    out["verify the interview (audit verify, in process)"] = time.perf_counter() - t
    db.close()
    t = time.perf_counter()
    Database(db_path, read_only=True).close()
    out["open the store read-only"] = time.perf_counter() - t
    print(json.dumps(out))


def _run(argv: list[str], side: str, base: Path, env: dict[str, str]) -> tuple[float, str]:
    path = str((base / "src").resolve()) if side == "plain" else str(REPO / "src")
    t = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, **env, "PYTHONPATH": path})
    seconds = time.perf_counter() - t
    if done.returncode != 0:
        raise RuntimeError(f"{side}: {' '.join(argv)} failed: {done.stderr[-500:]}")
    return seconds, done.stdout


def _tui_medians(output: str) -> dict[str, float]:
    """The review screen's complete-frame medians (ms) for each key, from benchmarks/tui.py's table."""
    found = {}
    for key, complete in re.findall(r"^\| review screen \| (\S+) \| [\d.]+ / [\d.]+ \| ([\d.]+) / [\d.]+ \|", output, re.M):
        found[key] = float(complete)
    return found


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", type=Path, help="a checkout of the commit before the store was encrypted")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker)
        return
    if args.base is None or not (args.base / "src" / "interview_assist").is_dir():
        ap.error("--base must be a checkout of the earlier commit (with src/interview_assist)")
    py = sys.executable
    store: dict[str, dict[str, list[float]]] = {"plain": {}, "encrypted": {}}
    process: dict[str, dict[str, list[float]]] = {"plain": {}, "encrypted": {}}
    keys: dict[str, dict[str, list[float]]] = {"plain": {}, "encrypted": {}}
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        key_dir = Path(tmp) / "keys"
        env = {
            "INTERVIEW_ASSIST_KEY_FILE": str(key_dir / "store.key"), "INTERVIEW_ASSIST_PASSPHRASE": "",
            # The same models and gazetteers for both sides (a --base checkout may have none installed).
            "INTERVIEW_ASSIST_MODELS": str(REPO / "models"), "INTERVIEW_ASSIST_GAZETTEERS": str(REPO / "gazetteers"),
        }
        for r in range(args.rounds):
            for side in ("plain", "encrypted") if r % 2 == 0 else ("encrypted", "plain"):
                folder = Path(tmp) / f"{side}-{r}"
                db = folder / "interviews.sqlite"
                _, out = _run([py, __file__, "--worker", str(db)], side, args.base, env)
                for name, seconds in json.loads(out).items():
                    store[side].setdefault(name, []).append(seconds)
                seconds, _ = _run([py, "-m", "interview_assist", "audit", "verify", "--all", "--db", str(db)], side, args.base, env)
                process[side].setdefault("audit verify --all (3-hour interview, 2,500 validations)", []).append(seconds)
                short = folder / "short.sqlite"
                seconds, _ = _run([py, "-m", "interview_assist", "transcribe", str(EVAL / "asr" / "jfk.flac"), "--no-diarize",
                                   "--db", str(short)], side, args.base, env)
                process[side].setdefault("transcribe jfk.flac (11 s, no diarization)", []).append(seconds)
                _, out = _run([py, str(REPO / "benchmarks" / "tui.py"), "--no-tmux", "--presses", "20"], side, args.base, env)
                for key, ms in _tui_medians(out).items():
                    keys[side].setdefault(key, []).append(ms)
    load_after = os.getloadavg()

    def med(values: list[float]) -> float:
        return statistics.median(values)

    print(header("Encryption at rest: plain store against encrypted store"))
    print(f"{args.rounds} rounds, the sides alternating, each measure in a fresh process; load average {load[0]:.2f} "
          f"before, {load_after[0]:.2f} after. Median (min-max).\n")
    print("| in process (3-hour interview, 2,500 segments) | plain (s) | encrypted (s) | ratio |\n|---|---|---|---|")
    for name in store["plain"]:
        p, e = store["plain"][name], store["encrypted"][name]
        print(f"| {name} | {med(p):.3f} ({min(p):.3f}-{max(p):.3f}) | {med(e):.3f} ({min(e):.3f}-{max(e):.3f}) | "
              f"{med(e) / med(p):.2f} |")
    print("\n| whole process | plain (s) | encrypted (s) | ratio |\n|---|---|---|---|")
    for name in process["plain"]:
        p, e = process["plain"][name], process["encrypted"][name]
        print(f"| {name} | {med(p):.2f} ({min(p):.2f}-{max(p):.2f}) | {med(e):.2f} ({min(e):.2f}-{max(e):.2f}) | "
              f"{med(e) / med(p):.2f} |")
    print("\n| review screen, key → complete frame (benchmarks/tui.py, in process), median of the runs' medians | "
          "plain (ms) | encrypted (ms) |\n|---|---|---|")
    for key in keys["plain"]:
        p, e = keys["plain"][key], keys["encrypted"].get(key, [float("nan")])
        print(f"| {key} | {med(p):.1f} ({min(p):.1f}-{max(p):.1f}) | {med(e):.1f} ({min(e):.1f}-{max(e):.1f}) |")


if __name__ == "__main__":
    main()
