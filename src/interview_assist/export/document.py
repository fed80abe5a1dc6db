"""The validated transcript as it leaves the store, and why an export is refused.

An export is built only when every segment is validated and no flag is
open. It carries its provenance: the recording, the models, the settings,
the officers who validated and when. Every format renders this one
document; none reads the store itself.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from interview_assist import __version__
from interview_assist.core.errors import InputError
from interview_assist.core.spans import format_timestamp
from interview_assist.core.transcript import NAME_REASONS, ModelUsed, Speaker, Word
from interview_assist.store import Database, load_interview, name_flags, quality_flags, reviews
from interview_assist.store.audit import chain_head
from interview_assist.store.connection import utc_now
from interview_assist.store.names import spell_words


@dataclass(frozen=True, slots=True)
class NameDecision:
    """A flagged name and what the officer decided about it."""

    start: float
    end: float
    heard: str  # the machine's words
    decision: str  # accepted | edited | confirmed | dismissed
    spelling: str | None  # what the officer decided on (None when dismissed)
    reasons: tuple[str, ...]
    decided_by: str | None
    decided_at: str | None
    dismiss_reason: str | None = None
    # Where the machine heard it: word positions in the segment.
    first_word: int | None = None
    last_word: int | None = None
    # Why the machine offered the suggestion the officer accepted ("in the case glossary", "sounds like ...").
    offered_because: str | None = None

    @property
    def corrected(self) -> bool:
        return self.decision in ("accepted", "edited") and self.spelling != self.heard

    @property
    def is_name(self) -> bool:
        """Kept as a name in the text (a dismissed flag was not one)."""
        return self.decision != "dismissed" and bool(self.spelling)


@dataclass(frozen=True, slots=True)
class QualityDecision:
    kind: str  # loop | stock_phrase | gap | no_speech | language
    reason: str
    start: float
    end: float
    decision: str  # confirmed | dismissed
    note: str | None
    decided_by: str | None
    decided_at: str | None


@dataclass(frozen=True, slots=True)
class ExportSegment:
    index: int
    start: float
    end: float
    speaker: str | None
    role: str | None
    speaker_name: str | None
    language: str
    overlap: bool
    text: str  # as validated
    asr_text: str  # as the machine wrote it
    validated_by: str
    validated_at: str
    words: tuple[Word, ...]
    names: tuple[NameDecision, ...] = ()
    quality: tuple[QualityDecision, ...] = ()
    language_probability: float | None = None  # the recogniser's, for the language it chose

    @property
    def edited(self) -> bool:
        return self.text != self.asr_text

    @property
    def who(self) -> str:
        """"Officer (S1)", "Applicant Amina K. (S3)", or the label alone."""
        if self.role is None:
            return self.speaker or "Unknown speaker"
        name = f" {self.speaker_name}" if self.speaker_name else ""
        return f"{self.role.capitalize()}{name} ({self.speaker})"

    @property
    def who_and_language(self) -> str:
        """"Officer (S1) (fr)": who speaks, and the segment's language (every segment shows it)."""
        return f"{self.who} ({self.language})" if self.language else self.who

    def name_marks(self) -> list[tuple[int, int, NameDecision]]:
        """Where each kept name sits in ``text``: (first char, end char, decision), in order.

        While the text is the ASR words with the decided spellings in place,
        a name is where its words were heard (two flags on one word spelled
        alike each mark their own). In a text the officer rewrote, a name is
        found by its spelling; one the rewrite removed is not marked (it is
        still listed with the decisions).
        """
        decided = sorted((n for n in self.names if n.decision != "dismissed"), key=lambda n: n.first_word or 0)
        placed = [
            (n.first_word, n.last_word, n.spelling if n.decision in ("accepted", "edited") else None)
            for n in decided
            if n.first_word is not None and n.last_word is not None
        ]
        if decided and len(placed) == len(decided):
            text, spans = spell_words([w.text for w in self.words], placed)
            if text == self.text:
                return [(a, b, n) for (a, b), n in zip(spans, decided) if n.is_name]
        marks: list[tuple[int, int, NameDecision]] = []
        taken: list[tuple[int, int]] = []
        for n in self.names:
            if not n.is_name or not n.spelling:  # (a name always has its spelling)
                continue
            for m in re.finditer(re.escape(n.spelling), self.text):
                if not any(m.start() < b and a < m.end() for a, b in taken):
                    marks.append((m.start(), m.end(), n))
                    taken.append((m.start(), m.end()))
                    break
        return sorted(marks, key=lambda x: x[0])


@dataclass(frozen=True, slots=True)
class Provenance:
    interview_id: int
    audio_path: str
    audio_sha256: str
    duration: float
    transcribed_at: str
    models: tuple[ModelUsed, ...]  # speech recognition first, then diarization
    settings: dict[str, Any]
    officers: tuple[str, ...]  # who validated, in order of their first validation
    first_validated_at: str
    last_validated_at: str
    exported_by: str
    exported_at: str
    audit_head: str  # hash of the newest audit record before this export
    tool: str = f"interview-assist {__version__}"

    def lines(self) -> list[tuple[str, str]]:
        """The provenance block as label / value pairs, for formats that print it."""
        return [
            ("Interview", str(self.interview_id)),
            ("Recording", self.audio_path),
            ("Recording sha256", self.audio_sha256),
            ("Duration", format_timestamp(self.duration)),
            ("Transcribed at", self.transcribed_at),
            *[(f"Model {m.name}", f"sha256 {m.sha256}") for m in self.models],
            ("Settings", json.dumps(self.settings, sort_keys=True, ensure_ascii=False)),
            ("Validated by", ", ".join(self.officers)),
            ("Validated between", f"{self.first_validated_at} and {self.last_validated_at}"),
            ("Exported by", self.exported_by),
            ("Exported at", self.exported_at),
            ("Audit log head", self.audit_head),
            ("Produced with", f"{self.tool}; machine draft, every segment validated by a named officer"),
        ]


