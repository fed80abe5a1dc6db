"""The figures of the QA confidence report, per interview and across interviews.

Everything is read from the store and the audit log; nothing here holds
transcript text, so a report can go to QA staff who are not cleared to read
the interview itself. How each figure is computed:

- mean word probability: the mean of the ASR's word probabilities;
- name flags by reason: a flag with several reasons counts once under each;
  the totals count every flag once;
- edit rate: word-level Levenshtein distance between the ASR text and the
  text that stands (after the officer's edits and name decisions), divided
  by the number of ASR words, both normalised as for WER
  (:mod:`interview_assist.core.textnorm`); per speaker by the segment's speaker;
- review time: per reviewer, the sum of the pauses between consecutive
  review actions (plays and attention checks included) that are shorter
  than ``IDLE_SECONDS``; a longer pause is a break and counts nothing;
- human oversight (heard coverage, attention checks, pace): see
  :mod:`.oversight`;
- speech time: segment time (end minus start of each segment, as the
  segments stand after any split or merge), per speaker (the segment's
  speaker, "-" without one, with the speaker's current role) and per
  language (the segment's language code, "-" without one); the speakers'
  and languages' times add up to the interview's speech time. Pauses
  between segments count nothing, overlapping speech counts for the speaker
  the segment is attributed to;
- language in doubt: the segment time of the segments that carry a
  ``language`` flag (a language not recognised with confidence, part of a
  turn heard in another language, a language heard from one speaker alone,
  or a speaker's language the speech model does not know), whatever was decided
  about the flag, each segment once however many such flags it has; its
  share is over the speech time. How those flags were decided is counted
  with the other quality flags (``quality_flags_by_kind["language"]``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from rapidfuzz.distance import Levenshtein

from interview_assist.core.textnorm import normalise
from interview_assist.core.transcript import Segment
from interview_assist.report.oversight import DECISIONS, InterviewOversight, OfficerTotals, interview_oversight, officer_totals
from interview_assist.report.timing import review_time
from interview_assist.store import Database, interview_ids, load_interview, name_flags, quality_flags, reviews
from interview_assist.store.audit import OBSERVATIONS
from interview_assist.store.integrity import audit_records

LOW_PROBABILITY = 0.5
REVIEW_ACTIONS = DECISIONS  # what a reviewer decides (plays and attention checks are audit.OBSERVATIONS)
NAME_OUTCOMES = ("open", "accepted", "edited", "confirmed", "dismissed")
QUALITY_OUTCOMES = ("open", "confirmed", "dismissed")


@dataclass(frozen=True, slots=True)
class Outcomes:
    """How many flags were raised, and what became of them."""

    counts: dict[str, int] = field(default_factory=dict)  # outcome -> flags

    @property
    def raised(self) -> int:
        return sum(self.counts.values())

    def __getitem__(self, outcome: str) -> int:
        return self.counts.get(outcome, 0)

    def __add__(self, other: Outcomes) -> Outcomes:
        return Outcomes(dict(Counter(self.counts) + Counter(other.counts)))


@dataclass(frozen=True, slots=True)
class Edits:
    """Word edits from the ASR text to the text that stands."""

    asr_words: int = 0
    distance: int = 0
    segments: int = 0
    edited_segments: int = 0

    @property
    def rate(self) -> float | None:
        return self.distance / self.asr_words if self.asr_words else None

    def __add__(self, other: Edits) -> Edits:
        return Edits(
            self.asr_words + other.asr_words, self.distance + other.distance,
            self.segments + other.segments, self.edited_segments + other.edited_segments,
        )


@dataclass(frozen=True, slots=True)
class Speech:
    """Seconds of segment time, and how many of them lie in segments whose language is in doubt."""

    seconds: float = 0.0
    uncertain: float = 0.0

    @property
    def uncertain_share(self) -> float | None:
        return self.uncertain / self.seconds if self.seconds else None

    def __add__(self, other: Speech) -> Speech:
        return Speech(self.seconds + other.seconds, self.uncertain + other.uncertain)


@dataclass(frozen=True, slots=True)
class SpeakerLanguage:
    """How long one speaker spoke in one language."""

    speaker: str  # S1, or "-" for segments without a speaker
    role: str | None
    language: str  # ISO code, or "-" for segments without one
    speech: Speech


@dataclass(frozen=True, slots=True)
class SpeakerEdits:
    speaker: str  # S1, or "-" for segments without a speaker
    role: str | None
    edits: Edits

    @property
    def label(self) -> str:
        return f"{self.speaker} ({self.role})" if self.role else self.speaker


@dataclass(frozen=True, slots=True)
class Reviewer:
    name: str
    actions: int  # review actions (exports are counted apart)
    seconds: float
    first: str
    last: str
    validated: int = 0  # segments that stand validated by this reviewer
    exports: int = 0


@dataclass(frozen=True, slots=True)
class Figures:
    """What an interview report and the totals of several have in common."""

    duration: float
    segments: int
    validated: int
    words: int
    probability_sum: float
    low_probability_words: int
    name_flags: Outcomes
    name_flags_by_reason: dict[str, Outcomes]
    quality_flags_by_kind: dict[str, Outcomes]  # loop, stock_phrase, gap, no_speech, language
    edits: Edits
    exports: int
    speech: Speech  # segment time, and the part of it whose language is in doubt
    speech_by_language: dict[str, Speech]  # language code -> its speech, most first

    @property
    def mean_probability(self) -> float | None:
        return self.probability_sum / self.words if self.words else None

    @property
    def progress(self) -> float:
        return self.validated / self.segments if self.segments else 0.0

    @property
    def quality_flags(self) -> Outcomes:
        return sum(self.quality_flags_by_kind.values(), Outcomes())

    @property
    def minutes(self) -> float:
        return self.duration / 60.0

    @property
    def language_flags(self) -> Outcomes:
        """The ``language`` flags, and how they were decided."""
        return self.quality_flags_by_kind.get("language", Outcomes())


@dataclass(frozen=True, slots=True)
class InterviewReport(Figures):
    interview_id: int
    audio_file: str
    transcribed_at: str
    # What the draft was made from, as `audit verify` checks it.
    audio_sha256: str
    model: str
    model_sha256: str
    denoised_windows: int
    windows: int
    edits_by_speaker: tuple[SpeakerEdits, ...]
    languages_by_speaker: tuple[SpeakerLanguage, ...]  # by speaker, then most speech first
    reviewers: tuple[Reviewer, ...]
    # Along the recording, one value per minute:
    confidence_per_minute: tuple[float | None, ...]
    flags_per_minute: tuple[int, ...]
    # What the officers heard, their attention checks and their pace (report/oversight.py).
    oversight: InterviewOversight

    @property
    def review_seconds(self) -> float:
        return sum(r.seconds for r in self.reviewers)


def edit_distance(asr_text: str, text: str) -> tuple[int, int]:
    """(word edits, ASR words) between two texts, normalised as for WER."""
    a, b = normalise(asr_text).split(), normalise(text).split()
    return Levenshtein.distance(a, b), len(a)


def by_speech(speech: dict[str, Speech]) -> dict[str, Speech]:
    """Most speech first (then by key, so that equal times keep one order)."""
    return dict(sorted(speech.items(), key=lambda kv: (-kv[1].seconds, kv[0])))


def speech_time(segments: Sequence[Segment], in_doubt: set[int]) -> dict[tuple[str, str], Speech]:
    """(speaker, language) -> segment time; ``in_doubt`` holds the indexes of segments with a language flag."""
    out: dict[tuple[str, str], Speech] = {}
    for i, s in enumerate(segments):
        seconds = max(s.end - s.start, 0.0)
        key = (s.speaker or "-", s.language or "-")
        out[key] = out.get(key, Speech()) + Speech(seconds, seconds if i in in_doubt else 0.0)
    return out


def interview_report(db: Database, interview_id: int) -> InterviewReport:
    stored = load_interview(db, interview_id)
    t = stored.transcript
    states = reviews(db, interview_id)
    minutes = max(int(t.duration // 60) + 1, 1)

    prob_sum = [0.0] * minutes
    prob_n = [0] * minutes
    words = low = 0
    total_prob = 0.0
    for s in t.segments:
        for w in s.words:
            m = min(int(w.start // 60), minutes - 1)
            prob_sum[m] += w.probability
            prob_n[m] += 1
            total_prob += w.probability
            words += 1
            low += w.probability < LOW_PROBABILITY

    flags_minute = [0] * minutes
    by_reason: dict[str, Counter[str]] = defaultdict(Counter)
    name_total: Counter[str] = Counter()
    for f in name_flags(db, interview_id):
        name_total[f.status] += 1
        for reason in f.flag.reasons:
            by_reason[reason][f.status] += 1
        flags_minute[min(int(f.flag.start // 60), minutes - 1)] += 1
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    in_doubt: set[int] = set()
    for q in quality_flags(db, interview_id):
        by_kind[q.kind][q.status] += 1
        flags_minute[min(int(q.start // 60), minutes - 1)] += 1
        if q.kind == "language":
            in_doubt.add(q.segment)
    spoken = speech_time(t.segments, in_doubt)
    by_language: dict[str, Speech] = {}
    for (_, language), x in spoken.items():
        by_language[language] = by_language.get(language, Speech()) + x

    edits = Edits()
    by_speaker: dict[str, Edits] = {}
    for s, r in zip(t.segments, states):
        distance, n = edit_distance(r.asr_text, r.text)
        one = Edits(n, distance, 1, int(distance > 0))
        edits += one
        by_speaker[s.speaker or "-"] = by_speaker.get(s.speaker or "-", Edits()) + one

    records = audit_records(db, interview_id)
    work: dict[str, list[str]] = defaultdict(list)
    actions: Counter[str] = Counter()
    exported: Counter[str] = Counter()
    for rec in records:
        if rec.action in REVIEW_ACTIONS or rec.action in OBSERVATIONS:  # listening is work too
            work[rec.actor].append(rec.at)
            actions[rec.actor] += rec.action in REVIEW_ACTIONS
        elif rec.action == "export":
            exported[rec.actor] += 1
    validated_by = Counter(r.validated_by for r in states if r.status == "validated")
    reviewers = tuple(
        Reviewer(name, actions[name], review_time(stamps), min(stamps), max(stamps), validated_by[name], exported[name])
        for name, stamps in sorted(work.items(), key=lambda kv: min(kv[1]))
    )
    return InterviewReport(
        interview_id=interview_id,
        audio_file=t.audio_path.rsplit("/", 1)[-1],
        transcribed_at=stored.created_at,
        audio_sha256=t.audio_sha256,
        model=t.model.name,
        model_sha256=t.model.sha256,
        denoised_windows=sum(d.applied for d in t.denoise),
        windows=len(t.denoise),
        duration=t.duration,
        segments=len(states),
        validated=sum(r.status == "validated" for r in states),
        words=words,
        probability_sum=total_prob,
        low_probability_words=low,
        name_flags=Outcomes(dict(name_total)),
        name_flags_by_reason={k: Outcomes(dict(v)) for k, v in sorted(by_reason.items())},
        quality_flags_by_kind={k: Outcomes(dict(v)) for k, v in sorted(by_kind.items())},
        edits=edits,
        edits_by_speaker=tuple(
            SpeakerEdits(label, t.role_of(label), e) for label, e in sorted(by_speaker.items())
        ),
        languages_by_speaker=tuple(
            SpeakerLanguage(speaker, t.role_of(speaker), language, x)
            for (speaker, language), x in sorted(spoken.items(), key=lambda kv: (kv[0][0], -kv[1].seconds, kv[0][1]))
        ),
        speech=sum(spoken.values(), Speech()),
        speech_by_language=by_speech(by_language),
        reviewers=reviewers,
        exports=sum(rec.action == "export" for rec in records),
        confidence_per_minute=tuple(p / n if n else None for p, n in zip(prob_sum, prob_n)),
        flags_per_minute=tuple(flags_minute),
        oversight=interview_oversight(records),
    )


@dataclass(frozen=True, slots=True)
class Totals(Figures):
    """The figures of several interviews together."""

    interviews: int
    edits_by_role: dict[str, Edits]
    review_seconds_by_reviewer: dict[str, float]
    oversight_by_officer: dict[str, OfficerTotals]  # attention checks and pace, per officer
    interviews_with_pace_warnings: int


class _Summable(Protocol):
    def __add__(self, other: Any, /) -> Any: ...


_V = TypeVar("_V", bound=_Summable)


def _merge(maps: Iterable[dict[str, _V]], zero: _V) -> dict[str, _V]:
    out: dict[str, _V] = {}
    for m in maps:
        for k, v in m.items():
            out[k] = out.get(k, zero) + v
    return dict(sorted(out.items()))


def totals(reports: list[InterviewReport]) -> Totals:
    by_role: dict[str, Edits] = {}
    for r in reports:
        for x in r.edits_by_speaker:
            role = x.role or "no role"
            by_role[role] = by_role.get(role, Edits()) + x.edits
    return Totals(
        interviews=len(reports),
        duration=sum(r.duration for r in reports),
        segments=sum(r.segments for r in reports),
        validated=sum(r.validated for r in reports),
        words=sum(r.words for r in reports),
        probability_sum=sum(r.probability_sum for r in reports),
        low_probability_words=sum(r.low_probability_words for r in reports),
        name_flags=sum((r.name_flags for r in reports), Outcomes()),
        name_flags_by_reason=_merge((r.name_flags_by_reason for r in reports), Outcomes()),
        quality_flags_by_kind=_merge((r.quality_flags_by_kind for r in reports), Outcomes()),
        edits=sum((r.edits for r in reports), Edits()),
        edits_by_role=dict(sorted(by_role.items())),
        review_seconds_by_reviewer=_merge(({x.name: x.seconds for x in r.reviewers} for r in reports), 0.0),
        oversight_by_officer=officer_totals([r.oversight for r in reports]),
        interviews_with_pace_warnings=sum(bool(r.oversight.warnings) for r in reports),
        exports=sum(r.exports for r in reports),
        speech=sum((r.speech for r in reports), Speech()),
        speech_by_language=by_speech(_merge((r.speech_by_language for r in reports), Speech())),
    )


def all_reports(db: Database) -> list[InterviewReport]:
    return [interview_report(db, iid) for iid in interview_ids(db)]
