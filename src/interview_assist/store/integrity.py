"""Checking that a stored interview is what its audit log says it is.

None of the checks needs the transcript text or a name in the log:

- the hash chain of the whole log (a changed, inserted or removed record
  breaks it; see :mod:`.audit`); removing records from its end, or
  rewriting it whole, shows against a head hash kept elsewhere;
- what the machine stored (ASR words, recording and model hashes, settings,
  denoise decisions, flags, proposed speaker roles) against the digests
  recorded when the interview was stored;
- each segment's ASR text against its ASR words;
- every validated segment against the digest recorded when an officer
  validated it (times, speaker and text);
- every decision on a flag, and every speaker's role and name, against the
  digest in the record of the last person who changed it (an undo of a
  decision records the digest of the decision it put back);
- every note on why a span was decided without hearing it against the
  digest in its record.

So a row edited directly in the SQLite file, bypassing the application, is
found whether it is an audit record, a word, a segment, a decision or a
speaker. Not covered: the text of a segment edited but not yet validated
(validating vouches for it).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from interview_assist.core.errors import NotFound
from interview_assist.store import audit
from interview_assist.store.audit import ChainCheck
from interview_assist.store.connection import Database


@dataclass(frozen=True, slots=True)
class AuditRecord:
    id: int
    at: str
    actor: str
    action: str
    interview_id: int | None
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class IntegrityReport:
    interview_id: int
    chain: ChainCheck
    broken: AuditRecord | None  # the first record that does not verify, if any
    records: int  # audit records of this interview
    problems: tuple[str, ...]  # content that differs from what the log recorded
    notes: tuple[str, ...] = ()  # checks that could not be made (older records)
    last_record: int | None = None  # id of this interview's newest record
    purged: AuditRecord | None = None  # the tombstone of a purged interview

    @property
    def before_break(self) -> bool:
        """The chain breaks after this interview's records as they now stand.

        That does not clear them: the missing or changed record may have been
        one of this interview's (its interview id can be changed too), so the
        interview still does not verify.
        """
        return (
            self.chain.first_broken is not None and self.last_record is not None
            and self.last_record < self.chain.first_broken
        )

    @property
    def ok(self) -> bool:
        return self.chain.ok and not self.problems


def _record(r: sqlite3.Row) -> AuditRecord:
    try:
        detail = json.loads(r["detail"])
    except (TypeError, ValueError):
        detail = {"unreadable": True}
    return AuditRecord(r["id"], r["at"], r["actor"], r["action"], r["interview_id"], detail)


def audit_records(db: Database, interview_id: int) -> list[AuditRecord]:
    """The audit records of one interview, oldest first (a purged interview's too)."""
    if db.conn.execute("SELECT 1 FROM interviews WHERE id = ?", (interview_id,)).fetchone() is None:
        raise NotFound(f"no interview with id {interview_id} in {db.path}")
    return [
        _record(r)
        for r in db.conn.execute("SELECT * FROM audit_log WHERE interview_id = ? ORDER BY id", (interview_id,))
    ]


def verify_interview(db: Database, interview_id: int, chain: ChainCheck | None = None) -> IntegrityReport:
    """Recompute the chain (or take ``chain``, already computed) and compare the
    interview's content with the digests its records hold."""
    records = audit_records(db, interview_id)
    c = db.conn
    chain = chain or audit.verify(c)
    broken = None
    if chain.first_broken is not None:
        row = c.execute("SELECT * FROM audit_log WHERE id = ?", (chain.first_broken,)).fetchone()
        broken = _record(row) if row is not None else None
    problems: list[str] = []
    notes: list[str] = []
    one = ("interview_id = ?", (interview_id,))
    tombstones = [r for r in records if r.action == "purge"]
    if tombstones or c.execute("SELECT status FROM interviews WHERE id = ?", (interview_id,)).fetchone()[0] == "purged":
        problems, notes = _purge_problems(c, interview_id, records, tombstones)
        return IntegrityReport(
            interview_id, chain, broken, len(records), tuple(problems), tuple(notes), records[-1].id if records else None,
            tombstones[-1] if tombstones else None,
        )

    stored = [r for r in records if r.action == "transcribe"]
    if not stored:
        problems.append("the log has no record of this interview being stored")
    elif "words_sha256" not in stored[0].detail:
        notes.append("the ASR words were stored before word digests were recorded: not checked")
    else:
        words = c.execute(
            "SELECT w.start, w.end, w.text, w.probability FROM words w JOIN segments s ON s.id = w.segment_id "
            "WHERE s.interview_id = ?",
            (interview_id,),
        ).fetchall()
        if audit.words_digest(tuple(w) for w in words) != stored[0].detail["words_sha256"]:
            problems.append(
                f"the ASR words differ from those stored at transcription (audit record #{stored[0].id})"
            )
    machine = stored[0].detail if stored else {}
    if stored and "interview_sha256" not in machine:
        notes.append(
            "stored before digests of the recording, model, settings, flags and decisions were recorded: those not checked"
        )
    elif stored:
        for key, what, where, label in (
            ("interview_sha256", "interviews", ("id = ?", (interview_id,)), "the recording's path or sha256, the model or the settings"),
            ("denoise_sha256", "denoise_windows", one, "the denoise decisions"),
            ("turns_sha256", "speaker_turns", one, "the diarization's speaker turns"),
            ("glossary_sha256", "glossary", one, "the case glossary"),
            ("name_flags_sha256", "name_flags/machine", one, "the machine's name flags (words, reasons, suggestions)"),
            ("flags_sha256", "flags/machine", one, "the machine's quality flags"),
        ):
            if key in machine and audit.state_digest(c, what, *where) != machine[key]:
                problems.append(f"{label}: not as stored at transcription (audit record #{stored[0].id})")
        problems += _speaker_problems(c, interview_id, records, stored[0])
        problems += _decision_problems(c, interview_id, records)
    problems += _note_problems(c, interview_id, records)

    for s in c.execute("SELECT id, idx, text FROM segments WHERE interview_id = ? ORDER BY idx", (interview_id,)):
        heard = "".join(r[0] for r in c.execute("SELECT text FROM words WHERE segment_id = ? ORDER BY idx", (s["id"],)))
        if "".join(heard.split()) != "".join((s["text"] or "").split()):
            problems.append(f"segment {s['idx'] + 1}: its ASR text is not what its ASR words say")

    validations = [r for r in records if r.action == "validate_segment"]
    if validations and not any("content_sha256" in r.detail for r in validations):
        notes.append("validations were recorded before content digests: validated text not checked")
    else:
        latest = standing_validations(records)
        for s in c.execute(
            "SELECT idx, start, end, speaker, language, text, edited_text, validated_by FROM segments "
            "WHERE interview_id = ? AND review_status = 'validated' ORDER BY idx",
            (interview_id,),
        ):
            text = s["edited_text"] if s["edited_text"] is not None else s["text"]
            digest = audit.segment_digest(s["start"], s["end"], s["speaker"], text)
            record = latest.get(s["idx"])
            if record is None:
                problems.append(f"segment {s['idx'] + 1}: marked validated, but no validation since its last change is recorded")
            elif "content_sha256" not in record.detail:
                continue  # validated before content digests were recorded
            elif (digest, s["validated_by"]) != (record.detail.get("content_sha256"), record.actor) or (
                "language" in record.detail and s["language"] != record.detail["language"]
            ):
                problems.append(
                    f"segment {s['idx'] + 1}: its text, times, speaker, language or validating officer differ from what "
                    f"{record.actor} validated (audit record #{record.id})"
                )
    return IntegrityReport(
        interview_id, chain, broken, len(records), tuple(problems), tuple(notes), records[-1].id if records else None
    )


# Records that validate a segment or change one (plays, attention checks and notes change nothing).
_SEGMENT_CHANGES = frozenset({
    "validate_segment", "merge_segments", "split_segment", "edit_segment", "set_segment_speaker",
    "resolve_name_flag", "resolve_flag", "undo",
})


def standing_validations(records: list[AuditRecord]) -> dict[int, AuditRecord]:
    """For each segment (numbered as it is now), the validation record that
    stands: the last one after the segment's last change.

    The log is replayed: a validation stands until an edit, a decision on a
    flag in the segment, a change of its speaker or of its speaker's role, a
    split or a merge; splits and merges renumber the segments after them.
    """
    latest: dict[int, AuditRecord | None] = {}
    for r in records:
        d = r.detail
        if r.action == "set_speaker":  # a new role sends the speaker's validated segments back
            for k in d.get("reopened") or ():
                latest[k] = None
            continue
        i = d.get("segment")
        if not isinstance(i, int) or r.action not in _SEGMENT_CHANGES:
            continue
        # An undo of a merge splits the segment again; of a split, merges it again; of anything else, changes it.
        undone = d.get("undone_action") if r.action == "undo" else None
        if r.action == "validate_segment":
            latest[i] = r
        elif r.action == "merge_segments" or undone == "split_segment":
            latest = {(k - 1 if k > i + 1 else k): v for k, v in latest.items() if k != i + 1}
            latest[i] = None
        elif r.action == "split_segment" or undone == "merge_segments":
            latest = {(k + 1 if k > i else k): v for k, v in latest.items()}
            latest[i] = latest[i + 1] = None
        else:  # edit_segment, set_segment_speaker, resolve_name_flag, resolve_flag, another undo
            latest[i] = None
    return {k: v for k, v in latest.items() if v is not None}


def _speaker_problems(c: sqlite3.Connection, interview_id: int, records: list[AuditRecord], stored: AuditRecord) -> list[str]:
    """Each speaker as the last record that set it says (or as stored, if no one changed it)."""
    expected = {label: (digest, stored) for label, digest in stored.detail["speakers_sha256"].items()}
    for r in records:
        if r.action == "set_speaker" and "speaker_sha256" in r.detail:
            expected[r.detail["speaker"]] = (r.detail["speaker_sha256"], r)
    problems = []
    labels = [row[0] for row in c.execute("SELECT label FROM speakers WHERE interview_id = ? ORDER BY label", (interview_id,))]
    for label in labels:
        if label not in expected:
            problems.append(f"speaker {label}: not in the log")
            continue
        digest, record = expected[label]
        if audit.state_digest(c, "speakers", "interview_id = ? AND label = ?", (interview_id, label)) != digest:
            problems.append(f"speaker {label}: role or name differ from audit record #{record.id} ({record.action} by {record.actor})")
    for label in sorted(set(expected) - set(labels)):
        problems.append(f"speaker {label}: in the log, missing from the store")
    return problems


# An undecided flag, as the machine stored it (see audit.STATE_COLUMNS).
_UNDECIDED = {
    "name_flags/decision": audit.content_digest([["open", None, None, None, None]]),
    "flags/decision": audit.content_digest([["open", None, None, None]]),
}


def _decision_problems(c: sqlite3.Connection, interview_id: int, records: list[AuditRecord]) -> list[str]:
    """Each flag's decision as the last record about it says (open, if none)."""
    problems = []
    for what, action, label in (
        ("name_flags/decision", "resolve_name_flag", "name flag"),
        ("flags/decision", "resolve_flag", "quality flag"),
    ):
        table = what.split("/")[0]
        latest: dict[int | None, AuditRecord] = {}
        for r in records:
            if r.action == action or (r.action == "undo" and r.detail.get("undone_action") == action):
                latest[r.detail.get("flag")] = r
        for (flag_id,) in c.execute(f"SELECT id FROM {table} WHERE interview_id = ? ORDER BY id", (interview_id,)).fetchall():
            now = audit.state_digest(c, what, "id = ?", (flag_id,))
            record = latest.get(flag_id)
            if record is None:
                if now != _UNDECIDED[what]:
                    problems.append(f"{label} #{flag_id}: a decision is stored, but none is recorded in the log")
            elif "decision_sha256" not in record.detail:
                continue  # decided before decision digests were recorded
            elif now != record.detail["decision_sha256"]:
                problems.append(
                    f"{label} #{flag_id}: its decision differs from audit record #{record.id} "
                    f"({record.detail.get('decision')} by {record.actor})"
                )
    return problems


def _note_problems(c: sqlite3.Connection, interview_id: int, records: list[AuditRecord]) -> list[str]:
    """Each note on a span decided without its audio against the digest its record holds."""
    recorded = {r.detail.get("note"): r for r in records if r.action == "note_unheard"}
    problems = []
    stored = [row[0] for row in c.execute("SELECT id FROM unheard_notes WHERE interview_id = ? ORDER BY id", (interview_id,))]
    for note in stored:
        record = recorded.get(note)
        if record is None:
            problems.append(f"note #{note} on audio not heard: stored, but not recorded in the log")
        elif audit.state_digest(c, "unheard_notes", "id = ?", (note,)) != record.detail.get("note_sha256"):
            problems.append(f"note #{note} on audio not heard: differs from audit record #{record.id} (by {record.actor})")
    for note in sorted(set(recorded) - set(stored), key=str):
        problems.append(f"note #{note} on audio not heard: in the log (audit record #{recorded[note].id}), missing from the store")
    return problems


def _purge_problems(
    c: sqlite3.Connection, interview_id: int, records: list[AuditRecord], tombstones: list[AuditRecord]
) -> tuple[list[str], list[str]]:
    """A purged interview: its tombstone signed, nothing of its content left, nothing done after."""
    from interview_assist.core.signing import existing_signer, fingerprint, signature_ok
    from interview_assist.store.purge import CONTENT, tombstone_payload

    if not tombstones:
        return ["marked purged in the store, but no purge is recorded in the log"], []
    t = tombstones[-1]
    problems: list[str] = []
    notes: list[str] = []
    key = str(t.detail.get("signed_by", ""))
    if not signature_ok(key, tombstone_payload(t.detail), str(t.detail.get("signature", ""))):
        problems.append(f"the purge's tombstone (audit record #{t.id}) is not validly signed")
    else:
        own = existing_signer()
        whose = "this installation's" if own is not None and own.public_hex == key else "not this installation's"
        notes.append(f"the tombstone is signed by key {fingerprint(key)} ({whose})")
    row = c.execute("SELECT status, audio_path, settings FROM interviews WHERE id = ?", (interview_id,)).fetchone()
    if tuple(row) != ("purged", "", "{}"):
        problems.append(f"purged (audit record #{t.id}), but the store's interview row is not blank")
    for table, where in CONTENT.items():
        if n := c.execute(f"SELECT count(*) FROM {table} WHERE {where}", (interview_id,)).fetchone()[0]:
            problems.append(f"{n} rows of {table} are in the store after the purge (audit record #{t.id})")
    for r in records:
        if r.id > t.id:
            problems.append(f"audit record #{r.id} ({r.action} by {r.actor}) comes after the purge")
    return problems, notes


def find_export(db: Database, interview_id: int, path: Path) -> AuditRecord | None:
    """The export record whose sha256 matches the file at ``path``, if the file is one of ours, unchanged."""
    from interview_assist.core.errors import InputError
    from interview_assist.core.hashing import file_sha256

    try:
        digest = file_sha256(path)
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    for r in audit_records(db, interview_id):
        if r.action == "export" and r.detail.get("sha256") == digest:
            return r
    return None
