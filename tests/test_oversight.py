"""Provable human oversight (issue 20): what the officer heard, checked and decided.

The interview is the hand-built one of test_tui (three segments over a real
recording, two name flags). Sound devices are stand-ins: NullSink (plays at
once), and small fake ``ffplay``/``aplay`` programs put on PATH that behave
as the real ones do (the text of their errors is what ffplay 5.1 and aplay
print on a machine without a sound device), so that the detection runs on
the real CommandSink code path.
"""

from __future__ import annotations

import json
import random
import re
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from interview_assist.core.errors import AttentionCheckMissed, InputError, NotHeard
from interview_assist.core.spans import Span
from interview_assist.core.transcript import Speaker
from interview_assist.review.playback import CommandSink, NullSink, Played, Player, default_sink
from interview_assist.review.policy import OversightPolicy, load_policy
from interview_assist.review.session import ReviewSession
from interview_assist.store import Database, audit, name_flags, reviews, save_transcript, set_speaker, validate_segment
from interview_assist.store.integrity import verify_interview
from interview_assist.tui import make_app

from .conftest import listen, raw_sql, run_cli
from .test_tui import AUDIO, _hear, _status, _transcript

NO_CHECKS = OversightPolicy(attention_rate=0)
EVERY_SEGMENT = OversightPolicy(attention_rate=1)  # a check on every segment a check can go on

# What ffplay 5.1 writes on a machine without a sound device (it then exits 0), and aplay.
FFPLAY_NO_DEVICE = """#!/bin/sh
/bin/cat > /dev/null
echo "ALSA lib pcm.c:2666:(snd_pcm_open_noupdate) Unknown PCM default" >&2
echo "No more combinations to try, audio open failed" >&2
echo "Failed to open file 'pipe:' or configure filtergraph" >&2
exit 0
"""
SILENT_EXIT = "#!/bin/sh\n/bin/cat > /dev/null\nexit 0\n"
APLAY_NO_DEVICE = """#!/bin/sh
/bin/cat > /dev/null
echo "aplay: main:831: audio open error: No such file or directory" >&2
exit 1
"""
# A player that takes as long as the sound lasts, as a real sound device does.
REAL_TIME = f"""#!{sys.executable}
import sys, time
args = sys.argv
rate = int(args[args.index("-ar") + 1]) if "-ar" in args else int(args[args.index("-r") + 1])
data = sys.stdin.buffer.read()
time.sleep(len(data) / 2 / rate)
"""


