"""Undo (`u`, Ctrl-Z): an officer's own last action put back as a new recorded action, never by deleting history.

Each kind of action (validation, edit, decision on a name or quality flag,
change of speaker, split, merge) is done and undone on the real bundled
sample (transcribed, diarized and flagged by the real models) and on a
hand-built interview; the interview must then be as it was, words and flags
included (only a validation is never put back: the segment goes back for
review), the log one record longer, and `audit verify` clean.
"""

from __future__ import annotations

import shutil

import pytest

from interview_assist.core.errors import ConcurrentChange, InputError
from interview_assist.report.oversight import interview_oversight
from interview_assist.review.playback import NullSink
from interview_assist.review.policy import OversightPolicy
from interview_assist.review.session import ReviewSession
from interview_assist.store import Database, load_interview, name_flags, quality_flags, reviews, save_transcript
from interview_assist.store.integrity import audit_records, verify_interview
from interview_assist.tui import make_app

from .conftest import listen
from .test_tui import AUDIO, NO_CHECKS, _status, _transcript

POLICY = OversightPolicy(attention_rate=0)


def content(db: Database, iid: int) -> dict:
    """Everything an officer's action may change, without the store's row ids and times."""
    t = load_interview(db, iid).transcript
    return {
        "segments": [(s.start, s.end, s.text, s.speaker, tuple((w.start, w.end, w.text, w.probability, w.speaker) for w in s.words))
                     for s in t.segments],
        "reviews": [(r.status, r.text, r.edited_text, r.validated_by) for r in reviews(db, iid)],
        "name_flags": sorted((f.id, f.flag.segment, f.flag.first_word, f.flag.last_word, f.flag.text, f.status, f.resolution,
                              f.dismiss_reason, f.resolved_by) for f in name_flags(db, iid)),
        "quality_flags": sorted((q.id, q.segment, q.kind, q.status, q.note, q.resolved_by) for q in quality_flags(db, iid)),
    }


def undo_and_check(db: Database, session: ReviewSession, before: dict, *, kind: str) -> None:
    """Undo the session's last action: the interview as ``before``, one ``undo`` record more, the log verified."""
    n = len(audit_records(db, session.interview_id))
    done = session.undo()
    assert done.action == kind
    assert content(db, session.interview_id) == before
    records = audit_records(db, session.interview_id)
    assert len(records) == n + 1 and records[-1].action == "undo" and records[-1].detail["undone_action"] == kind
    report = verify_interview(db, session.interview_id)
    assert report.ok, report.problems
    assert [r.status for r in reviews(db, session.interview_id)] == [r[0] for r in before["reviews"]]


def _mergeable(session: ReviewSession) -> int:
    """A segment whose next one has the same speaker, preferring pairs that carry flags (the hardest to put back)."""
    segs = session.transcript.segments
    pairs = [i for i in range(len(segs) - 1) if segs[i].speaker == segs[i + 1].speaker]
    assert pairs, "the sample has no two consecutive segments of one speaker"
    flagged = [i for i in pairs if session.view(i + 1).flags or session.view(i + 1).quality or session.view(i).flags]
    return (flagged or pairs)[0]


def test_every_kind_of_action_is_undone_on_the_real_sample(sample, tmp_path):
    src, iid = sample
    db_path = shutil.copy(src, tmp_path / "store.sqlite")
    with Database(db_path) as db:
        s = ReviewSession(db, iid, "officer.a", policy=POLICY)
        listen(s)  # heard in full: flagged segments may be decided
        clean = next(i for i in range(len(s)) if not s.view(i).open_count)

        before = content(db, iid)
        s.validate(clean)
        assert reviews(db, iid)[clean].status == "validated"
        undo_and_check(db, s, before, kind="validate_segment")

        s.validate(clean)  # validated, then edited: undo puts the text back, not the validation
        validated = content(db, iid)
        s.edit(clean, s.view(clean).review.text + " (inaudible)")
        s.undo()
        after = content(db, iid)
        assert after["reviews"][clean] == (("edited",) + validated["reviews"][clean][1:3] + (None,))
        assert after["segments"] == validated["segments"] and verify_interview(db, iid).ok

        name = next((f for fs in (s.view(i).flags for i in range(len(s))) for f in fs), None)
        assert name is not None, "the sample has no name flag"
        for decision, kwargs in (("accept", {"suggestion": 1}), ("edit", {"text": "Kunduz"}), ("dismiss", {"reason": "not a name"})):
            if decision == "accept" and not name.flag.suggestions:
                continue
            before = content(db, iid)
            s.resolve(name.id, decision, **kwargs)
            assert content(db, iid) != before
            undo_and_check(db, s, before, kind="resolve_name_flag")
        s.resolve(name.id, "confirm")  # a decision changed, then the change undone: the first decision stands
        before = content(db, iid)
        s.resolve(name.id, "dismiss", reason="not a name")
        undo_and_check(db, s, before, kind="resolve_name_flag")

        quality = next((q for i in range(len(s)) for q in s.view(i).quality), None)
        if quality is not None:  # the sample's quality flags depend on the decode
            before = content(db, iid)
            s.resolve_quality(quality.id, "dismiss", "checked: the words are right")
            undo_and_check(db, s, before, kind="resolve_flag")

        i = _mergeable(s)
        before = content(db, iid)
        s.merge_with_next(i)
        assert len(s) == len(before["segments"]) - 1
        undo_and_check(db, s, before, kind="merge_segments")
        assert len(s) == len(before["segments"])

        long = next(k for k in range(len(s)) if len(s.view(k).segment.words) >= 4 and s.view(k).review.edited_text is None
                    and not s.view(k).flags)
        before = content(db, iid)
        s.split(long, 2)
        undo_and_check(db, s, before, kind="split_segment")

        labels = [sp.label for sp in s.transcript.speakers]
        if len(labels) > 1:
            other = next(lb for lb in labels if lb != s.view(clean).segment.speaker)
            before = content(db, iid)
            s.set_segment_speaker(clean, other)
            undo_and_check(db, s, before, kind="set_segment_speaker")


