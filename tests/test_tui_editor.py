"""The review screen's editor and dialogs, a small terminal, and two screens on one interview (issue 22).

Driven as a person would (Pilot) over a real recording; the sound device is a
NullSink, which keeps what it was given to play.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from interview_assist.core.transcript import NameFlag, Segment, Speaker, Suggestion
from interview_assist.review.playback import NullSink
from interview_assist.review.session import ReviewSession
from interview_assist.store import Database, audit, name_flags, reviews, save_transcript
from interview_assist.tui import make_app
from interview_assist.tui.dialogs import HelpScreen, TextPrompt
from interview_assist.tui.editor import SegmentEditor, word_at
from interview_assist.tui.screens.review import ReviewScreen

from .conftest import REPO
from .test_tui import AUDIO, NO_CHECKS, _detail, _dialog_error, _hear, _status, _transcript, _words

TEXT = "Later we moved to Kandas and then Jahrum with my mine brother."


def _store(db_path, evidence: str = "rest", more: str = "") -> int:
    """Segment 3 is 5.4 s long with two name flags, the second with four suggestions; ``evidence``:
    why the machine proposes S2's role; ``more``: words after its text."""
    t = _transcript(AUDIO)
    text = f"{TEXT} {more}".strip()
    probs = [0.9, 0.9, 0.9, 0.9, 0.3, 0.9, 0.9, 0.3, 0.9, 0.9, 0.4, 0.9] + [0.9] * len(more.split())
    seg = Segment(6.0, 11.4, text, "en", _words(6.0, text, probs), speaker="S2")

    def offered(*names: str) -> tuple[Suggestion, ...]:
        return tuple(Suggestion(n, 100.0 - k, "gazetteer:places", "city, IR", reason=f"sounds like what was heard ({n})")
                     for k, n in enumerate(names))

    flags = (
        t.name_flags[0],
        NameFlag(2, 4, 4, seg.words[4].start, seg.words[4].end, "Kandas", ("unknown", "capitalised"), offered("Kunduz", "Kandahar")),
        NameFlag(2, 7, 7, seg.words[7].start, seg.words[7].end, "Jahrum", ("unknown", "capitalised"),
                 offered("Jahrom", "Jahrum-e Sofla", "Jahron", "Jahroum")),
    )
    speakers = (Speaker("S1", "officer", "officer", "speaks first", 2.7), Speaker("S2", "applicant", "applicant", evidence, 4.6))
    t = replace(t, segments=(*t.segments[:2], seg), name_flags=flags, speakers=speakers, duration=11.4)
    with Database(db_path) as db:
        return save_transcript(db, t, actor="machine")


@pytest.fixture
def stored(db_path, eval_dir):
    return db_path, _store(db_path)


def _app(stored, officer: str = "officer.a", sink=None):
    db_path, iid = stored
    return make_app(db_path, iid, officer, sink=sink or NullSink(), confirm_officer=False, policy=NO_CHECKS)


def _screen_text(app) -> str:
    """Every Static and the text area of the top screen, as plain text."""
    parts = [str(w.render()) for w in app.screen.query("Static")]
    return "\n".join(parts)


def test_the_word_under_the_cursor_is_the_heard_word_it_stands_for():
    heard = [" Later", " we", " moved", " to", " Kandas", " and"]
    typed = "Later we moved to Kunduz and"
    assert word_at(heard, typed, typed.index("Kunduz") + 2) == 4, "a changed word keeps its place"
    typed = "Later we then moved to Kandas and"
    assert word_at(heard, typed, typed.index("Kandas")) == 4, "a word added before does not shift the words after"
    assert word_at(heard, typed, typed.index("then")) == 2, "an added word points at the heard word after it"
    assert word_at(heard, "Later moved to Kandas and", len("Later moved to ")) == 4, "a word removed before"
    assert word_at(heard, typed, len(typed)) == 5 and word_at(heard, "", 0) == 0 and word_at([], "x", 0) is None


async def test_a_word_is_changed_in_a_few_keys_with_the_heard_word_followed(stored):
    """ "mine" to "mind": Ctrl-Left to the word, Ctrl-Shift-Right selects it, type over it (the one-line box took 11 keys)."""
    app = _app(stored)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("down", "down", "e")
        assert isinstance(app.screen, SegmentEditor)
        await pilot.press("ctrl+left", "ctrl+left", "ctrl+left")  # from the end: "brother", ".", "mine"
        assert app.review.word_cursor == 10, "the detail pane marks the heard word at the cursor"
        assert re.search(r"heard: .*word 11 at 0:00:10\.500", _screen_text(app))
        await pilot.press("ctrl+p")  # plays from that word, with the editor still open
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, SegmentEditor)
        await pilot.press("ctrl+shift+right", *"mind", "enter")
        assert not isinstance(app.screen, SegmentEditor)
        assert "segment 3 edited" in _status(app)
    with Database(stored[0]) as db:
        assert reviews(db, stored[1])[2].text == TEXT.replace("mine", "mind")
        play = db.conn.execute("SELECT detail FROM audit_log WHERE action = 'play' ORDER BY id DESC").fetchone()
    assert '"start": 10.5' in play[0], play[0]


