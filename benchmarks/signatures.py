"""What signing every audit record costs: the code before officer keys (unsigned) and this one (signed), side by side.

``--base`` is a checkout of the commit before officer keys (its ``src`` goes
first on PYTHONPATH, as in benchmarks/encryption.py); this checkout's code is
the signed side. Each measure runs in a fresh process, the sides alternating,
so that the load of a shared machine falls on both alike:

1. in process, on the 3-hour interview of benchmarks/tui.py (2,500 segments):
   validating every segment (one transaction, audit record and, signed, one
   Ed25519 signature each), ``audit.verify`` (the chain, and every signature)
   and ``verify_interview`` (what ``audit verify`` does for one interview);
2. ``interview-assist audit verify --all`` on that store, a whole process;
3. the review screen on that interview: benchmarks/tui.py's key -> frame
   medians (``--no-tmux``) for ``down``, ``n`` and ``v`` (``v`` signs).

Usage: python benchmarks/signatures.py --base PATH [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REPO, bench_officers, header  # noqa: E402
from encryption import _tui_medians  # noqa: E402


def worker(db_path: Path) -> None:
    """One side's measures, printed as JSON (runs with that side's code first on the path)."""
    from tui import interview

    from interview_assist.store import Database, audit, name_flags, resolve_name_flag, save_transcript, validate_segment
    from interview_assist.store.integrity import verify_interview

    out: dict[str, float] = {}
    db = Database(db_path)
    bench_officers(db, "officer.bench")
    iid = save_transcript(db, interview(2500), actor="bench")
    for f in name_flags(db, iid):
        resolve_name_flag(db, iid, f.id, "accept", suggestion=1, actor="officer.bench")
    t = time.perf_counter()
    for i in range(2500):
        validate_segment(db, iid, i, actor="officer.bench")
    out["validate 2,500 segments (a record each)"] = time.perf_counter() - t
    t = time.perf_counter()
    check = audit.verify(db.conn)
    out[f"audit.verify: the chain ({check.records} records)"] = time.perf_counter() - t
    assert check.ok
    t = time.perf_counter()
    assert verify_interview(db, iid).ok
    out["verify_interview (chain and content)"] = time.perf_counter() - t
    db.close()
    print(json.dumps(out))


def _run(argv: list[str], side: str, base: Path, env: dict[str, str]) -> tuple[float, str]:
    path = str((base / "src").resolve()) if side == "unsigned" else str(REPO / "src")
    t = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, **env, "PYTHONPATH": path})
    seconds = time.perf_counter() - t
    if done.returncode != 0:
        raise RuntimeError(f"{side}: {' '.join(argv)} failed: {done.stderr[-800:]}")
    return seconds, done.stdout


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", type=Path, help="a checkout of the commit before officer keys")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker)
        return
    if args.base is None or not (args.base / "src" / "interview_assist").is_dir():
        ap.error("--base must be a checkout of the earlier commit (with src/interview_assist)")
    py = sys.executable
    sides = ("unsigned", "signed")
    results: dict[str, dict[str, list[float]]] = {s: {} for s in sides}
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "INTERVIEW_ASSIST_KEY_FILE": str(Path(tmp) / "keys" / "store.key"), "INTERVIEW_ASSIST_PASSPHRASE": "",
            "INTERVIEW_ASSIST_SIGNING_KEY": str(Path(tmp) / "keys" / "signing.key"),
            "INTERVIEW_ASSIST_OFFICERS_DIR": str(Path(tmp) / "officers"),
            "INTERVIEW_ASSIST_MODELS": str(REPO / "models"), "INTERVIEW_ASSIST_GAZETTEERS": str(REPO / "gazetteers"),
        }
        for r in range(args.rounds):
            for side in sides if r % 2 == 0 else sides[::-1]:
                db = Path(tmp) / f"{side}-{r}" / "interviews.sqlite"
                _, out = _run([py, __file__, "--worker", str(db)], side, args.base, env)
                for name, seconds in json.loads(out).items():
                    results[side].setdefault(name.split(" (")[0] if name.startswith("audit.verify") else name, []).append(seconds)
                seconds, _ = _run([py, "-m", "interview_assist", "audit", "verify", "--all", "--db", str(db)], side, args.base, env)
                results[side].setdefault("interview-assist audit verify --all (process)", []).append(seconds)
                _, out = _run([py, str(REPO / "benchmarks" / "tui.py"), "--no-tmux", "--presses", "20"], side, args.base, env)
                for key, ms in _tui_medians(out).items():
                    results[side].setdefault(f"review screen: key {key} -> frame, median (ms)", []).append(ms / 1000)
    load_after = os.getloadavg()

    def med(values: list[float]) -> float:
        return statistics.median(values)

    print(header("Signed audit records: unsigned (before officer keys) against signed"))
    print(f"{args.rounds} rounds, the sides alternating, each measure in a fresh process; load average {load[0]:.2f} before, "
          f"{load_after[0]:.2f} after. Median (min-max); seconds, key presses in ms.\n")
    print("| 3-hour interview, 2,500 segments | unsigned | signed | ratio |\n|---|---|---|---|")
    for name in results["signed"]:
        u, s = results["unsigned"].get(name, []), results["signed"][name]
        if not u:
            continue
        scale = 1000 if "(ms)" in name else 1
        fmt = "{:.1f}" if scale == 1000 else "{:.3f}"

        def cell(v: list[float], fmt: str = fmt, scale: int = scale) -> str:
            return f"{fmt.format(med(v) * scale)} ({fmt.format(min(v) * scale)}-{fmt.format(max(v) * scale)})"

        print(f"| {name} | {cell(u)} | {cell(s)} | {med(s) / med(u):.2f} |")


if __name__ == "__main__":
    main()
