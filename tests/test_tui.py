"""The review screen, driven as a person would (Textual's Pilot), plus a snapshot.

The interview is stored from hand-written segments over a real recording, so
the screen's behaviour is tested apart from the models; the audio output is a
NullSink, which stands in for the sound device.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from interview_assist.core.transcript import ModelUsed, NameFlag, Segment, Suggestion, Transcript, Word
from interview_assist.review.playback import NullSink
from interview_assist.review.policy import OversightPolicy
from interview_assist.store import Database, audit, name_flags, reviews, save_transcript
from interview_assist.tui import make_app
from interview_assist.tui.editor import SegmentEditor

from .conftest import EVAL, REPO, TEST_PASSPHRASE, enrol, officer_key

AUDIO = EVAL / "names" / "names_v01.wav"
# These tests are about the screen's other keys: no attention check shows a wrong word in them
# (tests/test_oversight.py tests the checks).
NO_CHECKS = OversightPolicy(attention_rate=0)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "a" * 64


async def _hear(pilot, app, key: str = "p") -> None:
    """Play (the stand-in sound device plays at once) and let the screen record it."""
    await pilot.press(key)
    await app.workers.wait_for_complete()
    await pilot.pause()


def _words(start: float, text: str, probs: list[float]) -> tuple[Word, ...]:
    out, t = [], start
    for w, p in zip(text.split(), probs):
        out.append(Word(round(t, 2), round(t + 0.4, 2), " " + w, p))
        t += 0.45
    return tuple(out)


def _transcript(audio: Path) -> Transcript:
    segs = (
        Segment(0.0, 2.7, "Good morning. Please state your name.", "en", _words(0.0, "Good morning. Please state your name.", [0.9] * 6), speaker="S1"),
        Segment(3.0, 5.3, "My name is Farid Ann Ari.", "en", _words(3.0, "My name is Farid Ann Ari.", [0.9, 0.9, 0.9, 0.7, 0.2, 0.3]), speaker="S2"),
        Segment(6.0, 8.3, "Later we moved to Kandas.", "en", _words(6.0, "Later we moved to Kandas.", [0.9, 0.9, 0.9, 0.9, 0.4]), speaker="S2"),
    )
    flags = (
        NameFlag(1, 3, 5, 4.35, 5.6, "Farid Ann Ari", ("unknown", "capitalised", "multi-word"), (Suggestion("Farid Nazari", 105.0, "glossary", "person"),)),
        NameFlag(2, 4, 4, 7.8, 8.2, "Kandas", ("unknown", "capitalised"), (Suggestion("Kunduz", 100.2, "gazetteer:places", "city, AF", ("Kondoz", "Kundus")),)),
    )
    return Transcript(str(audio), _sha256(audio), 8.3, ModelUsed("whisper-base", "b" * 64), {}, segs, name_flags=flags)


@pytest.fixture
def stored(db_path, eval_dir):
    with Database(db_path) as db:
        interview_id = save_transcript(db, _transcript(AUDIO), actor="machine")
    return db_path, interview_id


def _status(app) -> str:
    return str(app.query_one("#status").render())


def _visible_detail(app) -> list[str]:
    """The detail pane's lines as the terminal shows them (what does not fit is cut off)."""
    from textual.geometry import Region

    from interview_assist.tui.widgets.detail import DetailPane

    pane = app.query_one(DetailPane)  # (its region: size.region would leave out a row for the border)
    return [strip.text for strip in pane.render_lines(Region(0, 0, pane.region.width, pane.region.height))]


def _dialog_error(app) -> str:
    return str(app.screen.query_one(".error").render())


def _detail(app) -> str:
    from interview_assist.tui.widgets.detail import DetailPane

    content = app.query_one(DetailPane).render()
    return "\n".join(t.plain for t in getattr(content, "renderables", [content]))


