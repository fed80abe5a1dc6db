"""Follow-along review (space): playback runs on through the segments to review, the word heard highlighted.

The sound device is a stand-in that holds each play until the test says the
sound is over (``HeldSink``), and the player's clock is a fake one, so where
the audio is, and which word is highlighted, is set by the test. Every play
is still decoded from the real recording and recorded in the audit log as
the screen records it.
"""

from __future__ import annotations

import pytest

from interview_assist.review.playback import HeldSink, NoPlayer
from interview_assist.store import Database, reviews
from interview_assist.store.integrity import audit_records, verify_interview
from interview_assist.tui import make_app

from .test_tui import NO_CHECKS, _status, stored  # noqa: F401  (stored: the fixture)


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def _app(db_path, iid, sink=None):
    app = make_app(db_path, iid, "officer.a", sink=sink if sink is not None else HeldSink(), confirm_officer=False, policy=NO_CHECKS)
    clock = FakeClock()
    app.player.clock = clock
    return app, clock


async def _until(pilot, condition, what: str) -> None:
    for _ in range(300):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def _playing_word(app) -> str | None:
    """The word the detail pane shows highlighted as heard (reverse video)."""
    from interview_assist.tui.widgets.detail import DetailPane

    text = app.query_one(DetailPane).render().renderables[1]
    for span in text.spans:
        if "reverse" in str(span.style):
            return text.plain[span.start : span.end].strip()
    return None


async def _played(pilot, app, sink: HeldSink, plays: int) -> None:
    """The sound of the play now held is over; wait until follow-along has acted on it (the next play started, or it waits)."""
    sink.finish()
    await _until(pilot, lambda: sink.waiting > plays or "⏸" in _status(app) or "▶" not in _status(app), "the play to be handled")
    await pilot.pause()


async def test_v_validates_the_segment_heard_and_the_audio_goes_on(stored):  # noqa: F811
    db_path, iid = stored
    sink = HeldSink()
    app, clock = _app(db_path, iid, sink)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("space")
        await _until(pilot, lambda: sink.waiting == 1, "the first play")
        assert "▶ following #1 1×" in _status(app)
        clock.t += 1.0  # 1 s into "Good morning. Please state your name." (words every 0.45 s)
        await _until(pilot, lambda: _playing_word(app) == "Please", "the word heard to be highlighted")
        clock.t += 0.9
        await _until(pilot, lambda: _playing_word(app) == "your", "the highlight to move on")
        await pilot.press("v")
        assert "segment 1 is validated when it has played" in _status(app) and "validated 0 / 3" in _status(app)
        await _played(pilot, app, sink, 1)
        # Validated as heard, and the audio went on into segment 2 from where segment 1's stretch ended (no restart).
        assert "validated 1 / 3" in _status(app) and app.current == 1 and sink.waiting == 2
        assert sink.played[1] == (int(3.0 * 16000), 16000)  # 3.0 -> 6.0 s: segment 2 and the pause after it
        assert app.session.view(0).heard == 1.0
        await pilot.press("v")  # segment 2 has an open name flag: refused at once, and the audio goes on
        assert "segment 2 has 1 open flag" in _status(app) and "▶ following #2 " in _status(app)
        await _played(pilot, app, sink, 2)
        assert "⏸ paused on #2 " in _status(app) and "1 open flag to decide" in _status(app)
        await pilot.press("1", "v")  # heard now: the suggestion accepted, validated, and on with segment 3
        assert "validated 2 / 3" in _status(app) and app.current == 2
        await _until(pilot, lambda: sink.waiting == 3, "segment 3 to play")
        await _played(pilot, app, sink, 3)
        assert "⏸ paused on #3 " in _status(app)
        await pilot.press("x", *"not a place", "enter", "v")
        assert "validated 3 / 3" in _status(app) and "no segment to review after it" in _status(app)
        assert "following" not in _status(app)
    with Database(db_path) as db:
        plays = [r.detail for r in audit_records(db, iid) if r.action == "play"]
        assert [(p["outcome"], p["heard"]) for p in plays] == [("ended", [0.0, 3.0]), ("ended", [3.0, 6.0]), ("ended", [6.0, 8.3])]
        assert [r.validated_by for r in reviews(db, iid)] == ["officer.a"] * 3
        validations = [r.detail for r in audit_records(db, iid) if r.action == "validate_segment"]
        assert [v["heard"] for v in validations] == [1.0, 1.0, 1.0]
        assert verify_interview(db, iid).ok


