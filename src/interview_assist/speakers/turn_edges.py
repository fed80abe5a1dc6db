"""Speaker turns after clustering: levels, edges run on into the speech, pads, pauses filled, labels in order of speech."""

from __future__ import annotations

import bisect
import math
from typing import TYPE_CHECKING

import numpy as np

from interview_assist.core.spans import SAMPLE_RATE
from interview_assist.core.transcript import Diarization, SpeakerTurn

if TYPE_CHECKING:
    pass

_LEVEL_HOP = SAMPLE_RATE // 50  # 20 ms
_BACKGROUND_PERCENTILE = 5.0


class Levels:
    """The level of each 20 ms of a recording, in dB, fed block by block (0.7 MB per hour)."""

    def __init__(self) -> None:
        self._parts: list[np.ndarray] = []
        self._rest = np.zeros(0, dtype=np.float32)

    def feed(self, samples: np.ndarray) -> None:
        x = np.concatenate([self._rest, np.asarray(samples, dtype=np.float32)])
        n = x.size // _LEVEL_HOP
        frames = x[: n * _LEVEL_HOP].reshape(n, _LEVEL_HOP).astype(np.float64)
        self._parts.append((10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)).astype(np.float32))
        self._rest = x[n * _LEVEL_HOP :].copy()

    def result(self) -> np.ndarray:
        return np.concatenate(self._parts) if self._parts else np.zeros(0, dtype=np.float32)


def extend_edges(
    turns: list[SpeakerTurn], levels: np.ndarray, margin_db: float, max_extension: float
) -> list[SpeakerTurn]:
    """Run each turn's edges on over sound ``margin_db`` above the background.

    ``levels`` are the recording's 20 ms levels in dB; the background is
    their 5th percentile. An edge moves frame by frame, only over frames no
    turn covers, by at most ``max_extension`` s and half of the free gap on
    that side (all of it before the first turn and after the last), and
    never past another turn, so that turns that did not overlap still do not.
    """
    if not turns or levels.size == 0:
        return turns
    fps = SAMPLE_RATE / _LEVEL_HOP
    above = levels > np.percentile(levels, _BACKGROUND_PERCENTILE) + margin_db
    size = levels.size
    busy = np.zeros(size + 1, dtype=bool)

    def first_frame(t: SpeakerTurn) -> int:  # the frame holding the start
        return min(int(t.start * fps + 1e-6), size)

    def end_frame(t: SpeakerTurn) -> int:  # the first frame after the end
        return min(math.ceil(t.end * fps - 1e-6), size)

    for t in turns:
        busy[first_frame(t) : end_frame(t)] = True
    # A turn shorter than a frame can share one with its neighbour, so the
    # frames alone do not keep turns apart: the times of the others do.
    ends = sorted(t.end for t in turns)
    starts = sorted(t.start for t in turns)
    limit = round(max_extension * fps)
    scan = 2 * limit + 1  # a longer gap allows the full run-on anyway
    out = []
    for t in turns:
        start, end = t.start, t.end
        first = first_frame(t)
        free = 0
        while free < min(first, scan) and not busy[first - 1 - free]:
            free += 1
        room = free if free == first else free // 2  # nobody before: all of it
        k = 0
        while k < min(limit, room) and above[first - 1 - k]:
            k += 1
        if k:
            i = bisect.bisect_right(ends, t.start)
            start = max((first - k) / fps, ends[i - 1] if i else 0.0)
        last = end_frame(t)
        free = 0
        while free < scan and last + free < size and not busy[last + free]:
            free += 1
        room = free if last + free >= size else free // 2  # nobody after: all of it
        k = 0
        while k < min(limit, room) and above[last + k]:
            k += 1
        if k:
            i = bisect.bisect_left(starts, t.end)
            end = min((last + k) / fps, starts[i] if i < len(starts) else math.inf)
        out.append(SpeakerTurn(round(min(start, t.start), 3), round(max(end, t.end), 3), t.speaker))
    out.sort(key=lambda t: (t.start, t.end, t.speaker))
    return out


def pad_turns(turns: list[SpeakerTurn], pad: float) -> list[SpeakerTurn]:
    """Widen each turn by ``pad`` on both sides, but never into another speaker's turn."""
    if pad <= 0 or not turns:
        return turns
    out = []
    for t in turns:
        start, end = t.start - pad, t.end + pad
        for o in turns:
            if o.speaker == t.speaker:
                continue
            if start < o.end <= t.start:
                start = o.end
            if t.end <= o.start < end:
                end = o.start
        out.append(SpeakerTurn(round(max(0.0, start), 3), round(end, 3), t.speaker))
    return out


def fill_pauses(turns: list[SpeakerTurn], max_pause: float) -> list[SpeakerTurn]:
    """Join a speaker's consecutive turns across pauses in which nobody else speaks.

    Unlike pyannote's ``min_duration_off``, which joins a speaker's turns
    across any short gap, a gap in which another speaker talks is kept: that
    is a turn change, not a pause.
    """
    if max_pause <= 0 or not turns:
        return turns
    by_speaker: dict[str, list[SpeakerTurn]] = {}
    for t in sorted(turns, key=lambda t: t.start):
        by_speaker.setdefault(t.speaker, []).append(t)
    out: list[SpeakerTurn] = []
    for speaker, own in by_speaker.items():
        others = [t for t in turns if t.speaker != speaker]
        current = own[0]
        for nxt in own[1:]:
            gap_start, gap_end = current.end, nxt.start
            quiet = not any(o.start < gap_end and o.end > gap_start for o in others)
            if gap_end - gap_start <= max_pause and quiet:
                current = SpeakerTurn(current.start, max(current.end, nxt.end), speaker)
            else:
                out.append(current)
                current = nxt
        out.append(current)
    out.sort(key=lambda t: (t.start, t.end, t.speaker))
    return out


def turns_of(runs: list[tuple[float, float, int]], duration: float) -> list[SpeakerTurn]:
    """Runs of one speaker's activity (start, end, speaker index) as turns within the recording."""
    out = []
    for run_start, run_end, label in runs:
        if run_end - run_start < 1e-6:  # pyannote.core counts a segment under 1 µs as empty
            continue
        start, end = max(0.0, run_start), min(duration, run_end)
        if end > start:
            out.append(SpeakerTurn(round(start, 3), round(end, 3), str(label)))
    out.sort(key=lambda t: (t.start, t.end, t.speaker))
    return out


def relabel(turns: list[SpeakerTurn], exclusive: list[SpeakerTurn]) -> Diarization:
    """Name speakers S1, S2, ... in order of their first words."""
    order: list[str] = []
    for t in turns:
        if t.speaker not in order:
            order.append(t.speaker)
    names = {old: f"S{i + 1}" for i, old in enumerate(order)}

    def rename(ts: list[SpeakerTurn]) -> tuple[SpeakerTurn, ...]:
        return tuple(SpeakerTurn(t.start, t.end, names[t.speaker]) for t in ts if t.speaker in names)

    return Diarization(rename(turns), rename(exclusive), tuple(names[o] for o in order))
