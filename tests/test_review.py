"""The officer's review in the store: edits keep the ASR text, validation waits for
resolved name flags, every change is audited, and nothing validates in bulk."""

from __future__ import annotations

from dataclasses import replace

import pytest

from interview_assist.core.errors import InputError, NotFound
from interview_assist.core.transcript import NameFlag, Segment, Suggestion, Word
from interview_assist.store import (
    Database,
    ReviewProgress,
    audit,
    edit_segment,
    name_flags,
    progress,
    resolve_name_flag,
    reviews,
    save_transcript,
    validate_segment,
)

from .test_interrupt import _tiny_transcript


def _interview(db) -> int:
    """Two segments; the second holds a name flag."""
    t = _tiny_transcript()
    words = (Word(1.0, 1.4, " From", 0.9), Word(1.4, 2.0, " Kandas.", 0.4))
    second = Segment(1.0, 2.0, "From Kandas.", "en", words)
    flag = NameFlag(1, 1, 1, 1.4, 2.0, "Kandas", ("unknown", "capitalised"), (Suggestion("Kunduz", 100.2, "gazetteer:places", "city, AF"),))
    t = replace(t, segments=t.segments + (second,), name_flags=(flag,))
    return save_transcript(db, t, actor="machine")


def test_validation_waits_for_the_name_flags_of_its_segment(db_path):
    with Database(db_path) as db:
        iid = _interview(db)
        assert [r.status for r in reviews(db, iid)] == ["draft", "draft"]
        assert progress(db, iid) == ReviewProgress(segments=2, validated=0, open_flags=1)
        first = validate_segment(db, iid, 0, actor="officer.a")
        assert (first.status, first.validated_by) == ("validated", "officer.a") and first.validated_at
        with pytest.raises(InputError, match="segment 2 has 1 open flag"):
            validate_segment(db, iid, 1, actor="officer.a")
        (flag,) = name_flags(db, iid)
        resolve_name_flag(db, iid, flag.id, "accept", suggestion=1, actor="officer.a")
        assert validate_segment(db, iid, 1, actor="officer.a").status == "validated"
        assert progress(db, iid).complete
        # Changing the decision afterwards sends the segment back for review.
        resolve_name_flag(db, iid, flag.id, "confirm", actor="officer.b")
        assert reviews(db, iid)[1].status == "edited" and reviews(db, iid)[1].validated_by is None


def test_an_edit_keeps_the_asr_text_and_returns_a_validated_segment_to_review(db_path):
    with Database(db_path) as db:
        iid = _interview(db)
        validate_segment(db, iid, 0, actor="officer.a")
        edited = edit_segment(db, iid, 0, "Hello  there, officer.", actor="officer.a")
        assert (edited.status, edited.text, edited.asr_text) == ("edited", "Hello there, officer.", "Hello there.")
        assert edited.validated_by is None
        # Typing the ASR text back is not an edit any more.
        back = edit_segment(db, iid, 0, "Hello there.", actor="officer.a")
        assert (back.status, back.edited_text) == ("draft", None)
        with pytest.raises(NotFound):
            edit_segment(db, iid, 7, "x", actor="officer.a")


def _records(db) -> int:
    return db.conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]