def _players(tmp_path: Path, monkeypatch, **scripts: str) -> None:
    """Only these players on PATH (name -> script)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name, text in scripts.items():
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))


@pytest.fixture
def stored(db_path, eval_dir):
    with Database(db_path) as db:
        interview_id = save_transcript(db, _transcript(AUDIO), actor="machine")
    return db_path, interview_id


def _records(db_path: Path, action: str) -> list[tuple[str, dict]]:
    with raw_sql(db_path) as c:
        return [(a, json.loads(d)) for a, d in c.execute("SELECT actor, detail FROM audit_log WHERE action = ? ORDER BY id", (action,))]


# -- 1. listening is recorded ------------------------------------------------------------------


async def test_every_play_is_recorded_with_its_span_and_what_was_heard(stored):
    db_path, iid = stored
    app = make_app(db_path, iid, "officer.a", sink=NullSink(), confirm_officer=False, policy=NO_CHECKS)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("down")
        await _hear(pilot, app)
        assert "played 3.0-5.3 s · segment 2: 100% heard by you" in _status(app)
        assert str(app.table.get_row_at(1)[5]) == "100%" and str(app.table.get_row_at(0)[5]) == "·"
        await _hear(pilot, app, "s")
        await _hear(pilot, app, "b")
    plays = _records(db_path, "play")
    assert [(a, d["start"], d["end"], d["speed"], d["outcome"], d["heard"]) for a, d in plays] == [
        ("officer.a", 3.0, 5.3, 1.0, "ended", [3.0, 5.3]),
        ("officer.a", 3.0, 5.3, 0.75, "ended", [3.0, 5.3]),
        ("officer.a", 0.0, 5.3, 1.0, "ended", [0.0, 5.3]),
    ]
    with Database(db_path) as db:
        assert verify_interview(db, iid).ok


async def test_ffplay_exiting_0_without_a_sound_device_is_reported_and_nothing_is_heard(stored, tmp_path, monkeypatch):
    db_path, iid = stored
    _players(tmp_path, monkeypatch, ffplay=FFPLAY_NO_DEVICE)
    app = make_app(db_path, iid, "officer.a", confirm_officer=False, policy=NO_CHECKS)  # the player found on PATH
    assert isinstance(app.player.sink, CommandSink)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("down")
        await _hear(pilot, app)
        status = _status(app)
        assert "playback failed: ffplay could not play the audio: No more combinations to try, audio open failed" in status
        assert "nothing recorded as heard" in status
        assert str(app.table.get_row_at(1)[5]) == "·"
        await pilot.press("1")
        assert "needs its audio" in _status(app), "a failed play heard nothing"
    ((_, play),) = _records(db_path, "play")
    assert (play["outcome"], play["heard"]) == ("failed", None) and "audio open failed" in play["reason"]


def test_a_player_that_ends_at_once_saying_nothing_did_not_play(tmp_path, monkeypatch):
    _players(tmp_path, monkeypatch, ffplay=SILENT_EXIT)
    played = Player(AUDIO, default_sink()).play(Span(3.0, 5.3))
    assert played is not None and (played.outcome, played.heard) == ("failed", None)
    assert re.search(r"ffplay ended after 0\.\d s of 2\.3 s of sound without playing it", played.reason), played.reason


def test_aplay_without_a_sound_device_is_reported(tmp_path, monkeypatch):
    _players(tmp_path, monkeypatch, aplay=APLAY_NO_DEVICE, ffplay=REAL_TIME)
    played = Player(AUDIO, default_sink()).play(Span(3.0, 5.3))  # aplay comes first
    assert played is not None and played.outcome == "failed"
    assert played.reason == "aplay failed (exit code 1): aplay: main:831: audio open error: No such file or directory"


def test_paplay_without_a_sound_server_is_reported(tmp_path, monkeypatch):
    paplay = '#!/bin/sh\n/bin/cat > /dev/null\necho "Connection failure: Connection refused" >&2\n' \
             'echo "pa_context_connect() failed: Connection refused" >&2\nexit 1\n'
    _players(tmp_path, monkeypatch, paplay=paplay, ffplay=REAL_TIME)
    played = Player(AUDIO, default_sink()).play(Span(3.0, 5.3))  # paplay comes before ffplay
    assert played is not None and played.outcome == "failed" and played.heard is None
    assert played.reason == "paplay failed (exit code 1): pa_context_connect() failed: Connection refused"


@pytest.mark.slow  # plays in real time
def test_a_player_in_real_time_is_heard_and_one_cut_short_counts_what_ran(tmp_path, monkeypatch):
    _players(tmp_path, monkeypatch, ffplay=REAL_TIME)
    player = Player(AUDIO, default_sink())
    whole = player.play(Span(3.0, 4.0))
    assert whole is not None and (whole.outcome, whole.heard) == ("ended", Span(3.0, 4.0)) and whole.seconds >= 1.0

    # A newer play stops the one before: both are kept, the first with what it played.
    first: list[Played | None] = []
    thread = threading.Thread(target=lambda: first.append(player.play(Span(0.0, 8.0))))
    thread.start()
    time.sleep(1.5)
    second = player.play(Span(6.0, 6.5))
    thread.join()
    assert second is not None and second.outcome == "ended"
    (cut,) = first
    assert cut is not None and cut.outcome == "stopped" and cut.heard is not None
    assert 1.0 <= cut.heard.end <= 3.5, cut  # about 1.5 s of the 8 s

    # Quitting stops a play: stop() returns it, with what ran; the play itself then returns nothing.
    late: list[Played | None] = []
    thread = threading.Thread(target=lambda: late.append(player.play(Span(0.0, 8.0))))
    thread.start()
    time.sleep(1.0)
    (stopped,) = player.close()
    thread.join()
    assert late == [None] and stopped.outcome == "stopped" and 0.5 <= stopped.heard.end <= 3.0, stopped


# -- 6. the recording is checked before it is played ---------------------------------------------


async def test_a_swapped_recording_is_refused(db_path, eval_dir, tmp_path):
    recording = tmp_path / "interview.wav"
    recording.write_bytes(AUDIO.read_bytes())
    with Database(db_path) as db:
        iid = save_transcript(db, _transcript(recording), actor="machine")
    app = make_app(db_path, iid, "officer.a", sink=NullSink(), confirm_officer=False, policy=NO_CHECKS)
    async with app.run_test(size=(100, 30)) as pilot:
        await _hear(pilot, app)
        assert "played 0.0-2.7 s" in _status(app)
        # Someone replaces the file on the shared mount with another recording.
        recording.write_bytes((eval_dir / "names" / "names_v02.wav").read_bytes())
        await _hear(pilot, app)
        assert "is not the recording that was transcribed" in _status(app) and "refusing to play it" in _status(app)
    assert app.player.sink.played == [(int(2.7 * 16000), 16000)], "the other recording was never played"
    assert [d["outcome"] for _, d in _records(db_path, "play")] == ["ended", "failed"]


# -- 3. risky items need the audio ---------------------------------------------------------------


def test_a_flagged_or_doubtful_segment_is_decided_only_once_heard_or_with_a_reason(stored):
    db_path, iid = stored
    with Database(db_path) as db:
        s = ReviewSession(db, iid, "officer.a", policy=NO_CHECKS)
        assert s.needs_audio(0) == () and s.needs_audio(1) == ("name flag", "low confidence")
        assert s.needs_audio(2) == ("name flag",)
        (farid,) = s.view(1).open_flags
        with pytest.raises(NotHeard, match="the name flag on segment 2 needs its audio"):
            s.resolve(farid.id, "accept", suggestion=1)
        s.validate(0)  # a plain segment may be validated unheard: that is recorded
        listen(s, 1)
        s.resolve(farid.id, "accept", suggestion=1)
        s.validate(1)
        (kandas,) = s.view(2).open_flags
        with pytest.raises(NotHeard):
            s.resolve(kandas.id, "confirm")
        with pytest.raises(InputError, match="needs a reason"):
            s.note_unheard(2, "  ")
        s.note_unheard(2, "I conducted this interview; recalled")
        s.resolve(kandas.id, "confirm")
        s.validate(2)
        # Another officer's plays and notes are not theirs: officer B has heard nothing.
        b = ReviewSession(db, iid, "officer.b", policy=NO_CHECKS)
        assert b.view(1).heard == 0.0 and not b.view(2).audio_ok
        assert verify_interview(db, iid).ok
    validations = [d for _, d in _records(db_path, "validate_segment")]
    assert [(d["heard"], d["needs_audio"], d["unheard_note"] is not None) for d in validations] == [
        (0.0, [], False), (1.0, ["name flag", "low confidence"], False), (0.0, ["name flag"], True)]
    assert all("recalled" not in json.dumps(d) for _, d in _records(db_path, "note_unheard")), "the reason stays out of the log"
    with raw_sql(db_path) as c:  # a note changed in the file is found
        c.execute("UPDATE unheard_notes SET reason = 'played it' WHERE interview_id = ?", (iid,))
    with Database(db_path) as db:
        assert any("note #" in p for p in verify_interview(db, iid).problems)


async def test_the_screen_asks_for_the_audio_or_a_reason(stored):
    db_path, iid = stored
    app = make_app(db_path, iid, "officer.a", sink=NullSink(), confirm_officer=False, policy=NO_CHECKS)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("h")
        assert "does not need its audio" in _status(app)
        await pilot.press("down", "c")
        assert "needs its audio (name flag, low confidence): 0% of it heard, 80% needed" in _status(app)
        await pilot.press("h", *"I conducted this interview; recalled", "enter")
        assert "reason recorded" in _status(app)
        await pilot.press("c", "v")
        assert "segment 2 validated" in _status(app)


# -- 4. attention checks ---------------------------------------------------------------------------


def _shown_word(app, index: int) -> tuple[str, str]:
    check = app.session.checks[index]
    return check.decoy, check.original


async def test_an_attention_check_missed_then_one_caught(stored):
    db_path, iid = stored
    app = make_app(db_path, iid, "officer.a", sink=NullSink(), confirm_officer=False, policy=EVERY_SEGMENT, rng=random.Random(4))
    async with app.run_test(size=(100, 30)) as pilot:
        assert set(app.session.checks) == {0}, "never on a segment with a flag"
        decoy, heard = _shown_word(app, 0)
        assert decoy.casefold() != heard.casefold() and decoy in str(app.table.get_row_at(0)[6])
        await pilot.press("v")
        assert f'ATTENTION CHECK MISSED: "{decoy}" in segment 1 was put there on purpose (heard: "{heard}")' in _status(app)
        assert "It is not validated: read it again." in _status(app)
        assert "validated 0 / 3" in _status(app) and decoy not in str(app.table.get_row_at(0)[6])
        await pilot.press("v")  # read again: validated
        assert "validated 1 / 3" in _status(app)
    with Database(db_path) as db:
        validate_back = reviews(db, iid)[0]
        assert validate_back.status == "validated"
        # The officer edits it later (it goes back for review); a new session shows a check on it again.
        from interview_assist.store import edit_segment

        edit_segment(db, iid, 0, validate_back.asr_text + " Thank you.", actor="officer.a")
        edit_segment(db, iid, 0, validate_back.asr_text, actor="officer.a")
    app = make_app(db_path, iid, "officer.a", sink=NullSink(), confirm_officer=False, policy=EVERY_SEGMENT, rng=random.Random(5))
    async with app.run_test(size=(100, 30)) as pilot:
        decoy, heard = _shown_word(app, 0)
        shown = app.session.display_text(0)
        assert decoy in shown and heard not in shown.split()
        await pilot.press("e", "ctrl+u", *shown.replace(decoy, heard), "enter")  # the officer corrects the word
        assert f'Attention check caught: "{decoy}" was put there on purpose (heard: "{heard}"); the text is as it was' in _status(app)
        assert app.session.view(0).review.edited_text is None, "nothing was edited"
    checks = _records(db_path, "attention_check")
    assert [(a, d["segment"], d["outcome"], d["via"]) for a, d in checks] == [
        ("officer.a", 0, "missed", "validate"), ("officer.a", 0, "caught", "edit")]
    assert all(set(d) == {"segment", "word", "outcome", "start", "end", "via"} for _, d in checks), "no words in the log"


async def test_no_other_view_of_a_checked_segment_gives_the_check_away(stored):
    db_path, iid = stored
    app = make_app(db_path, iid, "officer.a", sink=NullSink(), confirm_officer=False, policy=EVERY_SEGMENT, rng=random.Random(3))
    async with app.run_test(size=(100, 30)) as pilot:
        decoy, heard = _shown_word(app, 0)
        await pilot.press("slash")
        title = str(app.screen.query_one(".title").render())
        assert decoy in title and f":{heard}" not in title.replace(".", ""), title
        await pilot.press("escape", "e")
        assert decoy in app.screen.query_one("TextArea").text
        heard_line = str(app.screen.query_one(".heard").render())  # the editor's words as heard, for the audio
        assert decoy in heard_line and f" {heard} " not in f" {heard_line} ".replace(".", " "), heard_line


async def test_the_check_word_never_reaches_the_store_or_any_export(stored, tmp_path):
    """The officer edits a segment showing a check but keeps the wrong word: missed, and the heard word is
    stored in its place. The whole review is then finished and exported in every format."""
    db_path, iid = stored
    app = make_app(db_path, iid, "officer.a", sink=NullSink(), confirm_officer=False, policy=EVERY_SEGMENT, rng=random.Random(1))
    async with app.run_test(size=(100, 30)) as pilot:
        decoy, heard = _shown_word(app, 0)
        await pilot.press("e", "end", *" Thank you.", "enter")
        assert f'ATTENTION CHECK MISSED: "{decoy}"' in _status(app) and "stored with the heard word in its place" in _status(app)
        assert app.session.view(0).review.text == "Good morning. Please state your name. Thank you."
        await pilot.press("v")  # on to segment 2
        await _hear(pilot, app)
        await pilot.press("1", "v")
        await _hear(pilot, app)
        await pilot.press("c", "v")
        assert "validated 3 / 3" in _status(app)
    files = [db_path, Path(f"{db_path}-wal")]
    for fmt in ("docx", "txt", "srt", "vtt", "json", "rttm"):
        out = tmp_path / f"case.{fmt}"
        done = run_cli("export", iid, "--format", fmt, "--out", out, "--db", db_path, "--officer", "officer.a")
        assert done.returncode == 0, done.stderr
        files.append(out)
    report = tmp_path / "qa.json"
    assert run_cli("report", iid, "--format", "json", "--out", report, "--db", db_path).returncode == 0
    files.append(report)
    import docx

    texts = {p: p.read_bytes() for p in files if p.exists()}
    texts[tmp_path / "case.docx"] = "\n".join(p.text for p in docx.Document(str(tmp_path / "case.docx")).paragraphs).encode()
    word = re.compile(rb"(?<![\w])" + re.escape(decoy.encode()) + rb"(?![\w])", re.IGNORECASE)
    assert len(texts) == 9
    for path, data in texts.items():
        assert not word.search(data), f"{decoy!r} in {path}"
    assert b"Thank you." in texts[tmp_path / "case.txt"]


# -- 6. export trusts the store only when it verifies ------------------------------------------------


def test_export_refuses_a_store_changed_outside_the_application(stored, tmp_path):
    db_path, iid = stored
    with Database(db_path) as db:
        s = ReviewSession(db, iid, "officer.a", policy=NO_CHECKS)
        listen(s)
        for f in [f for i in range(len(s)) for f in s.view(i).open_flags]:
            s.resolve(f.id, "confirm")
        for i in range(len(s)):
            s.validate(i)
    with raw_sql(db_path) as c:
        c.execute("UPDATE segments SET text = 'Good morning. State your name and date of birth.' WHERE interview_id = ? AND idx = 0", (iid,))
    out = tmp_path / "case.txt"
    done = run_cli("export", iid, "--format", "txt", "--out", out, "--db", db_path)
    assert done.returncode == 5, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert "changed outside the application, so it is not exported: segment 1:" in line
    assert f"interview-assist audit verify {iid}" in line
    assert not out.exists() and _records(db_path, "export") == []


# -- 7. a role change sends the speaker's validated segments back ------------------------------------


def test_a_role_change_sends_the_speakers_validated_segments_back(db_path, eval_dir):
    t = replace(_transcript(AUDIO), speakers=(Speaker("S1", "officer", "officer", "speaks first", 2.7),
                                               Speaker("S2", "applicant", "applicant", "rest", 4.6)))
    with Database(db_path) as db:
        iid = save_transcript(db, t, actor="machine")
        for f in name_flags(db, iid):
            from interview_assist.store import resolve_name_flag

            resolve_name_flag(db, iid, f.id, "confirm", actor="officer.a")
        for i in range(3):
            validate_segment(db, iid, i, actor="officer.a")
        set_speaker(db, iid, "S2", actor="officer.a", confirm=True)  # the same role: nothing to review again
        assert [r.status for r in reviews(db, iid)] == ["validated"] * 3
        set_speaker(db, iid, "S2", actor="officer.a", role="interpreter")
        assert [r.status for r in reviews(db, iid)] == ["validated", "edited", "edited"]
        assert verify_interview(db, iid).ok
    assert _records(db_path, "set_speaker")[-1][1]["reopened"] == [1, 2]
    with raw_sql(db_path) as c:  # marked validated again in the file: found
        c.execute("UPDATE segments SET review_status = 'validated', validated_by = 'officer.a' WHERE interview_id = ? AND idx = 1", (iid,))
    with Database(db_path) as db:
        assert any("no validation since its last change" in p for p in verify_interview(db, iid).problems)


# -- the policy --------------------------------------------------------------------------------


def test_the_policy_is_read_from_a_file_and_recorded_with_each_session(stored, tmp_path):
    db_path, iid = stored
    good = tmp_path / "policy.toml"
    good.write_text("attention_rate = 20\nheard_share = 0.9\n")
    policy = load_policy(good)
    assert (policy.attention_rate, policy.heard_share, policy.min_validations) == (20, 0.9, 10)
    bad = tmp_path / "bad.toml"
    for text, message in (("attention_rat = 3\n", "unknown policy setting 'attention_rat'"),
                          ("heard_share = 1.5\n", "heard_share must be above 0 and at most 1"),
                          ("attention_rate = [\n", "is not a TOML policy file")):
        bad.write_text(text)
        with pytest.raises(InputError, match=re.escape(message)):
            load_policy(bad)
        done = run_cli("review", iid, "--policy", bad, "--db", db_path)
        assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1 and message in done.stderr
    with Database(db_path) as db:
        ReviewSession(db, iid, "officer.a", policy=policy).start()
    ((actor, opened),) = _records(db_path, "review_opened")
    assert actor == "officer.a" and opened["policy"] == policy.as_dict()


def test_a_command_line_player_is_given_the_samples_it_plays():
    """CommandSink on a stand-in player that takes the time the sound lasts."""
    sink = CommandSink(["sh", "-c", "cat > /dev/null; sleep 0.6"])
    result = sink.play(np.zeros(16000, dtype=np.float32), 16000)
    assert (result.outcome, result.seconds) == ("ended", 1.0)


def test_plays_and_checks_do_not_make_another_screens_action_refused(stored):
    db_path, iid = stored
    with Database(db_path) as db_a, Database(db_path) as db_b:
        a = ReviewSession(db_a, iid, "officer.a", policy=NO_CHECKS)
        b = ReviewSession(db_b, iid, "officer.b", policy=EVERY_SEGMENT, rng=random.Random(2))
        b.start()
        listen(b, 1)
        b.place_checks()
        with pytest.raises(AttentionCheckMissed):
            b.validate(0)
        a.validate(0)  # officer B's session, play and check changed nothing on A's screen
        assert audit.verify(db_a.conn).ok


# -- 2, 4, 5: what the QA report shows -----------------------------------------------------------------


def _review_by_two(db: Database, iid: int, clock, policy: OversightPolicy) -> tuple[list[int], list[int]]:
    """Officer A listens to the first half, reading each segment after hearing it, and catches every
    attention check; officer B validates the second half without listening (a reason recorded where the
    audio is needed), a segment a second, and misses every check. The audit log's clock is ``clock``."""
    a = ReviewSession(db, iid, "officer.a", policy=policy, rng=random.Random(11))
    half = len(a) // 2
    first, second = list(range(half)), list(range(half, len(a)))
    clock.seconds += 60
    a.start()
    a.place_checks()
    for i in first:
        seg = a.view(i).segment
        clock.seconds += seg.span.duration + 1.0  # the play lasts as long as the segment
        listen(a, i)
        clock.seconds += 2.0 + 0.3 * len(seg.words)  # reading
        if i in a.checks:
            a.edit(i, a.view(i).review.text)  # the officer puts the heard word back: caught
        for f in a.view(i).open_flags:
            a.resolve(f.id, "confirm")
        for q in a.view(i).open_quality:
            a.resolve_quality(q.id, "confirm")
        a.validate(i)
    clock.seconds += 600  # a break
    b = ReviewSession(db, iid, "officer.b", policy=policy, rng=random.Random(12))
    b.start()
    b.place_checks()
    for i in second:
        clock.seconds += 1.0
        v = b.view(i)
        if not v.audio_ok:
            b.note_unheard(i, "I conducted this interview; recalled")
        for f in v.open_flags:
            b.resolve(f.id, "confirm")
        for q in v.open_quality:
            b.resolve_quality(q.id, "dismiss", "not needed")
        if i in b.checks:
            with pytest.raises(AttentionCheckMissed):
                b.validate(i)
        b.validate(i)
    return first, second


