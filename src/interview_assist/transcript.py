"""The results of the engine: words, segments, flags and the draft transcript.

Plain frozen dataclasses, times in seconds from the start of the recording
(see :mod:`interview_assist.spans`). They carry no behaviour beyond small
derived properties, so the store, the CLI and the TUI can all share them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .spans import Span


@dataclass(frozen=True, slots=True)
class Word:
    start: float
    end: float
    text: str
    probability: float
    speaker: str | None = None
    # Another speaker talks at the same time.
    overlap: bool = False

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)


@dataclass(frozen=True, slots=True)
class Segment:
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

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)


@dataclass(frozen=True, slots=True)
class Flag:
    """Something a reviewer must look at, raised by the machine.

    ``segment`` is the index of the flagged segment in its transcript.
    """

    kind: str  # "loop" | "stock_phrase" | "gap" | "no_speech" (names come later)
    reason: str
    start: float
    end: float
    segment: int


@dataclass(frozen=True, slots=True)
class ModelUsed:
    name: str
    sha256: str


@dataclass(frozen=True, slots=True)
class DenoiseDecision:
    """Whether denoising was applied to one processing window, and why."""

    start: float
    end: float
    applied: bool
    reason: str


@dataclass(frozen=True, slots=True)
class SpeakerTurn:
    start: float
    end: float
    speaker: str

    @property
    def span(self) -> Span:
        return Span(self.start, self.end)


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

    def role_of(self, label: str | None) -> str | None:
        for sp in self.speakers:
            if sp.label == label:
                return sp.role
        return None

    @property
    def languages(self) -> list[str]:
        """Languages heard, most speech first."""
        seconds: dict[str, float] = {}
        for s in self.segments:
            if not s.language:
                continue
            seconds[s.language] = seconds.get(s.language, 0.0) + (s.end - s.start)
        return sorted(seconds, key=seconds.__getitem__, reverse=True)
