"""Export after validation, path safety, and audit verification, on a real interview.

A names dialogue of ../shared/eval is transcribed and diarized by the real
CLI with its case glossary, then reviewed through the headless review
session as an officer would (every name flag decided, every segment
validated). Each export format is read back with an independent parser.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path

import pytest
from sqlcipher3.dbapi2 import Row

from interview_assist.review.session import ReviewSession
from interview_assist.store import Database

from .conftest import enrol, listen, officer_key, raw_sql, run_cli

FORMATS = ("docx", "txt", "srt", "vtt", "json", "rttm")


@pytest.fixture(scope="module")
def interview(eval_dir, tmp_path_factory):
    """(store path, interview id, audio path): transcribed, diarized and flagged, not reviewed."""
    tmp = tmp_path_factory.mktemp("export")
    db_path = tmp / "store.sqlite"
    glossary = tmp / "case.txt"
    glossary.write_text("Farid Nazari\tperson\nGhazni\tplace\nKunduz\tplace\nIslam Qala\tplace\nMashhad\tplace\n")
    audio = eval_dir / "names" / "names_v01.wav"
    done = run_cli("transcribe", audio, "--speakers", "2", "--glossary", glossary, "--db", db_path, "--json")
    assert done.returncode == 0, done.stderr
    iid = json.loads(done.stdout)["id"]
    enrol(db_path)  # the officers who review it, registered by an administrator
    return db_path, iid, audio


def _copy_store(src: Path, dst: Path) -> Path:
    """A consistent copy of a WAL store (the backup API, not a file copy)."""
    with raw_sql(src) as a, raw_sql(dst) as b:
        a.backup(b)
    return dst


def _review_all_but_last(db_path: Path, iid: int) -> dict:
    """Decide every flag (one of each kind of decision) and validate all segments but the last."""
    decided: dict = {}
    with Database(db_path) as db:
        session = ReviewSession(db, iid, "officer.a")
        listen(session)  # the officer listens to the recording: flagged segments are decided once heard
        for i in range(len(session)):
            view = session.view(i)
            for f in view.open_flags:
                other = [k for k, g in enumerate(f.flag.suggestions, 1) if g.text != f.flag.text]
                if other and "accepted" not in decided:
                    decided["accepted"] = session.resolve(f.id, "accept", suggestion=other[0])
                elif "edited" not in decided:
                    decided["edited"] = session.resolve(f.id, "edit", text="Gul Mohammad Nazari")
                elif "dismissed" not in decided:
                    decided["dismissed"] = session.resolve(f.id, "dismiss", reason="an ordinary word")
                else:
                    session.resolve(f.id, "confirm")
            for q in view.open_quality:
                session.resolve_quality(q.id, "confirm")
        for i in range(len(session) - 1):
            session.validate(i)
        decided["segments"] = len(session)
    return decided


def _validate_heard(db: Database, iid: int, officer: str, index: int) -> None:
    """``officer`` plays segment ``index`` (it may need its audio), then validates it."""
    session = ReviewSession(db, iid, officer)
    listen(session, index)
    session.validate(index)


@pytest.fixture(scope="module")
def validated(interview, tmp_path_factory):
    """A copy of the interview's store with every segment validated; (store, id, audio, decisions)."""
    db_path, iid, audio = interview
    copy = _copy_store(db_path, tmp_path_factory.mktemp("validated") / "store.sqlite")
    decided = _review_all_but_last(copy, iid)
    with Database(copy) as db:
        _validate_heard(db, iid, "officer.b", decided["segments"] - 1)
    return copy, iid, audio, decided


def _exports(db_path: Path) -> list[dict]:
    with raw_sql(db_path) as c:
        return [json.loads(r[0]) for r in c.execute("SELECT detail FROM audit_log WHERE action = 'export'")]


