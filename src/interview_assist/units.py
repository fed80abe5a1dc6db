"""Speech units and the decode windows they are packed into.

A *unit* is a stretch of one speaker's speech, found by the VAD and cut where
the diarization says the speaker changes: the smallest piece that is given a
language of its own. Whisper's encoder always reads 30 s, so units of the same
language are *packed* into shared decode windows: units next to each other in
the recording are copied with the pause between them, as they were heard;
units apart in time are joined with a short silence. Words decoded from a
pack are mapped back to the unit they were heard in.

All times are seconds into the audio the units were cut from (see
:mod:`interview_assist.spans`); packs know where each piece came from.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .spans import Span, seconds_to_samples
from .transcript import SpeakerTurn

# Whisper reads at most 30 s at once.
MAX_PACK_SECONDS = 30.0
# Silence put between units that were not next to each other.
PACK_GAP_SECONDS = 0.3


@dataclass(frozen=True, slots=True)
class Unit:
    """Speech of one speaker (``None`` without diarization), at most one decode window long."""

    span: Span
    speaker: str | None = None


def speech_units(
    speech: Sequence[Span], turns: Sequence[SpeakerTurn], max_seconds: float = MAX_PACK_SECONDS
) -> list[Unit]:
    """The VAD's speech cut at every change of speaker in the exclusive ``turns``.

    Speech no turn covers goes to the nearest turn's speaker. Consecutive
    pieces of one speaker are joined across pauses in which nobody else
    speaks, up to ``max_seconds``; a longer stretch is cut at a pause. Times
    of ``speech`` and ``turns`` are in the same clock.
    """
    turns = sorted(turns, key=lambda t: (t.start, t.end))
    pieces: list[Unit] = []
    for s in speech:
        if not turns:
            pieces.append(Unit(s, None))
            continue
        cuts = sorted(
            {t for turn in turns for t in (turn.start, turn.end) if s.start < t < s.end}
        )
        edges = [s.start, *cuts, s.end]
        for a, b in zip(edges, edges[1:]):
            if b - a > 1e-3:
                pieces.append(Unit(Span(a, b), _speaker_at(turns, a, b)))
    units: list[Unit] = []
    for p in pieces:
        last = units[-1] if units else None
        if last is not None and last.speaker == p.speaker and p.span.end - last.span.start <= max_seconds:
            units[-1] = Unit(Span(last.span.start, max(last.span.end, p.span.end)), p.speaker)
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
        Unit(Span(unit.span.start + i * step, unit.span.start + (i + 1) * step if i < n - 1 else unit.span.end), unit.speaker)
        for i in range(n)
    ]


@dataclass(frozen=True, slots=True)
class Run:
    """A stretch of real audio copied whole into a pack, with the units it holds."""

    packed: Span  # where it sits in the pack
    real: Span  # where it came from
    units: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Pack:
    """One decode window: runs of real audio, in order, with silence between them."""

    runs: tuple[Run, ...]

    @property
    def duration(self) -> float:
        return self.runs[-1].packed.end

    @property
    def units(self) -> tuple[int, ...]:
        return tuple(u for r in self.runs for u in r.units)

    def audio(self, samples: np.ndarray) -> np.ndarray:
        """The pack's samples, cut from ``samples`` (which start at time 0)."""
        parts = []
        for run in self.runs:
            gap = seconds_to_samples(run.packed.start) - sum(p.size for p in parts)
            if gap > 0:
                parts.append(np.zeros(gap, dtype=np.float32))
            parts.append(samples[seconds_to_samples(run.real.start) : seconds_to_samples(run.real.end)])
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)

    def packed_span(self, unit: int, units: Sequence[Unit]) -> Span:
        """Where ``unit`` lies in this pack."""
        for run in self.runs:
            if unit in run.units:
                shift = run.packed.start - run.real.start
                return units[unit].span.shifted(shift)
        raise KeyError(unit)

    def to_real(self, start: float, end: float) -> tuple[float, float, Run]:
        """A stretch of the pack (a word) in real time, clamped to the run it was heard in."""
        middle = (start + end) / 2
        run = min(self.runs, key=lambda r: _distance(r.packed, middle))
        shift = run.real.start - run.packed.start
        lo = min(max(start + shift, run.real.start), run.real.end)
        hi = min(max(end + shift, lo), run.real.end)
        return lo, hi, run


def pack_units(
    chosen: Sequence[int],
    units: Sequence[Unit],
    max_seconds: float = MAX_PACK_SECONDS,
    gap: float = PACK_GAP_SECONDS,
    adjacent: bool = True,
) -> list[Pack]:
    """Pack the ``chosen`` units (indices into ``units``, which are in time order) into decode windows.

    Units that are neighbours in ``units`` are copied with the audio between
    them (when ``adjacent``: nothing but a pause lies between two speech
    units); others are joined with ``gap`` seconds of silence. A pack holds
    at most ``max_seconds`` of audio; a unit is never split between packs.
    """
    packs: list[list[Run]] = []
    length = 0.0
    for i in sorted(chosen):
        span = units[i].span
        runs = packs[-1] if packs else None
        if runs is not None:
            last = runs[-1]
            if adjacent and last.units[-1] == i - 1 and span.end - last.real.start + last.packed.start <= max_seconds:
                # The neighbour before it: the run grows, pause included.
                runs[-1] = Run(Span(last.packed.start, last.packed.start + span.end - last.real.start), Span(last.real.start, span.end), last.units + (i,))
                length = runs[-1].packed.end
                continue
            if length + gap + span.duration <= max_seconds:
                runs.append(Run(Span(length + gap, length + gap + span.duration), span, (i,)))
                length = runs[-1].packed.end
                continue
        packs.append([Run(Span(0.0, span.duration), span, (i,))])
        length = span.duration
    return [Pack(tuple(runs)) for runs in packs]


def _distance(span: Span, t: float) -> float:
    return 0.0 if span.start <= t <= span.end else min(abs(t - span.start), abs(t - span.end))


def unit_at(units: Sequence[Unit], run: Run, t: float) -> int:
    """The unit of ``run`` that holds (or is nearest to) real time ``t``."""
    if len(run.units) == 1:
        return run.units[0]
    starts = [units[u].span.start for u in run.units]
    k = bisect.bisect_right(starts, t) - 1
    candidates = run.units[max(k, 0) : k + 2]
    return min(candidates, key=lambda u: _distance(units[u].span, t))


def frames(span: Span, per_second: float) -> tuple[int, int]:
    """The first and last (exclusive) frame of ``span`` at ``per_second`` frames a second."""
    first = int(span.start * per_second)
    return first, max(first + 1, int(np.ceil(span.end * per_second)))

