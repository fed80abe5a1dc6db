"""Export, QA report and audit verification on a 3-hour interview.

Builds the same 2,500-segment interview as benchmarks/tui.py, resolves its
250 name flags and validates every segment through the store (as the review
screen does), then times each export format, the report in each format, and
`audit verify`, in one process, as medians of 3 runs.

Usage: python benchmarks/export.py [--segments 2500]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import bench_officers, header  # noqa: E402
from tui import interview  # noqa: E402

from interview_assist.export import FORMATS, export_interview  # noqa: E402
from interview_assist.report import render_report  # noqa: E402
from interview_assist.store import Database, name_flags, resolve_name_flag, save_transcript, validate_segment  # noqa: E402
from interview_assist.store.integrity import verify_interview  # noqa: E402


def timed(fn, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--segments", type=int, default=2500)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        with Database(tmp / "bench.sqlite") as db:
            iid = save_transcript(db, interview(args.segments), actor="bench")
            bench_officers(db, "officer.bench", "bench")
            for f in name_flags(db, iid):
                resolve_name_flag(db, iid, f.id, "accept", suggestion=1, actor="officer.bench")
            writes = []
            for i in range(args.segments):
                t = time.perf_counter()
                validate_segment(db, iid, i, actor="officer.bench")
                writes.append(time.perf_counter() - t)
            rows = []
            for fmt in FORMATS:
                out = tmp / f"out.{fmt}"
                seconds = timed(lambda: export_interview(db, iid, fmt, out, actor="bench", force=True))
                rows.append((f"export {fmt}", seconds, out.stat().st_size))
            for fmt in ("html", "json", "csv"):
                data = render_report(db, iid, fmt)
                rows.append((f"report {fmt}", timed(lambda: render_report(db, iid, fmt)), len(data)))
            report = verify_interview(db, iid)
            assert report.ok, report
            rows.append((f"audit verify ({report.chain.records} records)", timed(lambda: verify_interview(db, iid)), 0))
    print(header("Export, QA report and audit verification on a 3-hour interview"))
    print(f"{args.segments} segments, {args.segments // 10} name flags (accepted), every segment validated; "
          "median of 3 runs, one process\n")
    print(f"- validating one segment (store write with its audit record): median {statistics.median(writes) * 1000:.1f} ms, "
          f"max {max(writes) * 1000:.1f} ms\n")
    print("| step | time (s) | size |")
    print("|---|---|---|")
    for name, seconds, size in rows:
        print(f"| {name} | {seconds:.2f} | {f'{size / 1024:.0f} KiB' if size else '-'} |")


if __name__ == "__main__":
    main()