async def test_a_text_longer_than_the_audio_holds_is_refused_in_the_editor_which_keeps_it(stored):
    app = _app(stored)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("e")
        editor = app.screen
        assert isinstance(editor, SegmentEditor)
        editor._area.text = "word " * 640  # as pasted by mistake: 3,199 characters for a 2.7 s segment
        await pilot.press("enter")
        assert app.screen is editor, "the editor stays open"
        assert "3,199 characters is more than a segment of 2.7 s can hold (at most 141)" in _dialog_error(app)
        assert editor._area.text.startswith("word word"), "what was typed is kept"
        await pilot.press("escape")
    with Database(stored[0]) as db:
        assert reviews(db, stored[1])[0].text == "Good morning. Please state your name."


async def test_the_spelling_box_opens_selected_so_typing_replaces_it(stored):
    app = _app(stored)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("down", "down")
        await _hear(pilot, app)
        await pilot.press("a", *"Kunduz", "enter")
        assert '"Kandas" spelled "Kunduz"' in _status(app)
    with Database(stored[0]) as db:
        assert name_flags(db, stored[1])[1].resolution == "Kunduz"


async def test_every_dialog_says_what_enter_and_escape_do(stored):
    app = _app(stored)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("down", "down")
        await _hear(pilot, app)
        for key in ("e", "a", "x", "t", "w", "r", "slash", "question_mark"):
            await pilot.press(key)
            assert isinstance(app.screen, (SegmentEditor, TextPrompt, HelpScreen)), key
            shown = _screen_text(app)
            assert "Escape" in shown and ("Enter" in shown or isinstance(app.screen, HelpScreen)), (key, shown)
            await pilot.press("escape")
            assert isinstance(app.screen, ReviewScreen), key


async def test_a_dialog_key_pressed_as_the_app_quits_is_harmless(stored):
    """q then e at once used to raise NoMatches in the dialog being opened as the app closed."""
    from textual import events

    for key, char in (("e", "e"), ("a", "a"), ("x", "x"), ("t", "t"), ("r", "r"), ("question_mark", "?"), ("1", "1"), ("v", "v")):
        app = _app(stored)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.press("down")
            # Both keys in one read of the terminal, as when typed quickly: the second arrives while the app closes.
            app.post_message(events.Key("q", "q"))
            app.post_message(events.Key(key, char))
            await pilot.pause()
        assert app.return_code == 0, key  # (an exception in the app would have been raised here)


async def test_a_time_past_the_end_says_so_and_does_not_move(stored):
    app = _app(stored)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("down", "t", *"99:00", "enter")
        assert app.current == 1
        assert "1:39:00 is past the end of the recording (0:00:11): not moved" in _status(app)
        await pilot.press("t", *"0:07", "enter")
        assert app.current == 2


async def test_roles_are_shown_in_full(stored):
    app = _app(stored)
    async with app.run_test(size=(100, 30)):
        assert [app.table.get_row_at(i)[1] for i in range(3)] == ["officer? S1", "applicant? S2", "applicant? S2"]


async def test_at_80x24_a_number_key_accepts_only_a_suggestion_on_screen(db_path, eval_dir):
    """A long segment fills the pane: what 1-5 would accept but the pane cannot show is refused, not accepted unseen."""
    text = " ".join(["and then we went on"] * 40) + " to Jahrum."
    seg = Segment(0.0, 60.0, text, "en", _words(0.0, text, [0.9] * 200 + [0.9, 0.3]), speaker="S2")
    offered = tuple(Suggestion(n, 99.0, "gazetteer:places", "city, IR", reason="sounds alike") for n in ("Jahrom", "Jahron", "Jahroum"))
    flag = NameFlag(0, 201, 201, seg.words[201].start, seg.words[201].end, "Jahrum", ("unknown",), offered)
    with Database(db_path) as db:
        iid = save_transcript(db, replace(_transcript(AUDIO), segments=(seg,), name_flags=(flag,), duration=60.0), actor="machine")
    app = make_app(db_path, iid, "officer.a", sink=NullSink(), confirm_officer=False, policy=NO_CHECKS)
    async with app.run_test(size=(80, 24)) as pilot:
        await _hear(pilot, app)
        assert "Jahrom" not in "\n".join(line for line in _visible(app)), "the test needs a suggestion cut off"
        await pilot.press("1")
        assert "suggestion 1 is not on screen" in _status(app)
    with Database(db_path) as db:
        assert name_flags(db, iid)[0].status == "open"
        assert not db.conn.execute("SELECT 1 FROM audit_log WHERE action = 'resolve_name_flag'").fetchone()


def _visible(app) -> list[str]:
    from .test_tui import _visible_detail

    return _visible_detail(app)