def test_export_is_refused_until_every_segment_is_validated(interview, tmp_path):
    db_path, iid, _ = interview
    copy = _copy_store(db_path, tmp_path / "store.sqlite")
    out = tmp_path / "out"
    out.mkdir()
    refused = run_cli("export", iid, "--format", "txt", "--out", out, "--db", copy)
    assert refused.returncode == 2
    assert "cannot be exported yet" in refused.stderr
    assert "Segments not validated yet:" in refused.stderr and "Open flags" in refused.stderr
    assert re.search(r"name flag #\d+", refused.stderr), refused.stderr
    assert list(out.iterdir()) == [] and _exports(copy) == []

    decided = _review_all_but_last(copy, iid)
    last = decided["segments"]
    refused = run_cli("export", iid, "--format", "txt", "--out", out, "--db", copy)
    assert refused.returncode == 2
    assert f"  segment {last} (from" in refused.stderr and "Open flags" not in refused.stderr
    assert list(out.iterdir()) == []

    with Database(copy) as db:
        _validate_heard(db, iid, "officer.b", last - 1)
    done = run_cli("export", iid, "--format", "txt", "--out", out, "--db", copy, "--officer", "officer.b")
    assert done.returncode == 0, done.stderr
    written = out / f"interview-{iid}.txt"
    assert [p.name for p in out.iterdir()] == [written.name]
    assert f"to {written}" in done.stdout
    assert oct(written.stat().st_mode & 0o777) == "0o600"


def test_every_format_parses_and_carries_its_provenance(validated, tmp_path):
    import docx
    import jsonschema
    import srt
    import webvtt

    from interview_assist.export.json_file import schema

    db_path, iid, audio, decided = validated
    audio_sha = hashlib.sha256(audio.read_bytes()).hexdigest()
    files = {}
    for fmt in FORMATS:
        done = run_cli("export", iid, "--format", fmt, "--out", tmp_path / f"case.{fmt}", "--db", db_path,
                       "--officer", "officer.b")
        assert done.returncode == 0, done.stderr
        files[fmt] = tmp_path / f"case.{fmt}"
        # The sha256 of each file is in the audit log.
        assert _exports(db_path)[-1]["sha256"] == hashlib.sha256(files[fmt].read_bytes()).hexdigest()
        assert _exports(db_path)[-1]["format"] == fmt

    data = json.loads(files["json"].read_text())
    jsonschema.validate(data, schema())
    segments = data["segments"]
    n = decided["segments"]
    assert len(segments) == n
    prov = data["provenance"]
    assert prov["audio"]["sha256"] == audio_sha
    assert prov["validated_by"] == ["officer.a", "officer.b"] and prov["exported_by"] == "officer.b"
    assert [m["name"] for m in prov["models"]][0] == "whisper-base" and len(prov["models"]) == 3
    assert all(s["speaker"] and s["role"] and s["words"] for s in segments)
    assert all(w["speaker"] for s in segments for w in s["words"])
    # The validated text sits beside the ASR text; the corrected name is in the first.
    accepted = decided["accepted"]
    fixed = next(s for s in segments if any(m["decision"] == "accepted" for m in s["names"]))
    assert accepted.resolution in fixed["text"] and fixed["edited"] and fixed["asr_text"] != fixed["text"]
    assert {m["decision"] for s in segments for m in s["names"]} >= {"accepted", "edited", "dismissed"}

    subs = list(srt.parse(files["srt"].read_text()))
    assert len(subs) == n + 1 and audio_sha in subs[0].content
    assert [s.content.split(": ", 1)[1] for s in subs[1:]] == [s["text"] or "[no words]" for s in segments]
    assert [s.content.split(": ", 1)[0].rsplit(" ", 1)[1] for s in subs[1:]] == [f"({s['language']})" for s in segments]
    assert subs[1].start.total_seconds() == pytest.approx(segments[0]["start"], abs=0.001)

    vtt = webvtt.read(str(files["vtt"]))
    assert len(vtt.captions) == n
    # The voice names the speaker and the segment's language, as the other formats do: "Officer (S1) (en)".
    assert [c.voice for c in vtt.captions] == [f"{s['role'].capitalize()} ({s['speaker']}) ({s['language']})" for s in segments]
    h, m, sec = vtt.captions[-1].end.split(":")
    assert int(h) * 3600 + int(m) * 60 + float(sec) == pytest.approx(segments[-1]["end"], abs=0.001)
    assert audio_sha in files["vtt"].read_text().split("\n\n")[1]  # the NOTE block

    rows = [line.split() for line in files["rttm"].read_text().splitlines() if not line.startswith(";;")]
    assert len(rows) == n and all(len(r) == 10 and r[0] == "SPEAKER" for r in rows)
    assert [r[7] for r in rows] == [s["speaker"] for s in segments]
    assert f";; Recording sha256: {audio_sha}" in files["rttm"].read_text()

    text = files["txt"].read_text()
    assert audio_sha in text and "NAMES CHECKED BY THE OFFICER" in text
    assert f'corrected to "{accepted.resolution}" (a suggestion accepted) by officer.a' in text

    document = docx.Document(str(files["docx"]))
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert audio_sha in cells and "officer.a, officer.b" in cells
    paragraphs = [p for p in document.paragraphs if p.text.startswith("[")]
    assert len(paragraphs) == n
    marked = [r for p in paragraphs for r in p.runs if r.bold and r.underline and r.font.highlight_color is not None]
    assert any(r.text == accepted.resolution for r in marked), "the corrected name is marked for the reader"
    names_table = document.tables[-1]
    assert names_table.rows[0].cells[2].text == "Machine heard"
    assert len(names_table.rows) - 1 == sum(len(s["names"]) for s in segments)


