"""Storing draft transcripts and reading them back."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from interview_assist.core.errors import InputError, NotFound
from interview_assist.core.people import person_name
from interview_assist.core.signing import installation_signer
from interview_assist.core.transcript import (
    ROLES,
    DenoiseDecision,
    Diarization,
    Flag,
    ModelUsed,
    Segment,
    Speaker,
    SpeakerTurn,
    Transcript,
    Word,
)
from interview_assist.store import audit
from interview_assist.store import names as name_store
from interview_assist.store.connection import Database, inserted_id, utc_now
from interview_assist.store.officers import signer_for
from interview_assist.store.purge import require_interview


@dataclass(frozen=True, slots=True)
class StoredInterview:
    id: int
    created_at: str
    status: str
    transcript: Transcript


def save_transcript(db: Database, t: Transcript, *, actor: str) -> int:
    """Store ``t`` as a new draft interview, with its audit record, in one transaction."""
    with db.atomic() as c:
        cur = c.execute(
            "INSERT INTO interviews (created_at, audio_path, audio_sha256, duration, model_name, "
            "model_sha256, settings, status) VALUES (?, ?, ?, ?, ?, ?, ?, 'draft')",
            (
                utc_now(),
                t.audio_path,
                t.audio_sha256,
                t.duration,
                t.model.name,
                t.model.sha256,
                json.dumps(t.settings, sort_keys=True),
            ),
        )
        interview_id = inserted_id(cur)
        segment_ids: list[int] = []
        for idx, s in enumerate(t.segments):
            cur = c.execute(
                "INSERT INTO segments (interview_id, idx, start, end, text, language, "
                "language_probability, avg_logprob, no_speech_prob, compression_ratio, speaker, overlap) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    interview_id, idx, s.start, s.end, s.text, s.language, s.language_probability,
                    s.avg_logprob, s.no_speech_prob, s.compression_ratio, s.speaker, int(s.overlap),
                ),
            )
            segment_id = inserted_id(cur)
            segment_ids.append(segment_id)
            c.executemany(
                "INSERT INTO words (segment_id, idx, start, end, text, probability, speaker, overlap) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (segment_id, i, w.start, w.end, w.text, w.probability, w.speaker, int(w.overlap))
                    for i, w in enumerate(s.words)
                ],
            )
        c.executemany(
            "INSERT INTO flags (interview_id, segment_id, kind, reason, start, end) VALUES (?, ?, ?, ?, ?, ?)",
            [(interview_id, segment_ids[f.segment], f.kind, f.reason, f.start, f.end) for f in t.flags],
        )
        c.executemany(
            "INSERT INTO denoise_windows (interview_id, start, end, applied, reason) VALUES (?, ?, ?, ?, ?)",
            [(interview_id, d.start, d.end, int(d.applied), d.reason) for d in t.denoise],
        )
        if t.diarization is not None:
            c.executemany(
                "INSERT INTO speaker_turns (interview_id, exclusive, start, end, speaker) VALUES (?, ?, ?, ?, ?)",
                [(interview_id, 0, u.start, u.end, u.speaker) for u in t.diarization.turns]
                + [(interview_id, 1, u.start, u.end, u.speaker) for u in t.diarization.exclusive],
            )
        c.executemany(
            "INSERT INTO speakers (interview_id, label, role, name, proposed_role, evidence, "
            "speaking_time, confirmed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (interview_id, sp.label, sp.role, sp.name, sp.proposed_role, sp.evidence,
                 sp.speaking_time, int(sp.confirmed))
                for sp in t.speakers
            ],
        )
        name_store.insert(c, interview_id, t, segment_ids)
        audit.append(
            c,
            actor=actor, signer=installation_signer(),
            action="transcribe",
            interview_id=interview_id,
            detail={
                "audio_sha256": t.audio_sha256,
                "model": t.model.name,
                "model_sha256": t.model.sha256,
                "segments": len(t.segments),
                "flags": len(t.flags),
                "name_flags": len(t.name_flags),
                "glossary_entries": len(t.glossary),
                "speakers": {sp.label: sp.proposed_role for sp in t.speakers},
                # Let `audit verify` detect later changes, made outside the
                # application, to the ASR words and to what else the machine
                # recorded; a person's later changes are vouched for by the
                # digests in their own records.
                "words_sha256": audit.words_digest(
                    (w.start, w.end, w.text, w.probability) for s in t.segments for w in s.words
                ),
                **_machine_digests(c, interview_id),
            },
        )
    return interview_id


def _machine_digests(c: sqlite3.Connection, interview_id: int) -> dict[str, str | dict[str, str]]:
    """The digests of what the machine stored, taken when it is stored (see ``audit.STATE_COLUMNS``)."""
    one = ("interview_id = ?", (interview_id,))
    return {
        "interview_sha256": audit.state_digest(c, "interviews", "id = ?", (interview_id,)),
        "denoise_sha256": audit.state_digest(c, "denoise_windows", *one),
        "turns_sha256": audit.state_digest(c, "speaker_turns", *one),
        "glossary_sha256": audit.state_digest(c, "glossary", *one),
        "name_flags_sha256": audit.state_digest(c, "name_flags/machine", *one),
        "flags_sha256": audit.state_digest(c, "flags/machine", *one),
        "speakers_sha256": {
            label: audit.state_digest(c, "speakers", "interview_id = ? AND label = ?", (interview_id, label))
            for (label,) in c.execute("SELECT label FROM speakers WHERE interview_id = ?", (interview_id,)).fetchall()
        },
    }


def load_interview(db: Database, interview_id: int) -> StoredInterview:
    c = db.conn
    require_interview(c, db, interview_id)
    row = c.execute("SELECT * FROM interviews WHERE id = ?", (interview_id,)).fetchone()
    seg_rows = c.execute(
        "SELECT * FROM segments WHERE interview_id = ? ORDER BY idx", (interview_id,)
    ).fetchall()
    words: dict[int, list[Word]] = {}
    for w in c.execute(
        "SELECT w.* FROM words w JOIN segments s ON s.id = w.segment_id "
        "WHERE s.interview_id = ? ORDER BY w.segment_id, w.idx",
        (interview_id,),
    ):
        words.setdefault(w["segment_id"], []).append(
            Word(w["start"], w["end"], w["text"], w["probability"], w["speaker"], bool(w["overlap"]))
        )
    index_of = {r["id"]: r["idx"] for r in seg_rows}
    segments = tuple(
        Segment(
            start=r["start"],
            end=r["end"],
            text=r["text"],
            language=r["language"],
            words=tuple(words.get(r["id"], ())),
            language_probability=r["language_probability"],
            avg_logprob=r["avg_logprob"],
            no_speech_prob=r["no_speech_prob"],
            compression_ratio=r["compression_ratio"],
            speaker=r["speaker"],
            overlap=bool(r["overlap"]),
        )
        for r in seg_rows
    )
    flags = tuple(
        Flag(f["kind"], f["reason"], f["start"], f["end"], index_of[f["segment_id"]])
        for f in c.execute("SELECT * FROM flags WHERE interview_id = ? ORDER BY id", (interview_id,))
    )
    denoise = tuple(
        DenoiseDecision(d["start"], d["end"], bool(d["applied"]), d["reason"])
        for d in c.execute(
            "SELECT * FROM denoise_windows WHERE interview_id = ? ORDER BY start", (interview_id,)
        )
    )
    turns = c.execute(
        "SELECT * FROM speaker_turns WHERE interview_id = ? ORDER BY exclusive, start, speaker",
        (interview_id,),
    ).fetchall()
    speakers = tuple(
        Speaker(
            label=r["label"], role=r["role"], proposed_role=r["proposed_role"], evidence=r["evidence"],
            speaking_time=r["speaking_time"], name=r["name"], confirmed=bool(r["confirmed"]),
        )
        for r in c.execute("SELECT * FROM speakers WHERE interview_id = ? ORDER BY label", (interview_id,))
    )
    diarization = None
    if turns or speakers:
        diarization = Diarization(
            turns=tuple(SpeakerTurn(r["start"], r["end"], r["speaker"]) for r in turns if not r["exclusive"]),
            exclusive=tuple(SpeakerTurn(r["start"], r["end"], r["speaker"]) for r in turns if r["exclusive"]),
            speakers=tuple(sp.label for sp in speakers),
        )
    transcript = Transcript(
        audio_path=row["audio_path"],
        audio_sha256=row["audio_sha256"],
        duration=row["duration"],
        model=ModelUsed(row["model_name"], row["model_sha256"]),
        settings=json.loads(row["settings"]),
        segments=segments,
        flags=flags,
        denoise=denoise,
        diarization=diarization,
        speakers=speakers,
        glossary=name_store.glossary_of(c, interview_id),
        name_flags=tuple(f.flag for f in name_store.name_flags(db, interview_id)),
    )
    return StoredInterview(row["id"], row["created_at"], row["status"], transcript)


def set_speaker(
    db: Database,
    interview_id: int,
    label: str,
    *,
    actor: str,
    role: str | None = None,
    name: str | None = None,
    confirm: bool = False,
) -> Speaker:
    """Set the role and/or name of one speaker, with its audit record.

    Setting the role, or ``confirm``, confirms the speaker's role; a name
    alone leaves a machine-proposed role proposed. A changed role sends the
    speaker's validated segments back for review, as a change of speaker
    does for one segment.
    """
    if role is not None and role not in ROLES:
        raise InputError(f"unknown role {role!r} (roles: {', '.join(ROLES)})")
    if name is not None:
        name = person_name(name, "a speaker's name")
    with db.atomic() as c:
        row = c.execute(
            "SELECT * FROM speakers WHERE interview_id = ? AND label = ?", (interview_id, label)
        ).fetchone()
        if row is None:
            require_interview(c, db, interview_id)
            known = [r[0] for r in c.execute(
                "SELECT label FROM speakers WHERE interview_id = ? ORDER BY label", (interview_id,)
            )]
            raise NotFound(
                f"interview {interview_id} has no speaker {label!r}"
                + (f" (speakers: {', '.join(known)})" if known else " (it was not diarized)")
            )
        new_role = role if role is not None else row["role"]
        new_name = name if name is not None else row["name"]
        confirmed = 1 if role is not None or confirm else row["confirmed"]
        c.execute(
            "UPDATE speakers SET role = ?, name = ?, confirmed = ? WHERE interview_id = ? AND label = ?",
            (new_role, new_name, confirmed, interview_id, label),
        )
        # A new role changes what every validated segment of the speaker says ("Interpreter (S2)"): they go back for review.
        reopened: list[int] = []
        if new_role != row["role"]:
            reopened = [r[0] for r in c.execute(
                "SELECT idx FROM segments WHERE interview_id = ? AND speaker = ? AND review_status = 'validated' ORDER BY idx",
                (interview_id, label),
            )]
            c.execute(
                "UPDATE segments SET review_status = 'edited', validated_by = NULL, validated_at = NULL "
                "WHERE interview_id = ? AND speaker = ? AND review_status = 'validated'",
                (interview_id, label),
            )
        audit.append(
            c,
            actor=actor, signer=signer_for(db, c, actor),
            action="set_speaker",
            interview_id=interview_id,
            # Names of people are personal data: the log records that one was set.
            detail={
                "speaker": label,
                "role": new_role,
                "previous_role": row["role"],
                "name_set": new_name is not None,
                "name_changed": new_name != row["name"],
                "reopened": reopened,  # segments whose validation this change undid
                "speaker_sha256": audit.state_digest(
                    c, "speakers", "interview_id = ? AND label = ?", (interview_id, label)
                ),
            },
        )
    return Speaker(
        label=label, role=new_role, proposed_role=row["proposed_role"], evidence=row["evidence"],
        speaking_time=row["speaking_time"], name=new_name, confirmed=bool(confirmed),
    )


def interview_ids(db: Database, *, purged: bool = False) -> list[int]:
    """Every interview in the store, oldest first; those purged only if ``purged``."""
    where = "" if purged else " WHERE status != 'purged'"
    return [r[0] for r in db.conn.execute(f"SELECT id FROM interviews{where} ORDER BY id")]
