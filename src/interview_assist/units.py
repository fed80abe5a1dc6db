"""Speech units: one speaker's speech, the smallest piece of a recording given a language.

A unit is speech found by the VAD, cut where the diarization says the
speaker changes, and joined with the same speaker's next speech across
pauses in which nobody else talks. Each unit is decoded on its own
(:mod:`interview_assist.decoding`), so that no decode ever mixes two
speakers or two languages. Times are seconds into the audio the units were
cut from (see :mod:`interview_assist.spans`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .spans import Span
from .transcript import SpeakerTurn

# A unit is decoded with a little silence after it, within Whisper's 30 s.
MAX_UNIT_SECONDS = 28.0
# Turns shorter than this (a few frames of the segmentation model at a change
# of speaker) do not cut the speech: no unit of a language is judged on them.
MIN_TURN_SECONDS = 0.25


@dataclass(frozen=True, slots=True)
class Unit:
    """Speech of one speaker (``None`` without diarization), at most one decode window long.

    ``speech`` holds the stretches the VAD heard as speech inside ``span``
    (the pauses between them belong to the unit but are not speech); empty
    means all of ``span``.
    """

    span: Span
    speaker: str | None = None
    speech: tuple[Span, ...] = ()

    @property
    def heard(self) -> tuple[Span, ...]:
        """The speech inside the unit."""
        return self.speech or (self.span,)

    def part(self, span: Span) -> Unit:
        """The piece of this unit within ``span``."""
        inside = tuple(
            Span(max(s.start, span.start), min(s.end, span.end)) for s in self.heard if s.overlap(span) > 0
        )
        return Unit(span, self.speaker, inside)


def speech_units(
    speech: Sequence[Span], turns: Sequence[SpeakerTurn], max_seconds: float = MAX_UNIT_SECONDS
) -> list[Unit]:
    """The VAD's speech cut at every change of speaker in the exclusive ``turns``.

    Speech no turn covers goes to the nearest turn's speaker, and turns
    shorter than :data:`MIN_TURN_SECONDS` are passed over. Consecutive
    pieces of one speaker are joined across pauses in which nobody else
    speaks, up to ``max_seconds``; a longer stretch is cut in equal parts.
    Times of ``speech`` and ``turns`` are in the same clock.
    """
    turns = sorted((t for t in turns if t.end - t.start >= MIN_TURN_SECONDS), key=lambda t: (t.start, t.end))
    pieces: list[Unit] = []
    for s in speech:
        if not turns:
            pieces.append(Unit(s, None, (s,)))
            continue
        cuts = sorted(
            {t for turn in turns for t in (turn.start, turn.end) if s.start < t < s.end}
        )
        edges = [s.start, *cuts, s.end]
        for a, b in zip(edges, edges[1:]):
            if b - a > 1e-3:
                pieces.append(Unit(Span(a, b), _speaker_at(turns, a, b), (Span(a, b),)))
    units: list[Unit] = []
    for p in pieces:
        last = units[-1] if units else None
        if last is not None and last.speaker == p.speaker and p.span.end - last.span.start <= max_seconds:
            units[-1] = Unit(Span(last.span.start, max(last.span.end, p.span.end)), p.speaker, last.speech + p.speech)
        else:
            units.append(p)
    return [piece for u in units for piece in _cap(u, max_seconds)]


def _speaker_at(turns: Sequence[SpeakerTurn], start: float, end: float) -> str:
    covered: dict[str, float] = {}
    for t in turns:
        shared = min(t.end, end) - max(t.start, start)
        if shared > 0:
            covered[t.speaker] = covered.get(t.speaker, 0.0) + shared
    if covered:
        return max(covered, key=covered.__getitem__)
    middle = (start + end) / 2
    return min(turns, key=lambda t: (max(t.start - middle, middle - t.end, 0.0), t.start)).speaker


def _cap(unit: Unit, max_seconds: float) -> list[Unit]:
    """A unit longer than ``max_seconds`` cut into equal parts (VAD spans are at most 30 s each)."""
    n = int(np.ceil(unit.span.duration / max_seconds - 1e-9))
    if n <= 1:
        return [unit]
    step = unit.span.duration / n
    return [
        unit.part(Span(unit.span.start + i * step, unit.span.start + (i + 1) * step if i < n - 1 else unit.span.end))
        for i in range(n)
    ]