async def test_validation_is_blocked_by_open_flags_and_follows_their_resolution(stored):
    db_path, iid = stored
    app = make_app(db_path, iid, "officer.a", sink=NullSink(), confirm_officer=False, policy=NO_CHECKS)
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.current == 0
        await pilot.press("v")
        assert "validated 1 / 3" in _status(app)
        assert app.current == 1  # v goes on to the next segment to review
        await pilot.press("v")
        assert "segment 2 has 1 open flag" in _status(app) and app.current == 1
        assert "validated 1 / 3" in _status(app)
        await pilot.press("1")  # accept "Farid Nazari": not before it was heard
        assert "needs its audio (name flag, low confidence): 0% of it heard" in _status(app)
        await _hear(pilot, app)
        await pilot.press("1")
        assert "open flags 1" in _status(app)
        await pilot.press("v")
        assert "validated 2 / 3" in _status(app) and app.current == 2
        await _hear(pilot, app)
        await pilot.press("x")  # dismiss needs a reason
        await pilot.press(*"not a place", "enter")
        await pilot.press("v")
        assert "validated 3 / 3 · open flags 0" in _status(app)
    with Database(db_path) as db:
        assert [r.validated_by for r in reviews(db, iid)] == ["officer.a"] * 3


async def test_editing_a_validated_segment_returns_it_to_review_and_keeps_the_asr_text(stored):
    db_path, iid = stored
    app = make_app(db_path, iid, "officer.b", sink=NullSink(), confirm_officer=False, policy=NO_CHECKS)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("v", "up", "e")  # back to segment 1 (v went on to segment 2)
        await pilot.press("end", *" Thank you.", "enter")
        assert "segment 1 edited" in _status(app)
        assert "validated 0 / 3" in _status(app)
    with Database(db_path) as db:
        first = reviews(db, iid)[0]
    assert first.status == "edited" and first.validated_by is None
    assert first.text == "Good morning. Please state your name. Thank you."
    assert first.asr_text == "Good morning. Please state your name."


async def test_playback_goes_to_the_sink_without_blocking(stored):
    db_path, iid = stored
    sink = NullSink()
    app = make_app(db_path, iid, "officer.a", sink=sink, confirm_officer=False, policy=NO_CHECKS)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("down", "p")
        await app.workers.wait_for_complete()
        await pilot.press("s")
        await app.workers.wait_for_complete()
        await pilot.press("b")
        await app.workers.wait_for_complete()
        await pilot.press("full_stop", "full_stop", "full_stop", "o")  # from the 4th word, "Farid"
        await app.workers.wait_for_complete()
    assert sink.played == [
        (int(2.3 * 16000), 16000), (int(2.3 * 16000), 12000), (int(5.3 * 16000), 16000), (int((5.3 - 4.35) * 16000), 16000),
    ]


async def test_a_playback_failure_is_shown_not_fatal(db_path, eval_dir, tmp_path):
    missing = tmp_path / "moved.wav"
    with Database(db_path) as db:
        iid = save_transcript(db, _transcript(missing), actor="machine")
    app = make_app(db_path, iid, "officer.a", sink=NullSink(), confirm_officer=False, policy=NO_CHECKS)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("p")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "playback failed" in _status(app) and "moved.wav" in _status(app)
        await pilot.press("v")
        assert "validated 1 / 3" in _status(app)


async def test_every_action_extends_the_verified_audit_chain(stored):
    db_path, iid = stored
    with Database(db_path) as db:
        before = audit.verify(db.conn).records
    app = make_app(db_path, iid, "officer.a", sink=NullSink(), confirm_officer=False, policy=NO_CHECKS)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("v", "down")
        await _hear(pilot, app)
        await pilot.press("c", "v", "e", "end", "!", "enter")
    with Database(db_path) as db:
        check = audit.verify(db.conn)
        actions = [r[0] for r in db.conn.execute("SELECT action FROM audit_log ORDER BY id")][before:]
    assert check.ok and check.records == before + 6
    assert actions == ["review_opened", "validate_segment", "play", "resolve_name_flag", "validate_segment", "edit_segment"]