async def test_a_v_just_after_a_segment_ended_is_for_that_segment(stored):  # noqa: F811
    """The officer heard segment 1 and pressed v a moment late: segment 2 had begun, but not been heard."""
    db_path, iid = stored
    sink = HeldSink()
    app, clock = _app(db_path, iid, sink)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("space")
        await _until(pilot, lambda: sink.waiting == 1, "the first play")
        await _played(pilot, app, sink, 1)
        assert app.current == 1 and "validated 0 / 3" in _status(app)
        clock.t += 0.4
        await pilot.press("v")
        assert "segment 1 validated (v came as segment 2 began)" in _status(app) and "validated 1 / 3" in _status(app)
        assert app.current == 1 and "▶ following #2 " in _status(app)
        clock.t += 1.0  # later, v is for the segment playing (refused here: its name flag is open)
        await pilot.press("v")
        assert "segment 2 has 1 open flag" in _status(app)


async def test_pause_resume_speed_and_moving_while_it_plays(stored):  # noqa: F811
    db_path, iid = stored
    sink = HeldSink()
    app, clock = _app(db_path, iid, sink)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("down", "space")
        await _until(pilot, lambda: sink.waiting == 1, "the play")
        clock.t += 1.0  # 1 s of segment 2 (3.0 - 5.3 s) heard
        await pilot.press("space")
        assert "⏸ paused on #2 " in _status(app) and "space resumes" in _status(app)
        assert app.session.view(1).heard == pytest.approx(1.0 / 2.3)
        await pilot.press("1")  # its name flag (4.35 - 5.6 s) needs its audio, not heard yet
        assert "the name flag on segment 2 needs its audio" in _status(app) and "0% of it heard" in _status(app)
        await pilot.press("space")  # resumed where it was paused
        await _until(pilot, lambda: sink.waiting == 2, "the play to resume")
        assert sink.played[1] == (int(2.0 * 16000), 16000)  # 4.0 -> 6.0 s
        await pilot.press("plus")  # faster: on from where it is, at 1.25x (higher)
        await _until(pilot, lambda: sink.waiting == 3, "the faster play")
        assert sink.played[2] == (int(2.0 * 16000), 20000) and "#2 1.25×" in _status(app)
        await pilot.press("minus", "minus")
        await _until(pilot, lambda: sink.waiting == 5, "the slower play")
        assert sink.played[4][1] == 12000 and "#2 0.75×" in _status(app)
        await pilot.press("up")  # the officer moves: follow-along goes on from there
        await _until(pilot, lambda: sink.waiting == 6, "the play of segment 1")
        assert "▶ following #1 " in _status(app) and sink.played[5] == (int(3.0 * 16000 * 1), 12000)
        await pilot.press("p")  # any other play ends follow-along
        await _until(pilot, lambda: sink.waiting == 7, "the play of p")
        sink.finish()
        await app.workers.wait_for_complete()
        assert "following" not in _status(app) and "paused" not in _status(app)
    with Database(db_path) as db:
        plays = [r.detail for r in audit_records(db, iid) if r.action == "play"]
        outcomes = [p["outcome"] for p in plays]
        assert outcomes[:5] == ["stopped"] * 5 and plays[0]["heard"] == [3.0, 4.0]
        assert verify_interview(db, iid).ok


async def test_a_failed_play_stops_it_and_nothing_counts_as_heard(stored):  # noqa: F811
    db_path, iid = stored
    app, _ = _app(db_path, iid, NoPlayer())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("down", "space")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "playback failed: no audio player found" in _status(app) and "follow-along stopped" in _status(app)
        assert app.session.view(1).heard == 0.0 and "following" not in _status(app)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
def test_follow_along_snapshot(stored, snap_compare, size):  # noqa: F811
    """Following along: segment 1 playing, its third word highlighted, the state on the status line."""
    db_path, iid = stored
    sink = HeldSink()
    app, clock = _app(db_path, iid, sink)

    async def follow(pilot) -> None:
        await pilot.press("space")
        await _until(pilot, lambda: sink.waiting == 1, "the play")
        clock.t += 1.0
        await _until(pilot, lambda: _playing_word(app) == "Please", "the highlight")

    assert snap_compare(app, terminal_size=size, run_before=follow)
