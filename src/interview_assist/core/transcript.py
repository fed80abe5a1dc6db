"""The results of the engine: words, segments, flags and the draft transcript.

Plain frozen dataclasses, times in seconds from the start of the recording
(see :mod:`interview_assist.core.spans`). They carry no behaviour beyond small
derived properties, so the store, the CLI and the TUI can all share them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from interview_assist.core.spans import Span


class Timed:
    """Every timed record: ``start`` and ``end`` in seconds of the recording, read as one :class:`Span`.

    The fields stay two floats (as the store's columns and the JSON export
    hold them); any arithmetic on times goes through ``span``.
    """

    __slots__ = ()
    start: float
    end: float

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)


@dataclass(frozen=True, slots=True)
class Word(Timed):
    start: float
    end: float
    text: str
    probability: float
    speaker: str | None = None
    # Another speaker talks at the same time.
    overlap: bool = False


@dataclass(frozen=True, slots=True)
class Segment(Timed):
    start: float
    end: float
    text: str
    language: str
    words: tuple[Word, ...] = ()
    language_probability: float | None = None
    avg_logprob: float | None = None
    no_speech_prob: float | None = None
    compression_ratio: float | None = None
    speaker: str | None = None
    overlap: bool = False
    # Why the language is in doubt (the reason of a "language" flag), None when it is not.
    language_doubt: str | None = None


@dataclass(frozen=True, slots=True)
class Flag(Timed):
    """Something a reviewer must look at, raised by the machine.

    ``segment`` is the index of the flagged segment in its transcript.
    """

    kind: str  # "loop" | "stock_phrase" | "gap" | "no_speech" | "language" (name flags: ``NameFlag``)
    reason: str
    start: float
    end: float
    segment: int


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A name the flagged words may stand for, with where it comes from."""

    text: str
    score: float  # 0-100 (+ a few points for prominence or the case glossary)
    source: str  # "glossary" | "gazetteer:<list>" | "unbiased decode"
    detail: str = ""
    variants: tuple[str, ...] = ()
    # Why it is offered: "in the case glossary", "sounds like “Kandas” (same phonetic key)"...
    reason: str = ""


# Why a name flag was raised (codes stored; ``NAME_REASONS`` explains them).
NAME_REASONS = {
    "from-list": "inserted from the list - verify against the audio",
    "decodes-differ": "the decode without the list heard something else",
    "unknown": "not in the gazetteers or the case glossary",
    "variant-spelling": "a less usual spelling of a known place",
    "capitalised": "written as a proper noun",
    "multi-word": "a multi-word name",
    "low-probability": "low recognition confidence",
    "sounds-like-glossary": "sounds like a name in the case glossary",
    "sounds-like-place": "sounds like a known place",
    "unknown-word": "a doubtful word the speech model wrote in pieces",
    "person-name": "a person's name (after a title, a first name, or like a person of the case glossary): no place is suggested",
    "given-name": "a first name (most often a person's): only well-known places are suggested",
    "organisation": "the name of an organisation: no place is suggested",
    "acronym": "an acronym: no place is suggested",
}


@dataclass(frozen=True, slots=True)
class NameFlag(Timed):
    """Words that are, or may hide, the name of a person or place.

    ``segment`` indexes the transcript's segments; ``first_word`` and
    ``last_word`` (inclusive) index that segment's words. Only a person
    resolves a flag (see the store).
    """

    segment: int
    first_word: int
    last_word: int
    start: float
    end: float
    text: str
    reasons: tuple[str, ...]
    suggestions: tuple[Suggestion, ...] = ()

    @property
    def inserted(self) -> bool:
        return "from-list" in self.reasons


@dataclass(frozen=True, slots=True)
class GlossaryEntry:
    """A name from the case file: the applicant, family, places in the application."""

    term: str
    kind: str = "name"  # "person" | "place" | "name"


@dataclass(frozen=True, slots=True)
class ModelUsed:
    name: str
    sha256: str


@dataclass(frozen=True, slots=True)
class DenoiseDecision(Timed):
    """Whether denoising was applied to one processing window, and why."""

    start: float
    end: float
    applied: bool
    reason: str


@dataclass(frozen=True, slots=True)
class SpeakerTurn(Timed):
    start: float
    end: float
    speaker: str


@dataclass(frozen=True, slots=True)
class Diarization:
    """Who spoke when: turns that may overlap, and an exclusive version of them.

    ``exclusive`` has at most one speaker at any time; words are attributed
    with it. ``speakers`` lists the labels (S1, S2, ...) in order of first speech.
    """

    turns: tuple[SpeakerTurn, ...]
    exclusive: tuple[SpeakerTurn, ...]
    speakers: tuple[str, ...]

    def speaking_time(self, speaker: str) -> float:
        return sum(t.end - t.start for t in self.exclusive if t.speaker == speaker)


ROLES = ("officer", "interpreter", "applicant", "other")


@dataclass(frozen=True, slots=True)
class Speaker:
    """One diarized voice and the interview role it is taken to have.

    ``proposed_role`` and ``evidence`` are the machine's; ``role`` and
    ``name`` are what a person confirmed or changed (the proposal until then).
    """

    label: str
    role: str
    proposed_role: str
    evidence: str
    speaking_time: float
    name: str | None = None
    confirmed: bool = False


@dataclass(frozen=True, slots=True)
class Transcript:
    """A draft transcript of one recording, as the engine produced it."""

    audio_path: str
    audio_sha256: str
    duration: float
    model: ModelUsed
    settings: dict[str, Any]
    segments: tuple[Segment, ...]
    flags: tuple[Flag, ...] = ()
    denoise: tuple[DenoiseDecision, ...] = field(default=())
    diarization: Diarization | None = None
    speakers: tuple[Speaker, ...] = ()
    glossary: tuple[GlossaryEntry, ...] = ()
    name_flags: tuple[NameFlag, ...] = ()

    def speaker(self, label: str | None) -> Speaker | None:
        for sp in self.speakers:
            if sp.label == label:
                return sp
        return None

    def role_of(self, label: str | None) -> str | None:
        sp = self.speaker(label)
        return sp.role if sp else None

    @property
    def languages(self) -> list[str]:
        """Languages heard, most speech first."""
        seconds: dict[str, float] = {}
        for s in self.segments:
            if not s.language:
                continue
            seconds[s.language] = seconds.get(s.language, 0.0) + (s.end - s.start)
        return sorted(seconds, key=seconds.__getitem__, reverse=True)
