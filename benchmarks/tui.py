"""The review screen on a 3-hour interview: time to open, and time from a key press to the repaint.

Builds a store with one interview of 2,500 segments (3 h, ten words each, a
name flag every tenth segment), then measures the real app at 120x40 three ways:

1. Pilot (as the tests drive it): "open" is from creating the app to the first
   screen drawn; a key is timed from ``pilot.press`` to ``pilot.pause``
   returning, which includes Pilot's own waits for the process to go idle.
2. In process, key → frame: a key event is posted to the app as the terminal
   driver posts it, and timed from the moment the App starts handling it
   (``App.on_event`` receives the ``Key``) to the moment the compositor's update
   for the changed screen has been rendered to the escape sequence a terminal
   driver writes (``App._display``; the headless driver skips that rendering,
   so the benchmark does it, as ``_display`` does for a real terminal). A key
   may give more than one frame (the table's cursor first, then the detail pane
   and status line once the highlight message is handled): "complete" is the
   last frame before the app goes idle, "first" the first one. The same measure
   runs in the same process on a minimal app (a key updates a one-line label)
   and on a bare DataTable of as many rows. Full (generation 2) garbage
   collections that fall inside a press are counted, as they come at random.
3. In a real terminal: ``interview-assist review`` in tmux, keys sent with
   ``tmux send-keys`` and the pane polled with ``tmux capture-pane -p`` until it
   changes, then until it stays the same; this includes tmux's own overhead and
   two process starts per poll.

The review screen runs under the default oversight policy (attention checks
1 in 50, drawn from a seeded generator so that runs compare).

Usage: python benchmarks/tui.py [--segments 2500] [--presses 30] [--no-tmux]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import BENCH_PASSPHRASE, bench_officers, header  # noqa: E402

from interview_assist.core.transcript import ModelUsed, NameFlag, Segment, Suggestion, Transcript, Word  # noqa: E402
from interview_assist.review.playback import NullSink  # noqa: E402
from interview_assist.store import Database, save_transcript  # noqa: E402
from interview_assist.tui import make_app  # noqa: E402

SIZE = (120, 40)
COLUMNS = ("time", "who", "lang", "state", "flags", "text")


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


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.1f} / {max(values) * 1000:.1f}"


# -- 1. Pilot -------------------------------------------------------------------------


async def pilot_review(db_path: Path, iid: int, presses: int) -> tuple[float, list[float], list[float]]:
    t0 = time.perf_counter()
    app = make_app(db_path, iid, "bench", sink=NullSink(), confirm_officer=False, rng=random.Random(0))
    moves, validations = [], []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        opened = time.perf_counter() - t0
        for _ in range(presses):
            t = time.perf_counter()
            await pilot.press("down")
            await pilot.pause()
            moves.append(time.perf_counter() - t)
        for _ in range(presses):
            t = time.perf_counter()
            await pilot.press("n", "v")  # jump to the next segment to do and validate it
            await pilot.pause()
            validations.append(time.perf_counter() - t)
    return opened, moves, validations


def minimal_app(rows: int):
    """A bare DataTable of ``rows`` rows, or (``rows == 0``) a label that ``down`` updates."""
    from textual.app import App
    from textual.binding import Binding
    from textual.widgets import DataTable, Static

    class Bare(App):
        BINDINGS = [] if rows else [Binding("down", "count", "count")]
        presses = 0

        def compose(self):
            if rows:
                yield DataTable(cursor_type="row")
            yield Static("status", id="status")

        def on_mount(self):
            if rows:
                table = self.query_one(DataTable)
                for c in COLUMNS:
                    table.add_column(c)
                table.add_rows([["0:00:00", "S1", "en", "draft", "·", "word " * 10]] * rows)
                table.focus()

        def action_count(self) -> None:
            self.presses += 1
            self.query_one("#status", Static).update(f"key {self.presses}")

    return Bare()


async def pilot_baseline(rows: int, presses: int) -> list[float]:
    """The same key through Pilot on a bare DataTable of ``rows`` rows (0: a minimal app)."""
    times = []
    async with minimal_app(rows).run_test(size=SIZE) as pilot:
        await pilot.pause()
        for _ in range(presses):
            t = time.perf_counter()
            await pilot.press("down")
            await pilot.pause()
            times.append(time.perf_counter() - t)
    return times


# -- 2. In process: key handled → frame rendered ---------------------------------------


class FrameClock:
    """Timestamps of keys entering the app and of frames rendered for the terminal."""

    def __init__(self) -> None:
        self.keys: list[float] = []
        self.frames: list[float] = []
        self.collections: list[tuple[float, float]] = []  # full (generation 2) garbage collections
        self._gc_start = 0.0

    def _gc(self, phase: str, info: dict) -> None:
        if info["generation"] == 2:
            if phase == "start":
                self._gc_start = time.perf_counter()
            else:
                self.collections.append((self._gc_start, time.perf_counter()))

    def gc_between(self, t0: float, t1: float) -> float:
        return sum(b - a for a, b in self.collections if a >= t0 and b <= t1)

    def install(self):
        from textual import events
        from textual._compositor import CompositorUpdate
        from textual.app import App

        clock, on_event, display = self, App.on_event, App._display

        async def timed_on_event(app, event):
            if isinstance(event, events.Key):
                clock.keys.append(time.perf_counter())
            return await on_event(app, event)

        def timed_display(app, screen, renderable):
            display(app, screen, renderable)
            if isinstance(renderable, CompositorUpdate) and app.is_headless and not app._batch_count:
                renderable.render_segments(app.console)  # what _display writes to a real terminal
                clock.frames.append(time.perf_counter())

        App.on_event, App._display = timed_on_event, timed_display
        gc.callbacks.append(self._gc)
        return lambda: (setattr(App, "on_event", on_event), setattr(App, "_display", display), gc.callbacks.remove(self._gc))


async def settle(clock: FrameClock, quiet: float = 0.15, least: float = 0.25) -> None:
    """Sleep (no CPU) until no frame came for ``quiet`` s, and at least ``least`` s."""
    start = time.perf_counter()
    while True:
        await asyncio.sleep(0.02)
        now = time.perf_counter()
        last = clock.frames[-1] if clock.frames else start
        if now - start >= least and now - last >= quiet:
            return


async def press(app, clock: FrameClock, key: str, char: str | None) -> tuple[float, float, int, float]:
    """(key → first frame, key → last frame, frames, full GC time in between) for one key, the app idle before and after."""
    from textual import events

    await settle(clock)
    n_keys, n_frames = len(clock.keys), len(clock.frames)
    event = events.Key(key, char)
    event.set_sender(app)
    app._driver.send_message(event)  # as the terminal driver's input thread does
    # On a loaded machine a key's frame can come later than settle's quiet spell: wait for it (up to 5 s) first.
    deadline = time.perf_counter() + 5
    while len(clock.frames) == n_frames and time.perf_counter() < deadline:
        await asyncio.sleep(0.005)
    await settle(clock)
    assert len(clock.keys) > n_keys, "the key did not reach the app"
    frames = clock.frames[n_frames:]
    if not frames:
        raise RuntimeError(f"no frame after {key!r}")
    t_key = clock.keys[n_keys]
    return frames[0] - t_key, frames[-1] - t_key, len(frames), clock.gc_between(t_key, frames[-1])


async def key_to_frame(app, keys: list[tuple[str, str | None]], presses: int) -> dict[str, list[tuple[float, float, int, float]]]:
    clock = FrameClock()
    uninstall = clock.install()
    out: dict[str, list] = {k: [] for k, _ in keys}
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            for _ in range(presses):
                for key, char in keys:
                    out[key].append(await press(app, clock, key, char))
    finally:
        uninstall()
    return out


# -- 3. tmux --------------------------------------------------------------------------

POLL = 0.002  # seconds slept between two capture-pane calls


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


def tmux_keys(db_path: Path, iid: int, presses: int) -> tuple[dict[str, list[tuple[float, float]]], float]:
    session, officer = f"ia-bench-{os.getpid()}", "bench.tmux"
    cli = Path(sys.executable).with_name("interview-assist")
    tmux("new-session", "-d", "-s", session, "-x", str(SIZE[0]), "-y", str(SIZE[1]),
         f"env INTERVIEW_ASSIST_OFFICERS_DIR={shlex.quote(os.environ.get('INTERVIEW_ASSIST_OFFICERS_DIR', ''))} "
         f"{cli} review {iid} --db {db_path} --officer {officer}")

    def screen() -> str:
        return tmux("capture-pane", "-p", "-t", session)

    def wait_for(text: str, timeout: float = 20.0) -> None:
        end = time.perf_counter() + timeout
        while text not in screen():
            if time.perf_counter() > end:
                raise RuntimeError(f"tmux: {text!r} not on screen:\n{screen()}")
            time.sleep(0.05)

    def stable(quiet: float = 0.3) -> str:
        last, since = screen(), time.perf_counter()
        while time.perf_counter() - since < quiet:
            time.sleep(0.02)
            now = screen()
            if now != last:
                last, since = now, time.perf_counter()
        return last

    try:
        wait_for("Reviewing interview")
        tmux("send-keys", "-t", session, "-l", BENCH_PASSPHRASE)  # the unlock dialog
        tmux("send-keys", "-t", session, "Enter")
        wait_for(f"reviewing as {officer}")
        t = time.perf_counter()
        for _ in range(20):
            screen()
        capture = (time.perf_counter() - t) / 20
        out: dict[str, list[tuple[float, float]]] = {"Down": [], "n": [], "v": []}
        for _ in range(presses):
            for key in out:
                before = stable()
                t0 = time.perf_counter()
                tmux("send-keys", "-t", session, key)
                first = last = None
                current = before
                while True:
                    now = screen()
                    t = time.perf_counter()
                    if now != current:
                        current, last = now, t
                        first = first or t
                    elif first is not None and t - last > 0.2:
                        break
                    elif t - t0 > 5:
                        raise RuntimeError(f"tmux: the screen did not change after {key}")
                    time.sleep(POLL)
                out[key].append((first - t0, last - t0))
        tmux("send-keys", "-t", session, "q")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
    return out, capture


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--segments", type=int, default=2500)
    ap.add_argument("--presses", type=int, default=30)
    ap.add_argument("--no-tmux", action="store_true")
    args = ap.parse_args()
    n, k = args.segments, args.presses
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.sqlite"
        with Database(db_path) as db:
            iid = save_transcript(db, interview(n), actor="bench")
            bench_officers(db, "bench", "bench.tmux")
        fresh = Path(tmp) / "tmux.sqlite"  # the same interview, nothing validated, for the terminal run
        shutil.copy(db_path, fresh)
        load = os.getloadavg()
        opened, moves, validations = asyncio.run(pilot_review(db_path, iid, k))
        empty = asyncio.run(pilot_baseline(0, k))
        bare = asyncio.run(pilot_baseline(n, k))
        review = asyncio.run(key_to_frame(make_app(db_path, iid, "bench", sink=NullSink(), confirm_officer=False,
                                                   rng=random.Random(0)),
                                          [("down", None), ("n", "n"), ("v", "v")], k))
        small = asyncio.run(key_to_frame(minimal_app(0), [("down", None)], k))
        table = asyncio.run(key_to_frame(minimal_app(n), [("down", None)], k))
        terminal = None
        if not args.no_tmux and shutil.which("tmux"):
            terminal = tmux_keys(fresh, iid, k)
        load_after = os.getloadavg()

    print(header("Review screen on a 3-hour interview"))
    print(f"{n} segments, {n // 10} name flags, {SIZE[0]}x{SIZE[1]}, {k} presses of each key; "
          f"load average {load[0]:.2f} before, {load_after[0]:.2f} after\n")
    print(f"- open (app created → first screen drawn): {opened:.2f} s\n")
    print("Pilot (`pilot.press(...)` + `pilot.pause()`, median / max ms; includes Pilot's waits for idle):\n")
    print("| app | key | ms |\n|---|---|---|")
    print(f"| review screen | down | {ms(moves)} |")
    print(f"| review screen | n + v | {ms(validations)} |")
    print(f"| minimal app (a label) | down | {ms(empty)} |")
    print(f"| bare DataTable, {n} rows | down | {ms(bare)} |\n")
    print("In process, key handled (`App.on_event`) → frame rendered for the terminal (`App._display`), median / max ms:\n")
    print("| app | key | first frame | complete frame | frames per key | presses with a full GC pass (ms) |\n|---|---|---|---|---|---|")

    def row(name: str, key: str, values: list[tuple[float, float, int, float]]) -> None:
        pauses = [v[3] for v in values if v[3]]
        print(f"| {name} | {key} | {ms([v[0] for v in values])} | {ms([v[1] for v in values])} | "
              f"{min(v[2] for v in values)}-{max(v[2] for v in values)} | "
              f"{len(pauses)}{' (' + ', '.join(f'{p * 1000:.0f}' for p in pauses) + ')' if pauses else ''} |")

    for key in ("down", "n", "v"):
        row("review screen", key, review[key])
    row("minimal app (a label)", "down", small["down"])
    row(f"bare DataTable, {n} rows", "down", table["down"])
    if terminal is not None:
        keys, capture = terminal
        print(f"\ntmux {SIZE[0]}x{SIZE[1]}, `interview-assist review`: `send-keys` → pane changed (`capture-pane -p`, "
              f"polled every {POLL * 1000:.0f} ms + {capture * 1000:.1f} ms per capture), median / max ms; "
              "includes tmux and the process starts:\n")
        print("| key | first change | last change |\n|---|---|---|")
        for key, values in keys.items():
            print(f"| {key} | {ms([v[0] for v in values])} | {ms([v[1] for v in values])} |")


if __name__ == "__main__":
    main()
