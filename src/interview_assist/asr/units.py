"""Speech units: one speaker's speech, the smallest piece of a recording given a language.

A unit is speech found by the VAD, cut where the diarization says the
speaker changes, and joined with the same speaker's next speech only across
a short pause. Each unit is decoded on its own
(:mod:`interview_assist.asr.decoding`), so that no decode ever mixes two
speakers or two languages. Times are seconds into the audio the units were
cut from (see :mod:`interview_assist.core.spans`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from interview_assist.core.spans import Span
from interview_assist.core.transcript import SpeakerTurn

# A unit is decoded with a little silence after it, within Whisper's 30 s.
MAX_UNIT_SECONDS = 28.0
# Speech of one speaker is joined into one unit across pauses up to this long
# only: a longer pause may be a change of speaker that diarization missed
# (two voices taken for one), and each side must get its own language.
JOIN_PAUSE_SECONDS = 0.3
# A unit is decoded with this much of the audio around it (the VAD's spans
# are tight), never past its neighbour.
MARGIN_SECONDS = 0.3
# Turns shorter than this (a few frames of the segmentation model at a change
# of speaker) do not cut the speech: no unit of a language is judged on them.
MIN_TURN_SECONDS = 0.25
# Speech without a pause is cut at a change of speaker only where each side
# holds at least this much of it: a cut in the middle of a sentence costs the
# words around it, and a shorter piece is too short to carry its own language
# (the switch search in :mod:`interview_assist.asr.decoding` still looks inside).
MIN_PIECE_SECONDS = 1.0


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
    """The VAD's speech cut at the changes of speaker in the exclusive ``turns``.

    Speech no turn covers goes to the nearest turn's speaker, and turns
    shorter than :data:`MIN_TURN_SECONDS` are passed over; speech without a
    pause is cut only where each side keeps :data:`MIN_PIECE_SECONDS`
    (otherwise the piece goes to the speaker who holds most of it). Consecutive
    pieces of one speaker are joined across pauses of at most
    :data:`JOIN_PAUSE_SECONDS`, up to ``max_seconds``; a longer stretch is cut
    in equal parts.
    Times of ``speech`` and ``turns`` are in the same clock.
    """
    turns = sorted((t for t in turns if t.end - t.start >= MIN_TURN_SECONDS), key=lambda t: (t.start, t.end))
    pieces: list[Unit] = []
    for s in speech:
        if not turns:
            pieces.append(Unit(s, None, (s,)))
            continue
        edges = _cut_points(s, turns, MIN_PIECE_SECONDS)
        for a, b in zip(edges, edges[1:]):
            if b - a > 1e-3:
                pieces.append(Unit(Span(a, b), _speaker_at(turns, a, b), (Span(a, b),)))
    units: list[Unit] = []
    for p in pieces:
        last = units[-1] if units else None
        if (
            last is not None and last.speaker == p.speaker and p.span.end - last.span.start <= max_seconds
            and p.span.start - last.span.end <= JOIN_PAUSE_SECONDS
        ):
            units[-1] = Unit(Span(last.span.start, max(last.span.end, p.span.end)), p.speaker, last.speech + p.speech)
        else:
            units.append(p)
    return [piece for u in units for piece in _cap(u, max_seconds)]


def _cut_points(s: Span, turns: Sequence[SpeakerTurn], min_piece: float) -> list[float]:
    """``s`` cut at the changes of speaker inside it that leave at least ``min_piece`` s on each side."""
    edges = [s.start]
    for t in sorted({t for turn in turns for t in (turn.start, turn.end) if s.start < t < s.end}):
        if t - edges[-1] >= min_piece and s.end - t >= min_piece:
            edges.append(t)
    return [*edges, s.end]


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


def widened(units: Sequence[Unit], margin: float, end: float) -> list[Unit]:
    """Units (in time order) with up to ``margin`` s of the audio around them, never past a neighbour.

    Where two units are closer than twice the margin, the pause between them
    is shared at its middle. ``speech`` keeps what the VAD heard.
    """
    out = []
    for i, u in enumerate(units):
        lo = max(0.0, u.span.start - margin)
        hi = min(end, u.span.end + margin)
        if i > 0:
            lo = max(lo, (units[i - 1].span.end + u.span.start) / 2)
        if i + 1 < len(units):
            hi = min(hi, (u.span.end + units[i + 1].span.start) / 2)
        out.append(Unit(Span(round(min(lo, u.span.start), 3), round(max(hi, u.span.end), 3)), u.speaker, u.heard))
    return out
