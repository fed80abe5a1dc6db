"""A speaker for every word, and segments that never hold two speakers.

Words are attributed with the exclusive diarization (one speaker at a time):
each word goes to the speaker whose turn covers most of it, or, in a pause
between turns, to the nearest turn. A segment whose words belong to several
speakers is split where the speaker changes, so the first words of the next
speaker start a segment of their own instead of trailing the previous one.
A word is marked as overlapped when the (non-exclusive) diarization has
another speaker talking during most of it.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import replace

from interview_assist.core.transcript import Diarization, Segment, SpeakerTurn, Word


class _Turns:
    """Turns sorted by start, for overlap and distance queries."""

    def __init__(self, turns: Sequence[SpeakerTurn]):
        self.turns = sorted(turns, key=lambda t: (t.start, t.end))
        self.starts = [t.start for t in self.turns]
        self.longest = max((t.end - t.start for t in self.turns), default=0.0)

    def around(self, start: float, end: float) -> list[SpeakerTurn]:
        lo = bisect.bisect_left(self.starts, start - self.longest)
        hi = bisect.bisect_right(self.starts, end)
        return [t for t in self.turns[lo:hi] if t.end > start and t.start < end]

    def speaker_at(self, start: float, end: float) -> str | None:
        if not self.turns:
            return None
        covered: dict[str, float] = {}
        for t in self.around(start, end):
            covered[t.speaker] = covered.get(t.speaker, 0.0) + min(t.end, end) - max(t.start, start)
        if covered:
            return max(covered, key=covered.__getitem__)
        # In a pause: the nearest turn, the earlier one on a tie.
        middle = (start + end) / 2
        i = bisect.bisect_right(self.starts, middle)
        candidates = self.turns[max(0, i - 3) : i + 1]
        return min(candidates, key=lambda t: (max(t.start - middle, middle - t.end, 0.0), t.start)).speaker

    def others_during(self, speaker: str | None, start: float, end: float) -> float:
        """Seconds of [start, end] during which a speaker other than ``speaker`` talks."""
        spans = sorted(
            (max(t.start, start), min(t.end, end))
            for t in self.around(start, end)
            if t.speaker != speaker
        )
        total, reach = 0.0, start
        for a, b in spans:
            a = max(a, reach)
            if b > a:
                total += b - a
                reach = b
        return total


def attribute(segments: Sequence[Segment], diarization: Diarization | None) -> list[Segment]:
    """Give every word and segment a speaker; split segments at speaker changes."""
    if diarization is None or not diarization.exclusive:
        return list(segments)
    exclusive = _Turns(diarization.exclusive)
    overlapping = _Turns(diarization.turns)
    out: list[Segment] = []
    for seg in segments:
        if not seg.words:
            speaker = exclusive.speaker_at(seg.start, max(seg.end, seg.start + 1e-3))
            overlap = overlapping.others_during(speaker, seg.start, seg.end) > 0.5 * (seg.end - seg.start) > 0
            out.append(replace(seg, speaker=speaker, overlap=overlap))
            continue
        words = []
        for w in seg.words:
            end = max(w.end, w.start + 1e-3)
            speaker = exclusive.speaker_at(w.start, end)
            overlap = overlapping.others_during(speaker, w.start, end) > 0.5 * (end - w.start)
            words.append(replace(w, speaker=speaker, overlap=overlap))
        out.extend(_split(seg, words))
    return out


def _split(seg: Segment, words: list[Word]) -> list[Segment]:
    runs: list[list[Word]] = [[words[0]]]
    for w in words[1:]:
        if w.speaker == runs[-1][-1].speaker:
            runs[-1].append(w)
        else:
            runs.append([w])
    pieces = []
    for i, run in enumerate(runs):
        start = seg.start if i == 0 else run[0].start
        end = seg.end if i == len(runs) - 1 else run[-1].end
        text = seg.text if len(runs) == 1 else "".join(w.text for w in run).strip()
        pieces.append(
            replace(
                seg,
                start=min(start, run[0].start),
                end=max(end, run[-1].end),
                text=text,
                words=tuple(run),
                speaker=run[0].speaker,
                overlap=any(w.overlap for w in run),
            )
        )
    return pieces