def test_export_writes_only_where_asked_and_never_overwrites_without_force(validated, tmp_path):
    db_path, iid, _, _ = validated
    target = tmp_path / "case.txt"
    target.write_text("an earlier file\n")
    refused = run_cli("export", iid, "--format", "txt", "--out", target, "--db", db_path)
    assert refused.returncode == 2 and "already exists; pass --force" in refused.stderr
    assert target.read_text() == "an earlier file\n"
    forced = run_cli("export", iid, "--format", "txt", "--out", target, "--db", db_path, "--force")
    assert forced.returncode == 0, forced.stderr
    assert target.read_text().startswith("INTERVIEW TRANSCRIPT")

    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("not yours\n")
    link = tmp_path / "link.txt"
    link.symlink_to(elsewhere)
    for extra in ([], ["--force"]):
        refused = run_cli("export", iid, "--format", "txt", "--out", link, "--db", db_path, *extra)
        assert refused.returncode == 2 and "symbolic link" in refused.stderr
    assert elsewhere.read_text() == "not yours\n"

    missing = run_cli("export", iid, "--format", "txt", "--out", tmp_path / "no" / "such" / "x.txt", "--db", db_path)
    assert missing.returncode == 2 and "no such folder" in missing.stderr
    assert not (tmp_path / "no").exists()
    before = sorted(p.name for p in tmp_path.iterdir())
    into = run_cli("export", iid, "--format", "rttm", "--out", tmp_path, "--db", db_path)
    assert into.returncode == 0, into.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(before + [f"interview-{iid}.rttm"])


def test_a_failed_write_leaves_no_file_and_no_record(validated, tmp_path):
    """The file system refuses the write part-way (a size limit standing in for a full disk)."""
    import resource
    import signal
    import subprocess
    import sys

    db_path, iid, _, _ = validated
    records = len(_exports(db_path))
    target = tmp_path / "case.docx"

    # Room for the store's WAL index (the -shm file, 32 KiB, grown when the
    # store opens), none for a DOCX (python-docx's template alone is larger).
    limit = 33 << 10

    def small_files():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = subprocess.run(
        [sys.executable, "-m", "interview_assist", "export", str(iid), "--format", "docx", "--out", str(target),
         "--db", str(db_path)],
        capture_output=True, text=True, preexec_fn=small_files,
    )
    assert done.returncode != 0 and "no export was written" in done.stderr, done.stderr
    assert not target.exists()
    assert len(_exports(db_path)) == records

    # Over an earlier export (--force), a failed write leaves that export as it was.
    target.write_bytes(b"the export of last week")
    done = subprocess.run(
        [sys.executable, "-m", "interview_assist", "export", str(iid), "--format", "docx", "--out", str(target),
         "--db", str(db_path), "--force"],
        capture_output=True, text=True, preexec_fn=small_files,
    )
    assert done.returncode != 0 and "no export was written" in done.stderr, done.stderr
    assert target.read_bytes() == b"the export of last week"
    assert len(_exports(db_path)) == records
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == [], "no temporary file is left"