def _officers(report: dict) -> dict[str, dict]:
    return {o["name"]: o for o in report["oversight"]["officers"]}


@pytest.fixture
def clock(monkeypatch):
    from .test_report import Clock

    c = Clock()
    monkeypatch.setattr(audit, "utc_now", c)
    return c


def test_the_report_shows_heard_coverage_catch_rates_and_pace(db_path, eval_dir, clock):
    """The hand-built interview, twice: each half is one segment or two, so pace warnings count from 1."""
    policy = OversightPolicy(attention_rate=1, min_validations=1)
    with Database(db_path) as db:
        t = _transcript(AUDIO)
        again = tuple(
            replace(s, start=s.start + 9.0, end=s.end + 9.0, words=tuple(replace(w, start=w.start + 9.0, end=w.end + 9.0) for w in s.words))
            for s in t.segments
        )
        iid = save_transcript(db, replace(t, segments=t.segments + again, duration=17.3), actor="machine")
        _review_by_two(db, iid, clock, policy)
    done = run_cli("report", iid, "--format", "json", "--db", db_path)
    assert done.returncode == 0, done.stderr
    (r,) = json.loads(done.stdout)["interviews"]
    officers = _officers(r)
    a, b = officers["officer.a"], officers["officer.b"]
    assert (a["heard_mean"], b["heard_mean"]) == (1.0, 0.0)
    assert a["pace_warnings"] == [] and len(b["pace_warnings"]) == 2
    assert "officer.b: 3 of 3 validations came sooner than their segment lasts" in b["pace_warnings"][1]
    assert a["policy"] == policy.as_dict() and a["validations_faster_than_segment"] == 0
    assert [x["heard"] for x in r["oversight"]["segments"]] == [1.0, 1.0, 1.0, 0.0, 0.0, 0.0]
    assert r["oversight"]["heard_share"] == pytest.approx(0.5)
    assert (a["attention_checks"], a["catch_rate"], b["attention_checks"], b["catch_rate"]) == (1, 1.0, 3, 0.0)