@dataclass(frozen=True, slots=True)
class ExportDocument:
    provenance: Provenance
    speakers: tuple[Speaker, ...]
    segments: tuple[ExportSegment, ...]

    @property
    def names(self) -> list[tuple[ExportSegment, NameDecision]]:
        return [(s, n) for s in self.segments for n in s.names]

    @property
    def languages(self) -> list[str]:
        seen: dict[str, None] = {}
        for s in self.segments:
            if s.language:
                seen.setdefault(s.language)
        return list(seen)


@dataclass(frozen=True, slots=True)
class Pending:
    """Something that stands between an interview and its export."""

    segment: int  # 0-based
    start: float
    what: str


class ExportBlocked(InputError):
    """Not every segment is validated, or a flag is open: nothing is exported."""

    def __init__(self, interview_id: int, unvalidated: list[Pending], open_flags: list[Pending]):
        self.interview_id = interview_id
        self.unvalidated = unvalidated
        self.open_flags = open_flags
        super().__init__(
            f"interview {interview_id} cannot be exported yet: {len(unvalidated)} segment(s) not validated, "
            f"{len(open_flags)} open flag(s)"
        )


def build_document(db: Database, interview_id: int, *, exported_by: str) -> ExportDocument:
    """The validated transcript of one interview; raises :class:`ExportBlocked` until it is complete."""
    stored = load_interview(db, interview_id)
    t = stored.transcript
    states = reviews(db, interview_id)
    names = name_flags(db, interview_id)
    quality = quality_flags(db, interview_id)
    if not t.segments:
        raise InputError(f"interview {interview_id} has no segments: there is nothing an officer could validate")

    unvalidated = [
        Pending(r.index, t.segments[r.index].start, r.status) for r in states if r.status != "validated"
    ]
    open_flags = [
        Pending(f.flag.segment, f.flag.start, f"name flag #{f.id} \"{f.flag.text}\": {NAME_REASONS.get(f.flag.reasons[0], f.flag.reasons[0])}")
        for f in names
        if f.open
    ] + [Pending(q.segment, q.start, f"{q.kind} flag #{q.id}: {q.reason}") for q in quality if q.open]
    if unvalidated or open_flags:
        raise ExportBlocked(interview_id, unvalidated, sorted(open_flags, key=lambda p: p.start))

    speakers = {sp.label: sp for sp in t.speakers}
    by_segment: dict[int, list[NameDecision]] = {}
    for f in names:
        by_segment.setdefault(f.flag.segment, []).append(
            NameDecision(
                f.flag.start, f.flag.end, f.flag.text, f.status, f.resolution, f.flag.reasons,
                f.resolved_by, f.resolved_at, f.dismiss_reason, f.flag.first_word, f.flag.last_word,
                next((g.reason or None for g in f.flag.suggestions if g.text == f.resolution), None) if f.status == "accepted" else None,
            )
        )
    quality_by_segment: dict[int, list[QualityDecision]] = {}
    for q in quality:
        quality_by_segment.setdefault(q.segment, []).append(
            QualityDecision(q.kind, q.reason, q.start, q.end, q.status, q.note, q.resolved_by, q.resolved_at)
        )
    segments = []
    for i, (s, r) in enumerate(zip(t.segments, states)):
        sp = speakers.get(s.speaker) if s.speaker else None
        segments.append(
            ExportSegment(
                index=i, start=s.start, end=s.end, speaker=s.speaker, role=sp.role if sp else None,
                speaker_name=sp.name if sp else None, language=s.language, overlap=s.overlap,
                text=r.text, asr_text=r.asr_text, validated_by=r.validated_by or "", validated_at=r.validated_at or "",
                words=s.words, names=tuple(by_segment.get(i, ())), quality=tuple(quality_by_segment.get(i, ())),
                language_probability=s.language_probability,
            )
        )
    officers: dict[str, None] = {}
    for done in sorted(segments, key=lambda d: d.validated_at):
        officers.setdefault(done.validated_by)
    stamps = sorted(s.validated_at for s in segments)
    models = [t.model] + [ModelUsed(n, h) for n, h in (t.settings.get("diarization_models") or {}).items()]
    provenance = Provenance(
        interview_id=interview_id, audio_path=t.audio_path, audio_sha256=t.audio_sha256, duration=t.duration,
        transcribed_at=stored.created_at, models=tuple(models), settings=t.settings, officers=tuple(officers),
        first_validated_at=stamps[0], last_validated_at=stamps[-1], exported_by=exported_by, exported_at=utc_now(),
        audit_head=chain_head(db.conn),
    )
    return ExportDocument(provenance, t.speakers, tuple(segments))