def test_a_name_decision_never_names_words_the_hand_edited_text_lacks(db_path):
    """The officer rewrote "From Kandas." by hand; a spelling decided after that
    goes into the text where the heard word still stands once, and is refused
    where it does not (the export would list a correction the text lacks)."""
    with Database(db_path) as db:
        iid = _interview(db)
        (flag,) = name_flags(db, iid)
        edit_segment(db, iid, 1, "We came from Kandas, by bus.", actor="officer.a")
        resolve_name_flag(db, iid, flag.id, "accept", suggestion=1, actor="officer.a")
        assert reviews(db, iid)[1].text == "We came from Kunduz, by bus."

        edit_segment(db, iid, 1, "We came from the north.", actor="officer.a")
        records = _records(db)
        for decision, kw in (("accept", {"suggestion": 1}), ("edit", {"text": "Kondoz"}), ("confirm", {})):
            with pytest.raises(InputError, match='segment 2 was rewritten by hand and does not contain "K'):
                resolve_name_flag(db, iid, flag.id, decision, actor="officer.a", **kw)
        assert name_flags(db, iid)[0].resolution == "Kunduz" and _records(db) == records, "nothing written"
        edit_segment(db, iid, 1, "We came from Kunduzabad.", actor="officer.a")  # a longer word is not the name
        with pytest.raises(InputError, match="does not contain"):
            resolve_name_flag(db, iid, flag.id, "accept", suggestion=1, actor="officer.a")
        # Dismissing needs no words in the text; naming the place in it makes accepting possible again.
        resolve_name_flag(db, iid, flag.id, "dismiss", reason="not said: the officer corrected the text", actor="officer.a")
        edit_segment(db, iid, 1, "We came from Kunduz in the north.", actor="officer.a")
        assert resolve_name_flag(db, iid, flag.id, "accept", suggestion=1, actor="officer.a").resolution == "Kunduz"
        assert reviews(db, iid)[1].text == "We came from Kunduz in the north."


def test_every_review_action_extends_the_audit_chain_without_text(db_path):
    with Database(db_path) as db:
        iid = _interview(db)
        before = audit.verify(db.conn).records
        edit_segment(db, iid, 0, "Hello there, officer.", actor="officer.a")
        validate_segment(db, iid, 0, actor="officer.a")
        check = audit.verify(db.conn)
        rows = db.conn.execute("SELECT action, actor, detail FROM audit_log ORDER BY id").fetchall()
    assert check.ok and check.records == before + 2
    assert [(r["action"], r["actor"]) for r in rows[-2:]] == [("edit_segment", "officer.a"), ("validate_segment", "officer.a")]
    # Only an officer's registration names them (its key is theirs); no other record holds a name or text.
    assert all(
        "officer." not in r["detail"] and "Hello" not in r["detail"] for r in rows if r["action"] != "register_officer"
    )


def test_an_empty_edit_is_refused_and_the_text_stands(db_path):
    with Database(db_path) as db:
        iid = _interview(db)
        with pytest.raises(InputError, match="cannot be empty"):
            edit_segment(db, iid, 0, "   ", actor="officer.a")
        assert reviews(db, iid)[0].text == "Hello there."


def test_show_says_where_the_review_stands(db_path, tmp_path):
    """DRAFT while anything is left, VALIDATED once all is (not "DRAFT · 2 of 2"), EXPORTED while unchanged since."""
    from interview_assist.export.writer import export_interview

    from .conftest import run_cli

    def head(iid: int) -> str:
        done = run_cli("show", iid, "--db", db_path)
        assert done.returncode == 0, done.stderr
        return done.stdout.splitlines()[0]

    with Database(db_path) as db:
        iid = _interview(db)
        validate_segment(db, iid, 0, actor="officer.a")
    assert head(iid) == f"Interview {iid} · DRAFT · 1 of 2 segments validated by an officer · 1 open flag"
    with Database(db_path) as db:
        resolve_name_flag(db, iid, name_flags(db, iid)[0].id, "confirm", actor="officer.a")
        validate_segment(db, iid, 1, actor="officer.a")
    assert head(iid) == f"Interview {iid} · VALIDATED · all 2 segments validated by an officer, ready to export"
    with Database(db_path) as db:
        export_interview(db, iid, "txt", tmp_path / "out.txt", actor="officer.b")
    assert head(iid).startswith(f"Interview {iid} · EXPORTED · all 2 segments validated; exported (txt) ")
    assert head(iid).endswith(" UTC by officer.b, unchanged since")
    with Database(db_path) as db:
        edit_segment(db, iid, 0, "Hello there, officer.", actor="officer.a")
    assert head(iid) == f"Interview {iid} · DRAFT · 1 of 2 segments validated by an officer"