def test_the_bundled_sample_reviewed_by_two_officers(sample, clock, tmp_path):
    """One officer listens, reads and catches the attention checks; the other validates a segment a second
    without listening and misses them. The report tells them apart: heard coverage, catch rate, pace."""
    import shutil

    src, iid = sample
    db_path = shutil.copy(src, tmp_path / "store.sqlite")
    policy = OversightPolicy(attention_rate=1)  # every segment a check can go on: each half has some
    with Database(db_path) as db:
        first, second = _review_by_two(db, iid, clock, policy)
    assert len(first) >= policy.min_validations and len(second) >= policy.min_validations
    done = run_cli("report", iid, "--format", "json", "--db", db_path)
    assert done.returncode == 0, done.stderr
    (r,) = json.loads(done.stdout)["interviews"]
    a, b = _officers(r)["officer.a"], _officers(r)["officer.b"]
    assert a["heard_mean"] > 0.99 and a["validations_heard_in_full"] == len(first)
    assert b["heard_mean"] == 0.0 and b["validations_unheard_with_reason"] == b["validations_needing_audio"]
    assert a["attention_checks"] >= 1 and a["catch_rate"] == 1.0
    assert b["attention_checks"] >= 1 and b["catch_rate"] == 0.0
    assert a["pace_warnings"] == [] and a["validations_faster_than_segment"] == 0
    assert [w.split(":")[0] for w in b["pace_warnings"]] == ["officer.b", "officer.b"]
    assert r["oversight"]["pace_warnings"] == b["pace_warnings"]
    assert 0.0 < r["oversight"]["heard_share"] < 1.0
    html = tmp_path / "qa.html"
    assert run_cli("report", iid, "--out", html, "--db", db_path).returncode == 0
    page = html.read_text()
    assert page.count("Pace warning: officer.b") == 2 and "Pace warning: officer.a" not in page
    assert "Seconds spent per validated segment" in page and "Heard coverage of the validated segments" in page
    csv_done = run_cli("report", iid, "--format", "csv", "--db", db_path)
    row = csv_done.stdout.splitlines()[1]
    assert "officer.a=1;officer.b=1" in row
