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

    @property
    def languages(self) -> list[str]:
        """Languages heard, most speech first."""
        seconds: dict[str, float] = {}
        for s in self.segments:
            if not s.language:
                continue
            seconds[s.language] = seconds.get(s.language, 0.0) + (s.end - s.start)
        return sorted(seconds, key=seconds.__getitem__, reverse=True)
