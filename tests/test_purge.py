"""Deletion and retention: ``purge`` leaves no text in the file, and a signed tombstone that ``audit verify`` reports.

Issue 21 (4): nothing could be deleted. Now a purge deletes an interview's
content (every table that holds it), overwrites it in the file (secure_delete,
the WAL checkpointed and truncated: the decrypted pages, free ones included,
hold none of its words), and leaves a signed tombstone; ``audit verify``
passes and says the interview was purged. Retention purges, on command,
interviews last exported more than N days ago and unchanged since, never one
not exported.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest

from interview_assist.core.transcript import (
    Diarization,
    GlossaryEntry,
    ModelUsed,
    Segment,
    Speaker,
    SpeakerTurn,
    Transcript,
    Word,
)
from interview_assist.store import Database, edit_segment, save_transcript, set_speaker, validate_segment

from .conftest import STORE_KEY, raw_sql, run_cli
from .sqlcipher_pages import decrypted

# Words that appear nowhere but in the transcript, the glossary, a speaker's name and a note.
SECRET_WORDS = ("Zanzibarian", "Quixotically", "Brackenbury", "Kassalawi", "Ottoline", "Perambulate")
STORED_WORDS = SECRET_WORDS[:5]  # those of the transcript as stored (the last comes with an officer's edit)


def case_transcript() -> Transcript:
    """A small interview holding each kind of content: words, text, a glossary name, speakers and turns."""
    def seg(start: float, speaker: str, *words: str) -> Segment:
        ws = tuple(Word(start + i * 0.5, start + i * 0.5 + 0.4, f" {w}", 0.9, speaker) for i, w in enumerate(words))
        return Segment(start, start + len(words) * 0.5, " ".join(words), "en", ws, speaker=speaker)

    segments = (
        seg(0.0, "S1", "Where", "were", "you", "born?"),
        seg(3.0, "S2", "In", "Zanzibarian", "country,", "near", "Kassalawi."),
        seg(7.0, "S2", "We", "walked", "quixotically", "at", "night."),
    )
    turns = (SpeakerTurn(0.0, 2.5, "S1"), SpeakerTurn(3.0, 10.0, "S2"))
    return Transcript(
        audio_path="/cases/brackenbury-2026.flac",
        audio_sha256="c" * 64,
        duration=10.0,
        model=ModelUsed("whisper-base", "b" * 64),
        settings={"glossary": "/cases/brackenbury.txt"},
        segments=segments,
        diarization=Diarization(turns=turns, exclusive=turns, speakers=("S1", "S2")),
        speakers=(
            Speaker("S1", "officer", "officer", "speaks first", 2.5),
            Speaker("S2", "applicant", "applicant", "answers", 7.0, name="Ottoline Brackenbury"),
        ),
        glossary=(GlossaryEntry("Kassalawi", "place"),),
    )


def reviewed_case(db_path: Path, tmp_path: Path) -> int:
    """The case stored, reviewed by an officer (an edit, a note on a span not heard, every segment validated) and exported."""
    from interview_assist.export.writer import export_interview
    from interview_assist.store.oversight import note_unheard

    with Database(db_path) as db:
        iid = save_transcript(db, case_transcript(), actor="machine")
        set_speaker(db, iid, "S2", actor="officer.a", role="applicant")
        edit_segment(db, iid, 2, "We perambulate at night.", actor="officer.a")
        note_unheard(db, iid, actor="officer.a", segment=0, start=0.0, end=2.0, reason="Brackenbury asked to skip")
        for i in range(3):
            validate_segment(db, iid, i, actor="officer.a")
        export_interview(db, iid, "json", tmp_path / f"export-{iid}.json", actor="officer.a")
    return iid


def _found(db_path: Path) -> list[str]:
    pages = decrypted(db_path, STORE_KEY).lower()
    return [w for w in SECRET_WORDS if w.lower().encode() in pages]


def test_purge_leaves_no_text_in_the_file_and_a_signed_tombstone(tmp_path, db_path):
    iid = reviewed_case(db_path, tmp_path)
    with Database(db_path) as db:
        keep = save_transcript(db, case_transcript(), actor="machine")  # another interview, with the same words
        assert _found(db_path) == list(SECRET_WORDS)  # the detector sees the words while they are stored
    first = run_cli("purge", keep, "--db", db_path, "--reason", "recorded twice by mistake", "--yes", "--officer", "QA Lead")
    assert first.returncode == 0, first.stderr
    done = run_cli("purge", iid, "--db", db_path, "--reason", "retention period over", "--yes", "--officer", "QA Lead")
    assert done.returncode == 0, done.stderr
    assert f"Purged interview {iid} (" in done.stdout and "signed by key" in done.stdout
    wal = db_path.with_name(db_path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    assert _found(db_path) == []
    with raw_sql(db_path) as c:
        assert c.execute("SELECT audio_path, settings, status FROM interviews WHERE id = ?", (iid,)).fetchone() == ("", "{}", "purged")
        detail = json.loads(c.execute("SELECT detail FROM audit_log WHERE action = 'purge' AND interview_id = ?", (iid,)).fetchone()[0])
    assert detail["reason"] == "retention period over" and detail["officer"] == "QA Lead"
    assert detail["rows"]["segments"] == 3 and detail["rows"]["words"] == 14 and detail["rows"]["unheard_notes"] == 1
    assert not any(w.lower() in json.dumps(detail).lower() for w in SECRET_WORDS)

    verify = run_cli("audit", "verify", "--all", "--db", db_path)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert f"Interview {iid}: PURGED on " in verify.stdout and "by QA Lead (reason: retention period over" in verify.stdout
    assert "its content is gone, as the signed tombstone records" in verify.stdout
    assert "(this installation's)" in verify.stdout
    for command in (["show", iid], ["export", iid, "--format", "txt", "--out", tmp_path], ["review", iid], ["flags", iid]):
        refused = run_cli(*command, "--db", db_path)
        assert refused.returncode == 2 and f"interview {iid} was purged on" in refused.stderr, (command, refused.stderr)
    again = run_cli("purge", iid, "--db", db_path, "--reason", "again", "--yes")
    assert again.returncode == 2 and "was purged" in again.stderr
    assert run_cli("audit", "log", iid, "--db", db_path).returncode == 0


def test_verify_finds_content_back_after_a_purge_or_a_tombstone_changed(tmp_path, db_path):
    iid = reviewed_case(db_path, tmp_path)
    assert run_cli("purge", iid, "--db", db_path, "--reason", "withdrawn", "--yes").returncode == 0
    with raw_sql(db_path) as c:  # someone puts a segment back, bypassing the application
        c.execute("INSERT INTO segments (interview_id, idx, start, end, text, language) VALUES (?, 0, 0, 1, 'x', 'en')", (iid,))
    bad = run_cli("audit", "verify", iid, "--db", db_path)
    assert bad.returncode == 5 and "1 rows of segments are in the store after the purge" in bad.stdout, bad.stdout
    with raw_sql(db_path) as c:
        c.execute("DELETE FROM segments WHERE interview_id = ?", (iid,))
        c.execute("UPDATE interviews SET status = 'draft' WHERE id = ?", (iid,))
    bad = run_cli("audit", "verify", iid, "--db", db_path)
    assert bad.returncode == 5 and "interview row is not blank" in bad.stdout, bad.stdout


def test_every_table_holding_an_interview_is_purged_or_kept_on_purpose(db_path):
    """A new table that refers to interviews or segments must be added to purge's lists (deleted, or kept and why)."""
    from interview_assist.store.purge import CONTENT, KEPT

    with Database(db_path) as db:
        tables = [r[0] for r in db.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        referring = {
            t for t in tables
            if any(fk["table"] in ("interviews", "segments") for fk in db.conn.execute(f"PRAGMA foreign_key_list({t})").fetchall())
        }
    assert referring - {"interviews"} <= set(CONTENT) | set(KEPT), referring - set(CONTENT) - set(KEPT)
    assert "unheard_notes" in CONTENT and set(CONTENT).isdisjoint(KEPT)


def test_retention_purges_only_interviews_exported_long_enough_ago_and_unchanged(tmp_path, db_path):
    from interview_assist.store.purge import retention

    exported = reviewed_case(db_path, tmp_path)
    changed = reviewed_case(db_path, tmp_path)
    with Database(db_path) as db:
        never = save_transcript(db, case_transcript(), actor="machine")
        edit_segment(db, changed, 0, "Where were you born, sir?", actor="officer.b")
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=100)
        cases = {c.interview_id: c for c in retention(db, 90, now=later)}
        assert not any(c.due for c in retention(db, 90))  # exported today
    assert cases[exported].due and "exported 100 days ago, unchanged since" in cases[exported].why
    assert not cases[changed].due and "changed since its last export (edit segment by officer.b" in cases[changed].why
    assert not cases[never].due and cases[never].why == "never exported"

    dry = run_cli("purge", "--exported-before", "0", "--dry-run", "--db", db_path)
    assert dry.returncode == 0, dry.stderr
    assert f"interview {exported}: PURGE" in dry.stdout and f"interview {never}: keep (never exported)" in dry.stdout
    assert "1 interview(s) would be purged; nothing was changed" in dry.stdout
    done = run_cli("purge", "--exported-before", "0", "--reason", "retention: 0 days after export", "--yes", "--db", db_path)
    assert done.returncode == 0, done.stderr
    assert f"Purged interview {exported} " in done.stdout and f"Purged interview {changed} " not in done.stdout
    verify = run_cli("audit", "verify", "--all", "--db", db_path)
    assert verify.returncode == 0 and verify.stdout.count("PURGED") == 1, verify.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "give the interview IDs to purge, or --exported-before"),
        (["1", "--exported-before", "3"], "give the interview IDs to purge, or --exported-before"),
        (["1"], "say why with --reason"),
        (["1", "--reason", "x"], "confirm with --yes"),
        (["99", "--reason", "x", "--yes"], "no interview with id 99"),
    ],
)
def test_purge_refuses_what_it_cannot_do_in_one_line(args, message, db_path):
    with Database(db_path) as db:
        save_transcript(db, case_transcript(), actor="machine")
    done = run_cli("purge", *args, "--db", db_path, stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    with Database(db_path, read_only=True) as db:
        assert db.conn.execute("SELECT status FROM interviews").fetchone()[0] == "draft"