def test_a_merge_of_flagged_segments_comes_back_with_its_words_and_flags(db_path, eval_dir):
    """The hand-built interview: segments 2 and 3 (one speaker, a name flag each) merged, then the merge undone."""
    with Database(db_path) as db:
        iid = save_transcript(db, _transcript(AUDIO), actor="machine")
        s = ReviewSession(db, iid, "officer.a", policy=POLICY)
        listen(s)
        s.resolve(name_flags(db, iid)[1].id, "accept", suggestion=1)  # "Kandas" -> "Kunduz" in segment 3's text
        s.validate(0)
        before = content(db, iid)
        s.merge_with_next(1)
        merged = content(db, iid)
        assert len(merged["segments"]) == 2 and [f[1] for f in merged["name_flags"]] == [1, 1]
        undo_and_check(db, s, before, kind="merge_segments")
        assert content(db, iid)["reviews"][2][1] == "Later we moved to Kunduz."
        # An undo is not undone in its turn: the next one takes the action before (the validation), then the decision.
        assert s.undo().action == "validate_segment" and reviews(db, iid)[0].status == "draft"
        # The QA report counts the validations that stand: the one taken back is not the officer's any more.
        officers = interview_oversight(audit_records(db, iid)).officers
        assert [o.name for o in officers] == ["officer.a"] and officers[0].validations == ()
        assert s.undo().action == "resolve_name_flag"
        assert name_flags(db, iid)[1].open and reviews(db, iid)[2].text == "Later we moved to Kandas."
        assert verify_interview(db, iid).ok
        with pytest.raises(InputError, match="nothing to undo"):
            s.undo()  # only the machine's transcription is left


def test_only_ones_own_last_change_is_undone(db_path, eval_dir):
    with Database(db_path) as db:
        iid = save_transcript(db, _transcript(AUDIO), actor="machine")
        a = ReviewSession(db, iid, "officer.a", policy=POLICY)
        b = ReviewSession(db, iid, "officer.b", policy=POLICY)
        a.validate(0)
        b.reload()
        listen(b)  # plays do not stand in the way of an undo
        b.resolve(name_flags(db, iid)[0].id, "confirm")
        a.reload()
        with pytest.raises(InputError, match="the last change to this interview is officer.b's"):
            a.undo()
        b.undo()
        # officer.b's undo changed segment 2, which officer.a's screen has not seen: an action there is
        # refused until it reloads; officer.a's undo of the validation of segment 1, which nobody else
        # changed, goes through (the concurrent-change check is per segment).
        with pytest.raises(ConcurrentChange, match="officer.b .*changed segment 2"):
            a.edit(1, "My name is Farid Nazari.")
        assert a.undo().action == "validate_segment"
        assert verify_interview(db, iid).ok


async def test_u_undoes_the_last_action_on_the_screen(db_path, eval_dir):
    with Database(db_path) as db:
        iid = save_transcript(db, _transcript(AUDIO), actor="machine")
    app = make_app(db_path, iid, "officer.a", sink=NullSink(), confirm_officer=False, policy=NO_CHECKS)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("v")
        assert "validated 1 / 3" in _status(app)
        await pilot.press("u")
        assert "validated 0 / 3" in _status(app) and "undone: validation of segment 1" in _status(app)
        assert app.current == 0
        await pilot.press("down", "m")  # segments 2 and 3: one speaker
        assert len(app.session) == 2
        await pilot.press("ctrl+z")
        assert len(app.session) == 3 and "undone: merge of segments 2 and 3" in _status(app)
        assert app.table.row_count == 3
        await pilot.press("u", "u")
        assert "nothing to undo" in _status(app)
    with Database(db_path) as db:
        assert [r.action for r in audit_records(db, iid)][-4:] == ["validate_segment", "undo", "merge_segments", "undo"]
        assert verify_interview(db, iid).ok
