"""The one time type: a span of seconds from the start of the recording.

Every module speaks in float seconds. Conversions to samples or frames happen
at library boundaries (``audio``, ``vad``, ``asr``) and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

SAMPLE_RATE = 16_000


@dataclass(frozen=True, order=True, slots=True)
class Span:
    start: float
    end: float

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"span ends before it starts: {self.start} > {self.end}")

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def middle(self) -> float:
        return (self.start + self.end) / 2

    def overlap(self, other: Span) -> float:
        """Seconds shared with ``other`` (0 when disjoint)."""
        return max(0.0, min(self.end, other.end) - max(self.start, other.start))

    def shifted(self, seconds: float) -> Span:
        return Span(self.start + seconds, self.end + seconds)

    def __contains__(self, t: float) -> bool:
        return self.start <= t < self.end


def seconds_to_samples(seconds: float, sample_rate: int = SAMPLE_RATE) -> int:
    return int(round(seconds * sample_rate))


def samples_to_seconds(samples: int, sample_rate: int = SAMPLE_RATE) -> float:
    return samples / sample_rate


def format_timestamp(seconds: float) -> str:
    """``H:MM:SS.mmm``; hours are shown even when zero, as interviews run long."""
    millis = int(round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours}:{minutes:02d}:{secs:02d}.{millis:03d}"