async def test_at_80x24_the_suggestions_of_a_second_flag_are_all_shown_and_accepted(stored):
    app = _app(stored)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down", "down")
        await _hear(pilot, app)
        await pilot.press("right_square_bracket")  # "Jahrum": four suggestions
        visible = "\n".join(_visible(app))
        assert all(n in visible for n in ("1. Jahrom", "2. Jahrum-e Sofla", "3. Jahron", "4. Jahroum")), visible
        await pilot.press("4")
        assert '"Jahrum": suggestion 4 accepted' in _status(app)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_flag_the_keys_act_on_comes_before_the_notes_on_a_small_terminal(db_path, size):
    """At 80x24 the pane holds seven lines. Segment 3, not heard yet and its speaker's role the
    machine's, would show its head, its text (two lines), "needs its audio (...)" and "role
    proposed by the machine: ..." (two lines), and the flag 1-5 act on, even with its
    suggestions on one line, below the pane. There the role's note goes (the head's "?" stays) and
    the audio's is shortened, so the flag and its suggestions are on screen before it is
    played; a larger terminal shows both notes whole."""
    evidence = "speaks en and fr; 57 % of the speech"  # as the machine words it
    app = _app((db_path, _store(db_path, evidence, more="We stayed there two years, then we left.")))
    async with app.run_test(size=size) as pilot:
        await pilot.press("down", "down")
        visible = "\n".join(_visible(app))
        assert '"Kandas"' in visible and "1. Kunduz" in visible and "2. Kandahar" in visible, visible
        assert "applicant? (S2)" in visible
        if size == (80, 24):
            assert "needs its audio: p plays it" in visible and "role proposed" not in visible, visible
        else:
            assert "needs its audio (name flag" in visible and f"role proposed by the machine: {evidence}" in visible, visible
        await _hear(pilot, app)
        await pilot.press("2")
        assert '"Kandas": suggestion 2 accepted' in _status(app)


async def test_the_footer_keeps_help_validate_play_next_and_quit_at_80_columns(stored):
    app = _app(stored)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        footer = app.screen.query_one("Footer")
        shown = [k for k in footer.query("FooterKey") if k.region.right <= 80 and k.region.width > 0]
        keys = {k.key for k in shown}
        assert {"question_mark", "v", "p", "n", "q"} <= keys, keys


async def test_an_action_on_a_segment_nobody_else_changed_goes_through_on_screen(stored):
    app = _app(stored)
    async with app.run_test(size=(100, 30)) as pilot:
        with Database(stored[0]) as db:  # officer B, in another terminal, edits segment 2
            ReviewSession(db, stored[1], "officer.b", policy=NO_CHECKS).edit(1, "My name is Farid Nazari.")
        await pilot.press("v")  # A validates segment 1, which nobody else changed
        assert "segment 1 validated" in _status(app)


async def test_a_refused_edit_opens_again_with_the_typed_text(stored):
    app = _app(stored)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("e", *" Thank you.")
        with Database(stored[0]) as db:  # meanwhile officer B edits the same segment
            ReviewSession(db, stored[1], "officer.b", policy=NO_CHECKS).edit(0, "Good morning. State your name, please.")
        await pilot.press("enter")
        editor = app.screen
        assert isinstance(editor, SegmentEditor), "the editor opens again"
        assert editor._area.text == "Good morning. Please state your name. Thank you.", "with what A typed"
        shown = _screen_text(app)
        assert "officer.b (edit segment" in shown and "It now reads: \u201cGood morning. State your name, please.\u201d" in shown
        assert "Good morning. State your name, please." in _detail(app), "the screen behind shows B's text"
        await pilot.press("enter")  # A has seen B's text and saves A's own
        assert "segment 1 edited" in _status(app)
    with Database(stored[0]) as db:
        assert reviews(db, stored[1])[0].text == "Good morning. Please state your name. Thank you."
        assert audit.verify(db.conn).ok


def test_the_readme_lists_the_keys_of_the_help_screen():
    """Every key the help screen lists is in README's list of review keys, and the README names no other."""
    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("<!-- review keys -->"): readme.index("<!-- /review keys -->")]
    documented = re.findall(r"^\| `([^`]+)` \|", section, re.M)
    helped = [k for k, _ in ReviewScreen.help_lines()]
    assert documented == helped, (documented, helped)
    assert "Enter" in section and "Escape" in section, "the dialogs' keys are documented too"


def test_editor_snapshot(stored, snap_compare):
    """The editor at 80x24, the cursor on a word of segment 3."""
    app = _app(stored)
    assert snap_compare(app, terminal_size=(80, 24), press=["down", "down", "e", "ctrl+left", "ctrl+left", "ctrl+left"])


def test_small_screen_with_two_flags_snapshot(stored, snap_compare):
    """80x24, segment 3 with two flags, the second selected: its four suggestions in a compact list; the footer."""
    app = _app(stored)
    assert snap_compare(app, terminal_size=(80, 24), press=["down", "down", "right_square_bracket"])