def test_audit_verify_finds_the_first_broken_link_and_changed_content(validated, tmp_path):
    db_path, iid, _, _ = validated
    exported = tmp_path / "case.json"
    assert run_cli("export", iid, "--format", "json", "--out", exported, "--db", db_path).returncode == 0
    ok = run_cli("audit", "verify", iid, "--export", exported, "--db", db_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "hash chain intact" in ok.stdout and "unchanged export" in ok.stdout

    # A changed byte in the export file.
    changed = tmp_path / "changed.json"
    changed.write_bytes(exported.read_bytes().replace(b'"text"', b'"Text"', 1))
    bad = run_cli("audit", "verify", iid, "--export", changed, "--db", db_path)
    assert bad.returncode == 5 and "NOT an unchanged export" in bad.stdout

    # A record of the log edited in place: the officer's name on a validation.
    store = _copy_store(db_path, tmp_path / "tampered-log.sqlite")
    with raw_sql(store) as c:
        rid = c.execute(
            "SELECT id FROM audit_log WHERE action = 'validate_segment' AND interview_id = ? ORDER BY id LIMIT 1 OFFSET 2",
            (iid,),
        ).fetchone()[0]
        c.execute("UPDATE audit_log SET actor = 'someone.else' WHERE id = ?", (rid,))
    bad = run_cli("audit", "verify", iid, "--db", store)
    assert bad.returncode == 5
    assert f"HASH CHAIN BROKEN at record #{rid} (validate_segment by someone.else" in bad.stdout

    # A record removed from the middle of the log.
    store = _copy_store(db_path, tmp_path / "removed.sqlite")
    with raw_sql(store) as c:
        c.execute("DELETE FROM audit_log WHERE id = ?", (rid,))
    bad = run_cli("audit", "verify", iid, "--db", store)
    assert bad.returncode == 5 and f"HASH CHAIN BROKEN at record #{rid + 1}" in bad.stdout

    # A validated segment rewritten directly in the database, the log untouched.
    store = _copy_store(db_path, tmp_path / "tampered-text.sqlite")
    with raw_sql(store) as c:
        c.execute("UPDATE segments SET edited_text = 'I was never in Kunduz.' WHERE interview_id = ? AND idx = 1", (iid,))
    bad = run_cli("audit", "verify", iid, "--db", store)
    assert bad.returncode == 5 and "hash chain intact" in bad.stdout
    assert "segment 2: its text, times, speaker, language or validating officer differ from what officer.a validated" in bad.stdout

    # An ASR word changed (its timing).
    store = _copy_store(db_path, tmp_path / "tampered-word.sqlite")
    with raw_sql(store) as c:
        c.execute(
            "UPDATE words SET start = start + 1 WHERE id = (SELECT w.id FROM words w JOIN segments s ON s.id = w.segment_id "
            "WHERE s.interview_id = ? LIMIT 1)",
            (iid,),
        )
    bad = run_cli("audit", "verify", iid, "--db", store)
    assert bad.returncode == 5 and "the ASR words differ" in bad.stdout

    log = run_cli("audit", "log", iid, "--json", "--db", db_path)
    records = json.loads(log.stdout)
    assert [r["action"] for r in records][0] == "transcribe" and records[-1]["action"] == "export"
    # The log holds decisions and digests, never the words themselves.
    assert "Kunduz" not in log.stdout and "Nazari" not in log.stdout
    # As text, segments count from 1 (as on the screen); filters by actor (any case) and action.
    text = run_cli("audit", "log", iid, "--action", "validate_segment", "--actor", "OFFICER.A", "--db", db_path).stdout.splitlines()
    assert text and all(" officer.a validate_segment · " in line for line in text)
    assert re.search(r"segment=1\b", text[0]) and not any(re.search(r"segment=0\b", line) for line in text)
    unknown = run_cli("audit", "log", iid, "--action", "validated", "--db", db_path)
    assert unknown.returncode == 2 and "validate_segment" in unknown.stderr


@pytest.mark.parametrize(
    "tamper, found",
    [
        ("UPDATE name_flags SET resolved_by = 'C. Other' WHERE id = (SELECT MIN(id) FROM name_flags)",
         r"name flag #\d+: its decision differs from audit record #\d+ \(\w+ by officer.a\)"),
        ("UPDATE name_flags SET status = 'open', resolution = NULL, dismiss_reason = NULL, resolved_by = NULL, "
         "resolved_at = NULL WHERE id = (SELECT MAX(id) FROM name_flags)", r"name flag #\d+: its decision differs"),
        ("UPDATE speakers SET role = 'interpreter' WHERE label = 'S2'", r"speaker S2: role or name differ from audit record #\d+"),
        (f"UPDATE interviews SET model_sha256 = '{'0' * 64}'", r"the recording's path or sha256, the model or the settings"),
        ("UPDATE interviews SET settings = replace(settings, 'auto', 'off')", r"the model or the settings"),
        ("UPDATE denoise_windows SET applied = 1 - applied", r"the denoise decisions: not as stored"),
        ("UPDATE name_flags SET suggestions = '[]' WHERE id = (SELECT MIN(id) FROM name_flags)", r"the machine's name flags"),
        ("UPDATE segments SET text = 'We never met. ' || text WHERE idx = 0", r"segment 1: its ASR text is not what its ASR words say"),
        ("UPDATE segments SET language = 'fr' WHERE idx = 0", r"segment 1: its text, times, speaker, language or validating officer"),
        ("UPDATE speaker_turns SET speaker = 'S1' WHERE rowid = (SELECT MAX(rowid) FROM speaker_turns)", r"the diarization's speaker turns"),
        ("UPDATE glossary SET term = 'Kabul' WHERE idx = 0", r"the case glossary"),
    ],
)
def test_audit_verify_finds_decisions_speakers_and_settings_changed_outside(validated, tmp_path, tamper, found):
    """What the machine stored and what people decided, changed in the SQLite file
    directly: the log holds a digest of each (never the names themselves)."""
    db_path, iid, _, _ = validated
    store = _copy_store(db_path, tmp_path / "tampered.sqlite")
    with raw_sql(store) as c:
        changed = c.execute(tamper).rowcount
    done = run_cli("audit", "verify", iid, "--db", store)
    assert changed >= 1
    assert done.returncode == 5 and "hash chain intact" in done.stdout, done.stdout
    assert re.search(r"CHANGED OUTSIDE THE APPLICATION: .*" + found, done.stdout), done.stdout


def test_only_the_latest_validation_of_a_segment_stands(tmp_path, db_path):
    """A text validated, corrected and validated again: putting the first text
    back in the file does not verify, though it was once validated. Splits and
    merges renumber segments; the log is followed through them."""
    from dataclasses import replace

    from interview_assist.core.transcript import Segment, Word
    from interview_assist.store import edit_segment, merge_with_next, reviews, save_transcript, split_before_word, validate_segment

    from .test_interrupt import _tiny_transcript

    def segment(k: int) -> Segment:
        words = (Word(2.0 * k, 2.0 * k + 0.5, f" Part{k}", 0.9), Word(2.0 * k + 0.5, 2.0 * k + 1.0, " said.", 0.9))
        return Segment(2.0 * k, 2.0 * k + 1.0, f"Part{k} said.", "en", words)

    def verify(store) -> subprocess.CompletedProcess:
        return run_cli("audit", "verify", iid, "--db", store)

    with Database(db_path) as db:
        iid = save_transcript(db, replace(_tiny_transcript(), duration=8.0, segments=tuple(segment(k) for k in range(4))), actor="machine")
        validate_segment(db, iid, 0, actor="officer.a")
        edit_segment(db, iid, 0, "Part0 said it.", actor="officer.a")
        validate_segment(db, iid, 0, actor="officer.b")
        for i in (1, 2, 3):
            validate_segment(db, iid, i, actor="officer.a")
    assert verify(db_path).returncode == 0
    store = _copy_store(db_path, tmp_path / "older.sqlite")
    with raw_sql(store) as c:
        c.execute("UPDATE segments SET edited_text = NULL, validated_by = 'officer.a' WHERE interview_id = ? AND idx = 0", (iid,))
    bad = verify(store)
    assert bad.returncode == 5 and "segment 1: its text, times, speaker, language or validating officer differ from what officer.b" in bad.stdout

    # Segment 2 split in two: segments 3 and 4 become 4 and 5 and keep their validations.
    with Database(db_path) as db:
        split_before_word(db, iid, 1, 1, actor="officer.a")
        assert [r.status for r in reviews(db, iid)] == ["validated", "edited", "edited", "validated", "validated"]
        validate_segment(db, iid, 1, actor="officer.a")
    store = _copy_store(db_path, tmp_path / "unvalidated.sqlite")
    with raw_sql(store) as c:  # the second half, never validated since the split, marked validated
        c.execute("UPDATE segments SET review_status = 'validated', validated_by = 'officer.a' WHERE interview_id = ? AND idx = 2", (iid,))
    bad = verify(store)
    assert bad.returncode == 5 and "segment 3: marked validated, but no validation since its last change" in bad.stdout
    # Merged back: the segments after it move up again.
    with Database(db_path) as db:
        merge_with_next(db, iid, 1, actor="officer.a")
        validate_segment(db, iid, 1, actor="officer.a")
        assert [r.status for r in reviews(db, iid)] == ["validated"] * 4
    ok = verify(db_path)
    assert ok.returncode == 0, ok.stdout


def test_a_kept_head_shows_records_removed_from_the_end_or_a_rewritten_chain(validated, tmp_path):
    from interview_assist.store import audit

    _, iid, _, _ = validated
    # The newest record is an export (the last thing done to a validated interview), whichever tests ran before:
    # removing a validation instead would rightly show as a segment validated with no record of it.
    db_path = _copy_store(validated[0], tmp_path / "exported.sqlite")
    assert run_cli("export", iid, "--format", "txt", "--out", tmp_path / "case.txt", "--db", db_path).returncode == 0
    first = run_cli("audit", "verify", iid, "--db", db_path)
    head = re.search(r"Head of the chain: record #\d+, ([0-9a-f]{64})", first.stdout).group(1)
    assert run_cli("audit", "verify", iid, "--head", head, "--db", db_path).returncode == 0

    # The newest record removed: the rest of the chain still links up, only the kept head tells.
    store = _copy_store(db_path, tmp_path / "cut.sqlite")
    with raw_sql(store) as c:
        c.execute("DELETE FROM audit_log WHERE id = (SELECT MAX(id) FROM audit_log)")
    after_cut = run_cli("audit", "verify", iid, "--db", store)
    assert after_cut.returncode == 0, after_cut.stdout
    cut = run_cli("audit", "verify", iid, "--head", head, "--db", store)
    assert cut.returncode == 5 and "NOT IN THE CHAIN" in cut.stdout

    # A record changed and every hash after it recomputed: the chain links up again, but not the same; the
    # changed record's signature (over its old hash) no longer verifies, and the kept head is not in the chain.
    store = _copy_store(db_path, tmp_path / "rewritten.sqlite")
    with raw_sql(store) as c:
        c.row_factory = Row
        rows = c.execute("SELECT * FROM audit_log ORDER BY id").fetchall()
        middle = rows[len(rows) // 2]["id"]
        prev = audit.GENESIS
        for r in rows:
            actor = "someone.else" if r["id"] == middle else r["actor"]
            h = audit._digest(prev, r["at"], actor, r["action"], r["interview_id"], r["detail"])
            c.execute("UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ? WHERE id = ?", (actor, prev, h, r["id"]))
            prev = h
    rechained = run_cli("audit", "verify", iid, "--db", store)
    assert rechained.returncode == 5 and f"SIGNATURE DOES NOT VERIFY at record #{middle}" in rechained.stdout, rechained.stdout
    rewritten = run_cli("audit", "verify", iid, "--head", head, "--db", store)
    assert rewritten.returncode == 5 and "NOT IN THE CHAIN" in rewritten.stdout
    assert run_cli("audit", "verify", iid, "--head", "abc", "--db", store).returncode == 2


def test_a_break_after_an_interviews_records_does_not_clear_them(db_path):
    """The record removed after interview 1's may have been interview 1's own
    (its last one, here): a broken chain vouches for no interview."""
    from interview_assist.store import save_transcript, validate_segment

    from .test_interrupt import _tiny_transcript

    with Database(db_path) as db:
        first = save_transcript(db, _tiny_transcript(), actor="machine")
        validate_segment(db, first, 0, actor="officer.a")
        second = save_transcript(db, _tiny_transcript(), actor="machine")
        last = db.conn.execute("SELECT MAX(id) FROM audit_log WHERE interview_id = ?", (first,)).fetchone()[0]
        db.conn.execute("UPDATE segments SET review_status = 'draft', validated_by = NULL WHERE interview_id = ?", (first,))
        db.conn.execute("DELETE FROM audit_log WHERE id = ?", (last,))
    one = run_cli("audit", "verify", first, "--db", db_path)
    assert one.returncode == 5, one.stdout
    assert f"record #{last} is missing before it" in one.stdout and "may have been one of them" in one.stdout
    assert "which the broken chain cannot vouch for" in one.stdout and "Head of the chain" not in one.stdout
    two = run_cli("audit", "verify", second, "--db", db_path)
    assert two.returncode == 5 and "cannot be trusted" in two.stdout


def test_a_name_with_a_control_character_from_an_older_store_does_not_break_the_docx(validated, tmp_path):
    """Names are refused with control characters now; one already stored is shown as U+FFFD, and the file opens."""
    import docx

    from interview_assist.store import edit_segment, interviews, reviews, set_speaker, validate_segment

    db_path, iid, _, _ = validated
    store = _copy_store(db_path, tmp_path / "older.sqlite")
    # Stored through the application as an older version did, when names were not checked (the audit log
    # vouches for them, so the export, which verifies the store first, goes ahead).
    with Database(store) as db, pytest.MonkeyPatch.context() as older:
        older.setattr(interviews, "person_name", lambda name, what="": name)
        from interview_assist.core import officers as officer_keys
        from interview_assist.store import officers as registry

        older.setattr(officer_keys, "person_name", lambda name, what="": name)
        older.setattr(registry, "person_name", lambda name, what="": name)
        registry.register_officer(db, "Officer\x01X", officer_key("Officer\x01X").public_hex, actor="test-admin")
        set_speaker(db, iid, "S1", actor="officer.a", name="Ali\x1b[31m K.")
        text = reviews(db, iid)[0].text
        edit_segment(db, iid, 0, text + " x", actor="officer.a")
        edit_segment(db, iid, 0, text, actor="officer.a")
        validate_segment(db, iid, 0, actor="Officer\x01X")
    out = tmp_path / "case.docx"
    done = run_cli("export", iid, "--format", "docx", "--out", out, "--db", store)
    assert done.returncode == 0, done.stderr
    text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    assert "Officer\ufffdX" in text


def test_the_names_list_does_not_overstate_what_the_officer_changed():
    """An accepted suggestion spelled as heard is no correction; a name the
    officer's later rewrite removed is said to be absent from the text."""
    from interview_assist.export.document import NameDecision
    from interview_assist.export.text import describe

    def decision(heard: str, spelling: str) -> NameDecision:
        return NameDecision(1.0, 2.0, heard, "accepted", spelling, ("from-list",), "officer.a", "2026-11-26T06:00:00Z")

    assert describe(decision("Ghazni", "Ghazni")).startswith('"Ghazni" kept as heard (a suggestion with the same spelling')
    assert describe(decision("Manin", "Monino")).startswith('the machine heard "Manin"; corrected to "Monino" (a suggestion')
    assert "not in the validated text" not in describe(decision("Manin", "Monino"))
    assert 'corrected to "Monino" (a suggestion accepted) by officer.a at 2026-11-26T06:00:00Z. Not in the validated text: the officer rewrote' in (
        describe(decision("Manin", "Monino"), in_text=False)
    )


def test_two_flags_on_one_spelling_each_mark_their_own_word():
    """"Ghazni, in Ghazni province": the first flag dismissed, the second
    confirmed. The mark goes on the second word, where that flag was heard."""
    from interview_assist.core.transcript import Word
    from interview_assist.export.document import ExportSegment, NameDecision
    from interview_assist.export.text import marked_text

    texts = [" I", " lived", " in", " Ghazni,", " in", " Ghazni", " province."]
    words = tuple(Word(i * 0.5, i * 0.5 + 0.4, t, 0.9) for i, t in enumerate(texts))

    def decision(k: int, status: str, spelling: str | None) -> NameDecision:
        return NameDecision(k * 0.5, k * 0.5 + 0.4, "Ghazni", status, spelling, ("unknown",), "officer.a", "t",
                            "a town is meant once" if status == "dismissed" else None, k, k)

    names = (decision(3, "dismissed", None), decision(5, "confirmed", "Ghazni"))
    seg = ExportSegment(0, 0.0, 3.5, "S2", "applicant", None, "en", False, "I lived in Ghazni, in Ghazni province.",
                        "I lived in Ghazni, in Ghazni province.", "officer.a", "t", words, names)
    assert marked_text(seg, {id(names[1]): 7}) == "I lived in Ghazni, in Ghazni[7] province."
    # Spelled differently by the officer: the new spelling is marked where the words were.
    names = (decision(3, "accepted", "Ghazni"), decision(5, "edited", "Ghaznī"))
    seg = ExportSegment(0, 0.0, 3.5, "S2", "applicant", None, "en", False, "I lived in Ghazni, in Ghaznī province.",
                        "I lived in Ghazni, in Ghazni province.", "officer.a", "t", words, names)
    assert marked_text(seg, {id(names[0]): 1, id(names[1]): 2}) == "I lived in Ghazni[1], in Ghaznī[2] province."


def test_any_sequence_of_review_actions_verifies(db_path):
    """No false alarm: 300 review actions in a seeded random order (edits,
    decisions changed back and forth, splits, merges, speakers, roles, two
    officers), and `audit verify` still finds the interview as its log says;
    then one decision changed in the file is found."""
    import random

    from interview_assist.core.errors import InputError
    from interview_assist.core.spans import Span
    from interview_assist.core.transcript import ModelUsed, NameFlag, Segment, Speaker, Suggestion, Transcript, Word
    from interview_assist.review.playback import Played
    from interview_assist.review.session import ReviewSession
    from interview_assist.store import reviews, save_transcript
    from interview_assist.store.integrity import verify_interview

    def segment(k: int, text: str, speaker: str) -> Segment:
        words = tuple(Word(3.0 * k + 0.4 * j, 3.0 * k + 0.4 * j + 0.3, " " + w, 0.9 if j % 3 else 0.4)
                      for j, w in enumerate(text.split()))
        return Segment(3.0 * k, 3.0 * k + 2.9, text, "en", words, speaker=speaker)

    texts = ["Good morning, please sit.", "I came from Kandas to Ghazni.", "When did you leave Ghazni?",
             "In March, with Farid Ann Ari.", "Thank you, go on."]
    segs = tuple(segment(k, t, "S1" if k % 2 == 0 else "S2") for k, t in enumerate(texts))
    sug = (Suggestion("Kunduz", 100.0, "gazetteer:places", "city, AF"), Suggestion("Ghazni", 99.0, "gazetteer:places", "city, AF"))
    flags = (NameFlag(1, 3, 3, 4.2, 4.5, "Kandas", ("unknown",), sug), NameFlag(1, 5, 5, 5.0, 5.3, "Ghazni", ("unknown",), sug),
             NameFlag(2, 4, 4, 7.6, 7.9, "Ghazni", ("unknown",), sug), NameFlag(3, 3, 5, 10.2, 11.3, "Farid Ann Ari", ("unknown",), sug))
    speakers = (Speaker("S1", "officer", "officer", "speaks first", 7.0), Speaker("S2", "applicant", "applicant", "rest", 6.0))
    t = Transcript("/x.wav", "a" * 64, 15.0, ModelUsed("whisper-base", "b" * 64), {"denoise": "auto"}, segs,
                   name_flags=flags, speakers=speakers)
    rng = random.Random(7)
    with Database(db_path) as db:
        iid = save_transcript(db, t, actor="machine")
        officers = [ReviewSession(db, iid, "officer.a"), ReviewSession(db, iid, "officer.b")]
        done, checked = 0, 0
        for step in range(300):
            s = rng.choice(officers)
            s.reload()
            i = rng.randrange(len(s))
            v = s.view(i)
            act = rng.choice(["validate"] * 4 + ["edit", "decide", "decide", "split", "split", "merge", "speaker", "role",
                                                 "listen", "listen", "note"])
            try:
                if act == "listen":  # as the stand-in sound device reports a play (the recording is not on disk)
                    heard = Span(v.segment.start, rng.choice([v.segment.end, v.segment.start + 0.5 * v.segment.span.duration]))
                    s.record_play(Played(v.segment.span, 1.0, rng.choice(["ended", "stopped"]), heard, heard.duration))
                elif act == "note":
                    s.note_unheard(i, "I conducted this interview; recalled")
                elif act == "validate":
                    s.validate(i)
                elif act == "edit":
                    s.edit(i, rng.choice([v.review.asr_text, v.review.text + " Yes.", "Kunduz, " + v.review.asr_text]))
                elif act == "decide" and v.flags:
                    f = rng.choice(v.flags)
                    decision = rng.choice(["accept", "edit", "confirm", "dismiss"])
                    s.resolve(f.id, decision, suggestion=rng.choice([1, 2]), text="Kondoz", reason="not a name")
                elif act == "split" and len(v.segment.words) > 1:
                    s.split(i, rng.randrange(1, len(v.segment.words)))
                elif act == "merge" and i + 1 < len(s):
                    s.merge_with_next(i)
                elif act == "speaker":
                    s.set_segment_speaker(i, rng.choice(["S1", "S2"]))
                elif act == "role":
                    s.set_role(rng.choice(["S1", "S2"]), rng.choice(["officer", "interpreter", "applicant"]))
                done += 1
            except InputError:
                pass  # a refusal (open flags, a split through a name, ...) writes nothing
            if step % 10 == 9:  # checked along the way, in every state the walk passes through
                report = verify_interview(db, iid)
                assert report.ok and not report.notes, (step, report.problems, report.notes)
                checked += sum(r.status == "validated" for r in reviews(db, iid))
    assert done > 150 and checked > 30, (done, checked)
    ok = run_cli("audit", "verify", iid, "--db", db_path)
    assert ok.returncode == 0, ok.stdout
    with raw_sql(db_path) as c:
        c.execute("UPDATE name_flags SET resolved_by = 'officer.c' WHERE id = (SELECT MIN(id) FROM name_flags WHERE status != 'open')")
    bad = run_cli("audit", "verify", iid, "--db", db_path)
    assert bad.returncode == 5 and "its decision differs from audit record" in bad.stdout
