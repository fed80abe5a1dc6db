"""Two review sessions on one store: an action on a segment nobody else changed goes through; one on a
segment someone else changed since it was read is refused, writes nothing, and names who changed it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from interview_assist.core.errors import ConcurrentChange, InputError
from interview_assist.core.transcript import NameFlag, Segment, Speaker, Suggestion, Word
from interview_assist.review.playback import Played
from interview_assist.review.policy import OversightPolicy
from interview_assist.review.session import ReviewSession
from interview_assist.store import Database, audit, edit_segment, name_flags, reviews, save_transcript
from interview_assist.store.guard import segment_versions

from .test_interrupt import _tiny_transcript

NO_CHECKS = OversightPolicy(attention_rate=0)


def _interview(db) -> int:
    """Four segments: S1, S2 (with a name flag), S2, S1."""
    t = _tiny_transcript()
    first = replace(t.segments[0], speaker="S1", words=tuple(replace(w, speaker="S1") for w in t.segments[0].words))
    second = Segment(1.0, 2.0, "From Kandas.", "en", (Word(1.0, 1.4, " From", 0.9, "S2"), Word(1.4, 2.0, " Kandas.", 0.4, "S2")), speaker="S2")
    third = Segment(2.0, 3.0, "We walked.", "en", (Word(2.0, 2.5, " We", 0.9, "S2"), Word(2.5, 3.0, " walked.", 0.9, "S2")), speaker="S2")
    fourth = Segment(3.0, 4.0, "Thank you.", "en", (Word(3.0, 3.5, " Thank", 0.9, "S1"), Word(3.5, 4.0, " you.", 0.9, "S1")), speaker="S1")
    flag = NameFlag(1, 1, 1, 1.4, 2.0, "Kandas", ("unknown", "capitalised"), (Suggestion("Kunduz", 100.2, "gazetteer:places", "city, AF"),))
    speakers = (Speaker("S1", "officer", "officer", "speaks first", 2.0), Speaker("S2", "applicant", "applicant", "rest", 2.0))
    t = replace(t, duration=4.0, segments=(first, second, third, fourth), name_flags=(flag,), speakers=speakers)
    return save_transcript(db, t, actor="machine")


def _hear(session: ReviewSession, index: int) -> None:
    span = session.view(index).segment.span
    session.record_play(Played(span, 1.0, "ended", span, span.duration))


def test_an_action_on_a_segment_nobody_else_changed_goes_through(db_path):
    with Database(db_path) as db_a, Database(db_path) as db_b:
        iid = _interview(db_a)
        a = ReviewSession(db_a, iid, "officer.a", policy=NO_CHECKS)
        b = ReviewSession(db_b, iid, "officer.b", policy=NO_CHECKS)
        _hear(b, 1)
        b.resolve(b.view(1).open_flags[0].id, "confirm")
        b.edit(2, "We walked far.")
        # A's screen was loaded before: A's actions on the other segments are not held up by B's.
        a.validate(0)
        a.edit(3, "Thank you very much.")
        a.validate(3)
        b.validate(2)  # and B's on the segment B edited, after A's actions elsewhere
        assert [r.status for r in reviews(db_a, iid)] == ["validated", "draft", "validated", "validated"]
        assert [r.validated_by for r in reviews(db_a, iid)] == ["officer.a", None, "officer.b", "officer.a"]


def test_an_action_on_a_segment_someone_else_changed_is_refused_until_it_is_read_again(db_path):
    with Database(db_path) as db_a, Database(db_path) as db_b:
        iid = _interview(db_a)
        a = ReviewSession(db_a, iid, "officer.a", policy=NO_CHECKS)
        b = ReviewSession(db_b, iid, "officer.b", policy=NO_CHECKS)
        (flag,) = a.view(1).open_flags
        # Both listen to the flagged segment: a play changes nothing the other screen shows.
        _hear(b, 1)
        _hear(a, 1)
        b.resolve(flag.id, "confirm")
        records = audit.verify(db_a.conn).records
        with pytest.raises(ConcurrentChange, match=r"officer\.b \(resolve name flag, .* UTC\) changed segment 2") as refused:
            a.resolve(flag.id, "accept", suggestion=1)
        assert refused.value.segment == 1
        with pytest.raises(ConcurrentChange):  # any action on that segment, not only on the same flag
            a.edit(1, "From Kunduz.")
        assert audit.verify(db_a.conn).records == records, "a refused action writes nothing"
        assert (name_flags(db_a, iid)[0].status, name_flags(db_a, iid)[0].resolved_by) == ("confirmed", "officer.b")
        a.reload()
        assert a.view(1).flags[0].status == "confirmed"
        a.resolve(flag.id, "accept", suggestion=1)  # now a deliberate change of B's decision
        a.validate(1)  # A's own writes do not block A
        assert name_flags(db_a, iid)[0].status == "accepted"
        with pytest.raises(ConcurrentChange, match=r"officer\.a .* changed segment 2"):
            b.validate(1)  # and B, who has not seen A's change, is refused in turn


def test_a_role_change_counts_for_every_segment_of_that_speaker(db_path):
    with Database(db_path) as db_a, Database(db_path) as db_b:
        iid = _interview(db_a)
        a = ReviewSession(db_a, iid, "officer.a", policy=NO_CHECKS)
        b = ReviewSession(db_b, iid, "officer.b", policy=NO_CHECKS)
        b.set_role("S2", "interpreter")
        with pytest.raises(ConcurrentChange, match="changed segment 3"):
            a.validate(2)  # A would validate "applicant: We walked." which is now the interpreter's
        a.validate(3)  # S1's segments are untouched
        a.set_role("S1", "other")  # and so is S1 itself
        with pytest.raises(ConcurrentChange, match="officer.b .*set speaker"):
            a.set_role("S2", "applicant")  # B set S2's role after A read it


def test_a_split_or_merge_elsewhere_moves_rows_which_the_guard_tells_apart(db_path):
    with Database(db_path) as db_a, Database(db_path) as db_b:
        iid = _interview(db_a)
        a = ReviewSession(db_a, iid, "officer.a", policy=NO_CHECKS)
        b = ReviewSession(db_b, iid, "officer.b", policy=NO_CHECKS)
        row_of_fourth = a.row_of(3)
        b.split(2, 1)  # "We | walked.": the fourth segment is now the fifth
        a.validate(0)  # before the split: untouched
        with pytest.raises(ConcurrentChange, match="changed segment 4"):
            a.validate(3)  # A's segment 4 ("Thank you.") is another row now
        a.reload()
        assert a.index_of_row(row_of_fourth) == 4 and a.view(4).segment.text == "Thank you."
        a.validate(4)


def test_every_write_to_a_segment_raises_its_version_whoever_makes_it(db_path):
    """The versions are kept by the database (triggers), so a writer that forgets them cannot slip past."""
    with Database(db_path) as db:
        iid = _interview(db)
        before = segment_versions(db, iid)
        edit_segment(db, iid, 0, "Hello there, sir.", actor="officer.c")
        after_edit = segment_versions(db, iid)
        assert after_edit[0][1] > before[0][1] and after_edit[1:] == before[1:]
        (flag,) = name_flags(db, iid)
        with db.atomic() as c:  # a flag decided by hand, without touching the segment row
            c.execute("UPDATE name_flags SET status = 'confirmed' WHERE id = ?", (flag.id,))
        after_flag = segment_versions(db, iid)
        assert after_flag[1][1] > after_edit[1][1] and after_flag[2:] == after_edit[2:]
        with db.atomic() as c:  # a speaker's role: every segment of that speaker
            c.execute("UPDATE speakers SET role = 'interpreter' WHERE interview_id = ? AND label = 'S1'", (iid,))
        after_role = segment_versions(db, iid)
        assert [x[1] > y[1] for x, y in zip(after_role, after_flag)] == [True, False, False, True]


def test_an_edit_longer_than_the_audio_can_hold_is_refused(db_path):
    with Database(db_path) as db:
        iid = _interview(db)
        s = ReviewSession(db, iid, "officer.a", policy=NO_CHECKS)
        assert s.edit_problem(0, "Hello there, sir, and welcome to this office.") is None
        long = "word " * 640  # 3,199 characters for a segment of 1 s
        assert "3,199 characters is more than a segment of 1.0 s can hold (at most 90)" in s.edit_problem(0, long)
        with pytest.raises(InputError, match="3,199 characters"):
            s.edit(0, long)
        with pytest.raises(InputError, match="3,199 characters"):
            edit_segment(db, iid, 0, long, actor="officer.c")  # the store refuses it too
        assert reviews(db, iid)[0].text == "Hello there."
