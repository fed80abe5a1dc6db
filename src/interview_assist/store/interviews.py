"""Storing draft transcripts and reading them back."""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..errors import NotFound
from ..transcript import DenoiseDecision, Flag, ModelUsed, Segment, Transcript, Word
from . import audit
from .connection import Database, utc_now


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
        interview_id = int(cur.lastrowid)
        segment_ids: list[int] = []
        for idx, s in enumerate(t.segments):
            cur = c.execute(
                "INSERT INTO segments (interview_id, idx, start, end, text, language, "
                "language_probability, avg_logprob, no_speech_prob, compression_ratio) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    interview_id, idx, s.start, s.end, s.text, s.language, s.language_probability,
                    s.avg_logprob, s.no_speech_prob, s.compression_ratio,
                ),
            )
            segment_id = int(cur.lastrowid)
            segment_ids.append(segment_id)
            c.executemany(
                "INSERT INTO words (segment_id, idx, start, end, text, probability) VALUES (?, ?, ?, ?, ?, ?)",
                [(segment_id, i, w.start, w.end, w.text, w.probability) for i, w in enumerate(s.words)],
            )
        c.executemany(
            "INSERT INTO flags (interview_id, segment_id, kind, reason, start, end) VALUES (?, ?, ?, ?, ?, ?)",
            [(interview_id, segment_ids[f.segment], f.kind, f.reason, f.start, f.end) for f in t.flags],
        )
        c.executemany(
            "INSERT INTO denoise_windows (interview_id, start, end, applied, reason) VALUES (?, ?, ?, ?, ?)",
            [(interview_id, d.start, d.end, int(d.applied), d.reason) for d in t.denoise],
        )
        audit.append(
            c,
            actor=actor,
            action="transcribe",
            interview_id=interview_id,
            detail={
                "audio_sha256": t.audio_sha256,
                "model": t.model.name,
                "model_sha256": t.model.sha256,
                "segments": len(t.segments),
                "flags": len(t.flags),
            },
        )
    return interview_id


def load_interview(db: Database, interview_id: int) -> StoredInterview:
    c = db.conn
    row = c.execute("SELECT * FROM interviews WHERE id = ?", (interview_id,)).fetchone()
    if row is None:
        raise NotFound(f"no interview with id {interview_id} in {db.path}")
    seg_rows = c.execute(
        "SELECT * FROM segments WHERE interview_id = ? ORDER BY idx", (interview_id,)
    ).fetchall()
    words: dict[int, list[Word]] = {}
    for w in c.execute(
        "SELECT w.* FROM words w JOIN segments s ON s.id = w.segment_id "
        "WHERE s.interview_id = ? ORDER BY w.segment_id, w.idx",
        (interview_id,),
    ):
        words.setdefault(w["segment_id"], []).append(Word(w["start"], w["end"], w["text"], w["probability"]))
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
    transcript = Transcript(
        audio_path=row["audio_path"],
        audio_sha256=row["audio_sha256"],
        duration=row["duration"],
        model=ModelUsed(row["model_name"], row["model_sha256"]),
        settings=json.loads(row["settings"]),
        segments=segments,
        flags=flags,
        denoise=denoise,
    )
    return StoredInterview(row["id"], row["created_at"], row["status"], transcript)