async def test_the_officer_unlocks_their_key_or_nothing_is_recorded(stored):
    db_path, iid = stored
    app = make_app(db_path, iid, "officer.c", sink=NullSink(), policy=NO_CHECKS)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("escape")
    assert app.return_code == 1
    app = make_app(db_path, iid, "officer.c", sink=NullSink(), policy=NO_CHECKS)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("v", "enter")  # typed into the dialog: a wrong passphrase, nothing validated
        await app.workers.wait_for_complete()
        await pilot.pause()
        message = str(app.screen.query_one("#unlock-message").render())
        assert "wrong passphrase for officer officer.c's key; try again" in message
        await pilot.press(*TEST_PASSPHRASE, "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("v")
    with Database(db_path) as db:
        assert [r.status for r in reviews(db, iid)] == ["validated", "draft", "draft"]
        validated = db.conn.execute("SELECT actor, signed_key FROM audit_log WHERE action = 'validate_segment'").fetchall()
        assert [tuple(r) for r in validated] == [("officer.c", officer_key("officer.c").public_hex)]
        assert audit.verify(db.conn).ok


async def test_an_officer_with_no_key_registered_cannot_unlock(stored):
    db_path, iid = stored
    officer_key("officer.unregistered")  # a key in the profile, never registered in this store
    app = make_app(db_path, iid, "officer.unregistered", sink=NullSink(), policy=NO_CHECKS)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*TEST_PASSPHRASE, "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "officer.unregistered is not a registered officer" in str(app.screen.query_one("#unlock-message").render())
        await pilot.press("escape")
    assert app.return_code == 1


async def test_reopening_continues_where_the_officer_left_off(stored):
    db_path, iid = stored
    app = make_app(db_path, iid, "officer.a", sink=NullSink(), confirm_officer=False, policy=NO_CHECKS)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("v")
    app = make_app(db_path, iid, "officer.a", sink=NullSink(), confirm_officer=False, policy=NO_CHECKS)
    async with app.run_test(size=(100, 30)):
        assert app.current == 1


def test_main_screen_snapshot(stored, snap_compare):
    """A segment with an open name flag, at 80x24."""
    db_path, iid = stored
    app = make_app(db_path, iid, "officer.a", sink=NullSink(), confirm_officer=False, policy=NO_CHECKS)
    assert snap_compare(app, terminal_size=(80, 24), press=["down"])


def test_snapshot_after_resolving_and_validating(stored, snap_compare):
    """The same segment once its flag is accepted and it is validated; the next one edited."""
    db_path, iid = stored
    app = make_app(db_path, iid, "officer.a", sink=NullSink(), confirm_officer=False, policy=NO_CHECKS)

    async def review(pilot) -> None:
        await pilot.press("v")  # validated; on to segment 2
        await _hear(pilot, app)
        await pilot.press("1", "v", "e", "end", *"!", "enter")

    assert snap_compare(app, terminal_size=(80, 24), run_before=review)


@pytest.mark.slow  # a real terminal: 20 s of waiting for the screen
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_real_terminal_through_tmux(db_path, eval_dir):
    """tests/e2e/review_tmux.sh drives `interview-assist review` in tmux at 80x24."""
    t = _transcript(AUDIO)
    first = NameFlag(0, 0, 1, 0.0, 0.85, "Good morning", ("capitalised",), (Suggestion("Good Morning", 80.0, "glossary", "place"),))
    with Database(db_path) as db:
        iid = save_transcript(db, replace(t, name_flags=(first, *t.name_flags)), actor="machine")
    done = subprocess.run(["bash", str(REPO / "tests" / "e2e" / "review_tmux.sh"), str(db_path), str(iid)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    with Database(db_path) as db:
        assert [f.status for f in name_flags(db, iid)][:1] == ["confirmed"]
        assert db.conn.execute("SELECT actor FROM audit_log WHERE action = 'resolve_name_flag'").fetchone()[0] == "officer.tmux"


def test_the_engine_imports_no_textual():
    code = (
        "import sys, interview_assist.pipeline.run, interview_assist.store, interview_assist.review.session, "
        "interview_assist.review.playback, interview_assist.names.detect, interview_assist.export, "
        "interview_assist.report, interview_assist.batch, interview_assist.cli.app; "
        "print('textual' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert done.stdout.strip() == "False", done.stderr


async def test_speaker_of_a_segment_and_role_of_a_speaker_everywhere(db_path, eval_dir):
    from interview_assist.core.transcript import Speaker

    t = _transcript(AUDIO)
    speakers = (Speaker("S1", "officer", "officer", "speaks first", 2.7), Speaker("S2", "applicant", "applicant", "rest", 4.6))
    with Database(db_path) as db:
        iid = save_transcript(db, replace(t, speakers=speakers), actor="machine")
    app = make_app(db_path, iid, "officer.a", sink=NullSink(), confirm_officer=False, policy=NO_CHECKS)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("v", "up", "w", "backspace", "backspace", *"s2", "enter")
        assert "segment 1 now S2" in _status(app)
        await pilot.press("r", "ctrl+u", *"interpreter", "enter")
        assert "S2 is now interpreter everywhere" in _status(app)
        await pilot.press("r", "ctrl+u", *"judge", "enter")
        assert "unknown role 'judge'" in _status(app)
    with Database(db_path) as db:
        first = reviews(db, iid)[0]
        roles = dict(db.conn.execute("SELECT label, role FROM speakers WHERE interview_id = ?", (iid,)).fetchall())
        seg_speakers = [r[0] for r in db.conn.execute("SELECT speaker FROM segments WHERE interview_id = ? ORDER BY idx", (iid,))]
    assert first.status == "edited", "a validated segment whose speaker changes returns to review"
    assert roles == {"S1": "officer", "S2": "interpreter"} and seg_speakers == ["S2", "S2", "S2"]


async def test_a_proposed_role_is_marked_until_someone_confirms_it(db_path, eval_dir):
    from interview_assist.core.transcript import Speaker

    t = _transcript(AUDIO)
    speakers = (
        Speaker("S1", "officer", "officer", "speaks first; 37 % of the speech", 2.7),
        Speaker("S2", "applicant", "applicant", "the remaining main voice; 63 % of the speech", 4.6),
    )
    with Database(db_path) as db:
        iid = save_transcript(db, replace(t, speakers=speakers), actor="machine")
    app = make_app(db_path, iid, "officer.a", sink=NullSink(), confirm_officer=False, policy=NO_CHECKS)
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.table.get_row_at(0)[1] == "officer? S1"
        assert "role proposed by the machine: speaks first; 37 % of the speech" in _detail(app)
        await pilot.press("r", "enter")  # the prompt holds the proposed role: Enter confirms it
        assert "S1 confirmed as officer everywhere" in _status(app)
        assert app.table.get_row_at(0)[1] == "officer S1"
        assert "proposed" not in _detail(app)
        await pilot.press("down")
        assert app.table.get_row_at(1)[1] == "applicant? S2", "the other speaker is still only proposed"
    with Database(db_path) as db:
        confirmed = dict(db.conn.execute("SELECT label, confirmed FROM speakers WHERE interview_id = ?", (iid,)).fetchall())
        logged = [json.loads(r[0]) for r in db.conn.execute("SELECT detail FROM audit_log WHERE action = 'set_speaker'")]
    assert confirmed == {"S1": 1, "S2": 0}
    assert [{k: v for k, v in d.items() if k != "speaker_sha256"} for d in logged] == [
        {"speaker": "S1", "role": "officer", "previous_role": "officer", "name_set": False, "name_changed": False, "reopened": []}
    ]


async def test_split_and_merge_keep_every_word_and_flag(stored):
    db_path, iid = stored
    app = make_app(db_path, iid, "officer.a", sink=NullSink(), confirm_officer=False, policy=NO_CHECKS)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("down", "slash", "5", "enter")  # would cut "Farid Ann Ari"
        assert "goes through a flagged name" in _status(app)
        await pilot.press("slash", "4", "enter")  # "My name is" | "Farid Ann Ari."
        assert "segment 2 split before word 4" in _status(app)
        assert len(app.session) == 4
        await pilot.press("down")
        assert app.session.view(2).segment.text == "Farid Ann Ari." and len(app.session.view(2).open_flags) == 1
        await pilot.press("m")  # with "Later we moved to Kandas."
        assert "merged" in _status(app) and len(app.session) == 3
        merged = app.session.view(2)
        assert merged.segment.text == "Farid Ann Ari. Later we moved to Kandas."
        assert [f.flag.text for f in merged.flags] == ["Farid Ann Ari", "Kandas"]
        assert [merged.segment.words[f.flag.first_word].text.strip() for f in merged.flags] == ["Farid", "Kandas."]
        await pilot.press("m")
        assert "is the last one" in _status(app)
    with Database(db_path) as db:
        assert db.conn.execute("SELECT COUNT(*) FROM words w JOIN segments s ON s.id = w.segment_id WHERE s.interview_id = ?", (iid,)).fetchone()[0] == 17
        assert [r[0] for r in db.conn.execute("SELECT idx FROM segments WHERE interview_id = ? ORDER BY idx", (iid,))] == [0, 1, 2]
        assert audit.verify(db.conn).ok


async def test_quality_flags_block_validation_until_checked(db_path, eval_dir):
    from interview_assist.core.transcript import Flag

    t = replace(_transcript(AUDIO), flags=(Flag("loop", "the same phrase three times", 0.0, 2.7, 0),))
    with Database(db_path) as db:
        iid = save_transcript(db, t, actor="machine")
    app = make_app(db_path, iid, "officer.a", sink=NullSink(), confirm_officer=False, policy=NO_CHECKS)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("v")
        assert "segment 1 has 1 open flag" in _status(app)
        await pilot.press("c")
        assert "needs its audio (loop flag)" in _status(app)
        await _hear(pilot, app, "s")  # played slower: heard all the same
        await pilot.press("x", "enter")  # no reason: nothing happens
        await pilot.press("escape")
        await pilot.press("c", "v")
        assert "validated 1 / 3" in _status(app)
    with Database(db_path) as db:
        row = db.conn.execute("SELECT status, resolved_by FROM flags WHERE interview_id = ?", (iid,)).fetchone()
    assert tuple(row) == ("confirmed", "officer.a")


def test_a_command_line_player_gets_the_pcm(tmp_path):
    """CommandSink pipes 16-bit mono PCM at the asked rate to the player's stdin (a stand-in player here)."""
    import numpy as np

    from interview_assist.review.playback import CommandSink

    out = tmp_path / "played.raw"
    # A player takes as long as the sound lasts (1.33 s at 12 kHz); one that ends at once did not play it.
    sink = CommandSink(["sh", "-c", f"cat > {out}; echo {{rate}} > {out}.rate; sleep 1.3"])
    assert sink.play(np.linspace(-1, 1, 16000, dtype=np.float32), 12000).outcome == "ended"
    data = np.frombuffer(out.read_bytes(), dtype="<i2")
    assert data.size == 16000 and data[0] == -32767 and data[-1] == 32767
    assert (tmp_path / "played.raw.rate").read_text().strip() == "12000"


async def test_typed_text_that_looks_like_markup_is_text(db_path, eval_dir):
    """An officer's name, an edit and a spelling with [/b] or [/] are shown and stored as typed."""
    with Database(db_path) as db:
        iid = save_transcript(db, _transcript(AUDIO), actor="machine")
    enrol(db_path, "J. Smith [/b]")
    app = make_app(db_path, iid, "J. Smith [/b]", sink=NullSink(), policy=NO_CHECKS)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press(*TEST_PASSPHRASE, "enter")  # the officer dialog shows the name as typed
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "reviewing as J. Smith [/b]" in _status(app)
        await pilot.press("e", *" [/]", "enter")
        assert "segment 1 edited" in _status(app)
        await pilot.press("down")
        await _hear(pilot, app)
        await pilot.press("a", "end", *" [x]", "enter")  # (End keeps the heard spelling, which opens selected)
        assert 'spelled "Farid Ann Ari [x]"' in _status(app)
    with Database(db_path) as db:
        assert reviews(db, iid)[0].text == "Good morning. Please state your name. [/]"
        assert name_flags(db, iid)[0].resolution == "Farid Ann Ari [x]"


async def test_an_edit_opens_with_the_cursor_at_the_end_and_is_never_emptied(stored):
    db_path, iid = stored
    app = make_app(db_path, iid, "officer.a", sink=NullSink(), confirm_officer=False, policy=NO_CHECKS)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("e", "!", "enter")  # the first key adds; it does not replace the text
        assert reviews(app.db, iid)[0].text == "Good morning. Please state your name.!"
        await pilot.press("e", "ctrl+u", "enter")
        assert isinstance(app.screen, SegmentEditor), "the editor stays open, with the reason"
        assert "segment 1 cannot be empty" in _dialog_error(app)
        await pilot.press("escape", "e", "enter")
        assert "segment 1 unchanged" in _status(app)
    with Database(db_path) as db:
        assert reviews(db, iid)[0].text == "Good morning. Please state your name.!"


async def test_a_name_is_spelled_by_hand_and_a_decision_can_be_changed(stored):
    db_path, iid = stored
    app = make_app(db_path, iid, "officer.a", sink=NullSink(), confirm_officer=False, policy=NO_CHECKS)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("down", "down")
        await _hear(pilot, app)
        await pilot.press("c", "v")  # "Kandas" confirmed as heard, segment validated
        assert "validated 1 / 3" in _status(app) and app.current == 0  # on to the first segment left to review
        await pilot.press("down", "down")
        await pilot.press("a", *["backspace"] * 6, *"Kunduz", "enter")  # the officer corrects it after all
        assert '"Kandas" spelled "Kunduz" (was: confirmed)' in _status(app)
        assert "validated 0 / 3" in _status(app), "a changed decision sends the segment back for review"
        await pilot.press("x", "enter")  # a dismissal without a reason changes nothing
        assert "needs a reason" in _status(app)
    with Database(db_path) as db:
        kandas = name_flags(db, iid)[1]
        assert (kandas.status, kandas.resolution) == ("edited", "Kunduz")
        assert reviews(db, iid)[2].text == "Later we moved to Kunduz."


async def test_the_keys_act_on_the_selected_flag_of_a_segment_with_two(stored):
    db_path, iid = stored
    app = make_app(db_path, iid, "officer.a", sink=NullSink(), confirm_officer=False, policy=NO_CHECKS)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("down", "m")  # one segment with "Farid Ann Ari" and "Kandas"
        assert "▶ ⚑ \"Farid Ann Ari\" at 0:00:04" in _detail(app), "the first open flag is selected, with its time"
        await _hear(pilot, app)
        await pilot.press("1")
        assert '"Farid Ann Ari": suggestion 1 accepted' in _status(app)
        # The decided flag keeps its place and stays selected, so ] goes on to
        # the next one. (Decided flags used to move to the end, and ] then
        # skipped the flag after it.)
        assert "▶ ⚑ \"Farid Ann Ari\"" in _detail(app)
        await pilot.press("right_square_bracket", "c")
        assert '"Kandas" confirmed as heard' in _status(app)
        await pilot.press("right_square_bracket", "x", *"not a name", "enter")
        assert 'flag on "Farid Ann Ari" dismissed (was: accepted)' in _status(app)
    with Database(db_path) as db:
        assert [f.status for f in name_flags(db, iid)] == ["dismissed", "confirmed"]


async def test_the_selected_flag_is_always_in_view_on_a_small_terminal(db_path, eval_dir):
    """Five flags in one segment at 80x24: the pane holds about eight lines, so
    earlier flags make way for the selected one, which the keys act on."""
    text = "We went from Ghazni to Kandas and Herat, then by Islam Kala and on to Mashad with the others who came."
    probs = [0.3 if w.strip(",.") in ("Ghazni", "Kandas", "Herat", "Kala", "Mashad") else 0.9 for w in text.split()]
    seg = Segment(0.0, 10.0, text, "en", _words(0.0, text, probs), speaker="S2")
    suggestion = (Suggestion("Kunduz", 100.2, "gazetteer:places", "city, AF"), Suggestion("Kandahar", 90.0, "gazetteer:places", "city, AF"))
    flags = tuple(
        NameFlag(0, i, j, seg.words[i].start, seg.words[j].end, " ".join(w.text.strip().strip(",.") for w in seg.words[i:j + 1]),
                 ("unknown", "capitalised", "low-probability"), suggestion)
        for i, j in ((3, 3), (5, 5), (7, 7), (10, 11), (15, 15))
    )
    t = replace(_transcript(AUDIO), segments=(seg,), name_flags=flags)
    with Database(db_path) as db:
        iid = save_transcript(db, t, actor="machine")
    app = make_app(db_path, iid, "officer.a", sink=NullSink(), confirm_officer=False, policy=NO_CHECKS)
    async with app.run_test(size=(80, 24)) as pilot:
        await _hear(pilot, app)
        await pilot.press(*["right_square_bracket"] * 4)
        visible = _visible_detail(app)
        assert any('▶ ⚑ "Mashad"' in line for line in visible), visible
        assert any("earlier flags here" in line for line in visible)
        await pilot.press("1")
        assert '"Mashad": suggestion 1 accepted' in _status(app)
        await pilot.press("right_square_bracket")  # back to the first: the earlier ones show again
        visible = _visible_detail(app)
        assert any('▶ ⚑ "Ghazni"' in line for line in visible) and not any("earlier flag" in line for line in visible)


async def test_another_screens_decision_is_shown_not_overwritten(stored):
    from interview_assist.review.playback import Played
    from interview_assist.review.session import ReviewSession

    db_path, iid = stored
    app = make_app(db_path, iid, "officer.a", sink=NullSink(), confirm_officer=False, policy=NO_CHECKS)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("down")
        await _hear(pilot, app)
        with Database(db_path) as db:  # officer B, in another terminal, hears the segment and accepts the suggestion
            other = ReviewSession(db, iid, "officer.b", policy=NO_CHECKS)
            span = other.view(1).segment.span
            other.record_play(Played(span, 1.0, "ended", span, span.duration))
            other.resolve(other.view(1).open_flags[0].id, "accept", suggestion=1)
        await pilot.press("c")  # A, who has not seen it, confirms the name as heard
        assert "officer.b (resolve name flag, " in _status(app) and "changed segment 2" in _status(app)
        assert app.session.view(1).flags[0].status == "accepted", "A's screen now shows B's decision"
    with Database(db_path) as db:
        flag = name_flags(db, iid)[0]
        assert (flag.status, flag.resolved_by) == ("accepted", "officer.b")


async def test_without_an_audio_player_playback_says_so(stored):
    from interview_assist.review.playback import NoPlayer

    db_path, iid = stored
    app = make_app(db_path, iid, "officer.a", sink=NoPlayer(), confirm_officer=False, policy=NO_CHECKS)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("p")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "no audio player found" in _status(app)


def test_a_player_that_fails_is_reported(tmp_path):
    """A player exiting with an error (no sound card) raises with its last line of stderr."""
    import numpy as np

    from interview_assist.core.errors import PlaybackError
    from interview_assist.review.playback import CommandSink

    sink = CommandSink(["sh", "-c", "cat > /dev/null; echo 'cannot open audio device default' >&2; exit 1"])
    with pytest.raises(PlaybackError, match="exit code 1.*cannot open audio device"):
        sink.play(np.zeros(1600, dtype=np.float32), 16000)


async def test_the_occurrences_of_a_name_are_stepped_through_with_their_audio(db_path, eval_dir):
    """g goes to the next flag on the same name, selects it and plays it with a second around it;
    the detail pane says why each suggestion is offered."""
    t = _transcript(AUDIO)
    why = "sounds like “Kandas” (same phonetic key)"
    fourth = Segment(9.0, 11.3, "We left Kandas in May.", "en", _words(9.0, "We left Kandas in May.", [0.9, 0.9, 0.4, 0.9, 0.9]), speaker="S2")
    again = NameFlag(3, 2, 2, 9.9, 10.3, "Kandas", ("unknown", "capitalised"),
                     (Suggestion("Kunduz", 100.2, "gazetteer:places", "city, AF", (), why),))
    t = replace(t, segments=(*t.segments, fourth), duration=11.3, name_flags=(*t.name_flags, again))
    with Database(db_path) as db:
        iid = save_transcript(db, t, actor="machine")
    sink = NullSink()
    app = make_app(db_path, iid, "officer.a", sink=sink, confirm_officer=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("down", "down")
        assert app.current == 2
        await pilot.press("g")
        await app.workers.wait_for_complete()
        assert app.current == 3
        assert 'occurrence 2 of 2 of this name' in _status(app)
        assert f"1. Kunduz · {why}" in _detail(app)
        # 9.0-11.3 s: the name (9.9-10.3 s) and up to 1 s around it, within its segment.
        assert sink.played == [(int((11.3 - 9.0) * 16000), 16000)]
        await pilot.press("g")
        assert app.current == 2 and "occurrence 1 of 2" in _status(app)
        await pilot.press("up")
        await pilot.press("g")
        assert "is flagged nowhere else" in _status(app)


async def test_the_readme_lists_every_key_of_the_help_screen(stored):
    """README's key list of the review screen and the help screen (`?`) name the same keys."""
    from interview_assist.tui.dialogs import HelpScreen

    db_path, iid = stored
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("- **review** opens the review screen"):readme.index("- **show** prints a stored draft")]
    app = make_app(db_path, iid, "officer.a", sink=NullSink(), confirm_officer=False, policy=NO_CHECKS)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = [key for key, _ in app.screen._lines]  # (the lines it was given)
    assert len(keys) > 20
    for key in keys:
        if key == "up/down":
            continue
        names = {"1-5": ["1", "5"], "u / Ctrl-Z": ["u", "Ctrl-Z"]}.get(key, [key])
        for name in names:
            assert f"`{name}`" in section, f"the help screen's key {key!r} is not in README's key list"
