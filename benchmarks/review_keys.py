"""Keys per segment for a full review of the bundled sample, with follow-along on.

The bundled sample (``examples/interview_v01.flac``, README's first command)
is transcribed, diarized and flagged by the real models into a fresh store
(or ``--db``/``--id`` name one already made), then reviewed through Pilot by
a scripted officer who does what a careful caseworker does with follow-along
review: space once, then, as each segment plays, ``v`` on a segment without a
flag (validated once heard); on a segment follow-along waits on (an open
flag), the decision keys (``1`` for a flag with a suggestion, ``c``: confirm
as heard, else) then ``v``. A segment showing an attention check (default
policy: one in 50, seeded) is corrected as an officer who reads it would:
``e``, the cursor moved onto the wrong word, it deleted, the heard word
typed, Enter. Every key press is counted against the segment it was for.

The sound device is a stand-in held until the script says the sound is over
(the review is not timed; its keys are counted), so the audio is decoded and
every play recorded as in a real session.

Usage: python benchmarks/review_keys.py [--db STORE --id N]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REPO, header  # noqa: E402

from interview_assist.review.playback import HeldSink  # noqa: E402
from interview_assist.store import Database, save_transcript  # noqa: E402
from interview_assist.store.integrity import verify_interview  # noqa: E402
from interview_assist.tui import make_app  # noqa: E402
from interview_assist.tui.widgets.detail import DetailPane  # noqa: E402


def transcribe_sample(db_path: Path) -> int:
    from interview_assist.pipeline.run import PipelineOptions, transcribe

    t = transcribe(REPO / "examples" / "interview_v01.flac", PipelineOptions())
    with Database(db_path) as db:
        return save_transcript(db, t, actor="machine")


async def review(db_path: Path, iid: int) -> dict:
    sink = HeldSink()
    app = make_app(db_path, iid, "bench", sink=sink, confirm_officer=False, rng=random.Random(0))
    keys: Counter[str] = Counter()  # per kind of segment
    kind: dict[int, str] = {}

    async with app.run_test(size=(120, 40)) as pilot:
        s = app.session
        for i in range(len(s)):
            v = s.view(i)
            kind[i] = "check" if v.check is not None else ("flagged" if v.open_count else "clean")

        async def press(k: str, segment: int, *more: str) -> None:
            for key in (k, *more):
                keys[kind[segment]] += 1
                await pilot.press(key)

        async def until(condition) -> None:
            for _ in range(2000):
                if condition():
                    return
                await pilot.pause(0.005)
            raise RuntimeError("the review screen did not get there")

        await pilot.press("space")
        keys["start"] += 1
        screen = app.review
        f = screen.follow
        plays = 0
        while f.state != "off":
            await until(lambda: sink.waiting > plays or f.state != "playing")
            if f.state == "playing":
                plays = sink.waiting
                i = f.index
                assert i is not None
                check = s.checks.get(i)
                if check is not None:  # the officer reads the wrong word and corrects it
                    shown = s.display_text(i)
                    at = shown.find(check.shown.strip())
                    after = len(shown) - at - len(check.shown.strip())
                    await press("e", i, *["left"] * after, *["backspace"] * len(check.shown.strip()), *check.heard.strip(), "enter")
                if not s.view(i).open_count:
                    await press("v", i)
                sink.finish()
                await until(lambda: sink.waiting > plays or f.state != "playing")
                continue
            if f.state == "paused":  # waiting on segment i: its flags first, then v
                i = f.index
                assert i is not None
                while (v := s.view(i)).open_count:
                    flags = DetailPane.in_order(v.flags)
                    flag = flags[DetailPane.selected(flags, screen.flag_id)] if flags else None
                    if flag is not None and not flag.open and v.open_flags:
                        await press("right_square_bracket", i)  # ] selects the next name flag here
                        continue
                    if flag is not None and not v.open_flags:
                        flag = None  # its name flags decided: c confirms a quality flag (checked against the audio)
                    await press("1" if flag is not None and flag.flag.suggestions else "c", i)
                await press("v", i)
                await pilot.pause()
        validated = s.validated
        total = len(s)
    with Database(db_path) as db:
        ok = verify_interview(db, iid).ok
    counts = Counter(kind.values())
    return {"keys": keys, "segments": counts, "validated": validated, "total": total, "verified": ok}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path)
    ap.add_argument("--id", type=int)
    args = ap.parse_args()
    if args.db is None:
        args.db = Path(tempfile.mkdtemp(prefix="review-keys-")) / "store.sqlite"
        args.id = transcribe_sample(args.db)
        keep = args.db.parent / "orig"
        keep.mkdir()
        for f in args.db.parent.glob("store.sqlite*"):
            shutil.copy(f, keep / f.name)
        print(f"(the sample, not reviewed, is kept: --db {keep / 'store.sqlite'} --id {args.id})", file=sys.stderr)
    r = asyncio.run(review(args.db, args.id))
    k, n = r["keys"], r["segments"]
    print(header("Keys per segment, follow-along review of the bundled sample (`benchmarks/review_keys.py`)"))
    print(f"{r['validated']} of {r['total']} segments validated; audit verify {'ok' if r['verified'] else 'FAILED'}")
    print("| segments | count | keys | keys per segment |\n|---|---|---|---|")
    for name in ("clean", "flagged", "check"):
        if n[name]:
            print(f"| {name} | {n[name]} | {k[name]} | {k[name] / n[name]:.2f} |")
    whole = sum(k.values())
    print(f"| all (with the one space that starts it) | {r['total']} | {whole} | {whole / r['total']:.2f} |")
    print(f"clean, counting the start key against them: {(k['clean'] + k['start']) / max(n['clean'], 1):.2f} keys per segment")


if __name__ == "__main__":
    main()
