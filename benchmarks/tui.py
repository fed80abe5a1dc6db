"""The review screen on a 3-hour interview: time to open, and time from a key press to the repaint.

Builds a store with one interview of 2,500 segments (3 h, ten words each, a
name flag every tenth segment), then drives the real app with Textual's Pilot
at 120x40. "Open" is from creating the app to the first screen drawn; a key
press is timed from the press to the screen having processed it.

Usage: python benchmarks/tui.py [--segments 2500]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import header  # noqa: E402

from interview_assist.playback import NullSink  # noqa: E402
from interview_assist.store import Database, save_transcript  # noqa: E402
from interview_assist.transcript import ModelUsed, NameFlag, Segment, Suggestion, Transcript, Word  # noqa: E402
from interview_assist.tui import make_app  # noqa: E402


def interview(n: int) -> Transcript:
    segs, flags = [], []
    step = 3 * 3600 / n
    for i in range(n):
        t0 = i * step
        words = tuple(Word(round(t0 + k * 0.4, 2), round(t0 + k * 0.4 + 0.35, 2), f" word{k}", 0.3 if k == 4 else 0.9) for k in range(10))
        segs.append(Segment(t0, t0 + 4.0, " ".join(w.text.strip() for w in words), "en", words, speaker=f"S{i % 3 + 1}"))
        if i % 10 == 0:
            flags.append(NameFlag(i, 4, 4, words[4].start, words[4].end, "word4", ("unknown",), (Suggestion("Kunduz", 90.0, "gazetteer:places"),)))
    return Transcript("/nonexistent.wav", "a" * 64, 3 * 3600.0, ModelUsed("whisper-base", "b" * 64), {}, tuple(segs), name_flags=tuple(flags))


async def measure(db_path: Path, iid: int) -> tuple[float, list[float], list[float]]:
    t0 = time.perf_counter()
    app = make_app(db_path, iid, "bench", sink=NullSink(), confirm_officer=False)
    moves, validations = [], []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        opened = time.perf_counter() - t0
        for _ in range(30):
            t = time.perf_counter()
            await pilot.press("down")
            await pilot.pause()
            moves.append(time.perf_counter() - t)
        for _ in range(30):
            t = time.perf_counter()
            await pilot.press("n", "v")  # jump to the next segment to do and validate it
            await pilot.pause()
            validations.append(time.perf_counter() - t)
    return opened, moves, validations


async def baseline(rows: int) -> float:
    """The same key through Pilot on a bare DataTable of ``rows`` rows (0: an empty app)."""
    from textual.app import App
    from textual.widgets import DataTable, Static

    class Bare(App):
        def compose(self):
            if rows:
                yield DataTable(cursor_type="row")
            yield Static("status")

        def on_mount(self):
            if rows:
                table = self.query_one(DataTable)
                for c in ("time", "who", "lang", "state", "flags", "text"):
                    table.add_column(c)
                table.add_rows([["0:00:00", "S1", "en", "draft", "·", "word " * 10]] * rows)
                table.focus()

    times = []
    async with Bare().run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for _ in range(30):
            t = time.perf_counter()
            await pilot.press("down")
            await pilot.pause()
            times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--segments", type=int, default=2500)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.sqlite"
        with Database(db_path) as db:
            iid = save_transcript(db, interview(args.segments), actor="bench")
        opened, moves, validations = asyncio.run(measure(db_path, iid))
        empty = asyncio.run(baseline(0))
        bare = asyncio.run(baseline(args.segments))
    print(header("Review screen on a 3-hour interview"))
    print(f"{args.segments} segments, {args.segments // 10} name flags, 120x40, Pilot\n")
    print(f"- open (app created → first screen drawn): {opened:.2f} s")
    print(f"- move to the next row: median {statistics.median(moves) * 1000:.0f} ms, max {max(moves) * 1000:.0f} ms")
    print(f"- the same key, same run: empty Textual app {empty * 1000:.0f} ms (Pilot's own round trip), "
          f"bare DataTable of {args.segments} rows {bare * 1000:.0f} ms; the review screen adds "
          f"{(statistics.median(moves) - empty) * 1000:.0f} ms over the empty app")
    print(f"- next to do + validate (two keys, a store write with its audit record): median "
          f"{statistics.median(validations) * 1000:.0f} ms, max {max(validations) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
