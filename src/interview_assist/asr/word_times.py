"""Word times: a clip's words placed in the audio, and moved off the quiet around a word.

:func:`placed` puts the segments decoded from a clip into the audio's time (and
:func:`shifted` into the recording's). :func:`to_speech` moves a word's edges off
the quiet: the pause before a word is not the word.

Whisper's word times come from aligning its text with the audio, and the
alignment lays the words end to end: the pause between two words goes to one
of them. After a short pause (a reply right after a question, a switch of
language inside a turn) the next word starts where the last one ended, up to
half a second before it is said; the review's follow-along lights it up during
the pause, and the word is counted in the wrong speaker's clip. Here a word's
start moves to where it becomes audible, and its end to where it stops being
so, when a quiet stretch of at least :data:`QUIET_EDGE_SECONDS` begins or ends
it. (stable-ts does the same with its silence suppression.)

Quiet is relative to the stretch around the word: within :data:`QUIET_DB` of
its quietest frames (the 5th percentile over the word and a second either
side), which are the pauses' silence or, in noise, the noise. Speech is above
the noise even at a low SNR, so a word loses only the pause it was given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from interview_assist.core.spans import SAMPLE_RATE, Span
from interview_assist.core.transcript import Segment, Word

FRAME_SECONDS = 0.01
# A word's edge moves only over quiet at least this long (to its first or last
# frame that is not quiet), and only where the word keeps MIN_WORD_SECONDS.
QUIET_EDGE_SECONDS = 0.05
MIN_WORD_SECONDS = 0.05
# Quiet: at most this far above the quietest frames (5th percentile) of the
# word and a second either side.
QUIET_DB = 6.0
FLOOR_CONTEXT_SECONDS = 1.0


def to_speech(segments: Sequence[Segment], audio: np.ndarray, offset: float = 0.0) -> list[Segment]:
    """``segments`` (``audio`` starts at ``offset`` in their time) with their words' edges off the quiet.

    A segment whose edges were its first word's start and last word's end
    follows them.
    """
    if audio.size == 0:
        return list(segments)
    levels = _frame_db(audio)
    out = []
    for seg in segments:
        if not seg.words:
            out.append(seg)
            continue
        words = tuple(_word(w, levels, offset) for w in seg.words)
        start = words[0].start if abs(seg.start - seg.words[0].start) < 1e-3 else seg.start
        end = words[-1].end if abs(seg.end - seg.words[-1].end) < 1e-3 else seg.end
        out.append(replace(seg, words=words, start=start, end=max(end, start)))
    return out


def _frame_db(audio: np.ndarray) -> np.ndarray:
    n = int(FRAME_SECONDS * SAMPLE_RATE)
    frames = audio[: audio.size // n * n].astype(np.float32, copy=False).reshape(-1, n)
    levels: np.ndarray = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    return levels


def _word(w: Word, levels: np.ndarray, offset: float) -> Word:
    first = int(round((w.start - offset) / FRAME_SECONDS))
    last = min(int(round((w.end - offset) / FRAME_SECONDS)), levels.size)
    if first < 0 or last - first < 2:
        return w
    context = int(FLOOR_CONTEXT_SECONDS / FRAME_SECONDS)
    floor = float(np.percentile(levels[max(0, first - context) : last + context], 5))
    loud = np.flatnonzero(levels[first:last] > floor + QUIET_DB)
    if loud.size == 0:
        return w
    edge = int(round(QUIET_EDGE_SECONDS / FRAME_SECONDS))
    lead, tail = int(loud[0]), last - first - 1 - int(loud[-1])
    start, end = w.start, w.end
    if lead >= edge:
        start = round(w.start + lead * FRAME_SECONDS, 3)
    if tail >= edge:
        end = round(w.end - tail * FRAME_SECONDS, 3)
    if end - start < MIN_WORD_SECONDS:
        return w
    return replace(w, start=start, end=end)


def placed(segments: Sequence[Segment], span: Span, heard: Sequence[Span] = ()) -> list[Segment]:
    """Segments decoded from ``span`` alone, in the audio's time, their words inside the span.

    Words that start in the silence after the clip are the decoder's
    invention and are dropped, with segments left without words there. Word
    times are kept within the speech the VAD ``heard`` in the span, when
    given (Whisper starts a first word at the start of its window, in the
    margin before the speech).
    """
    lo = max(span.start, heard[0].start) if heard else span.start
    hi = min(span.end, heard[-1].end) if heard else span.end
    lo, hi = min(lo, hi), max(lo, hi)

    def clamp(t: float) -> float:
        return round(min(max(t + span.start, lo), hi), 3)

    out = []
    for seg in segments:
        kept = [w for w in seg.words if w.start < span.duration]
        if seg.words and not kept or not seg.words and seg.start >= span.duration:
            continue
        words = tuple(replace(w, start=clamp(w.start), end=max(clamp(w.end), clamp(w.start))) for w in kept)
        start, end = clamp(seg.start), max(clamp(seg.end), clamp(seg.start))
        if words:
            start, end = min(start, words[0].start), max(end, words[-1].end)
        text = seg.text if len(kept) == len(seg.words) else "".join(w.text for w in words).strip()
        out.append(replace(seg, start=start, end=end, words=words, text=text))
    return out


def shifted(seg: Segment, seconds: float) -> Segment:
    return replace(
        seg,
        start=round(seg.start + seconds, 3),
        end=round(seg.end + seconds, 3),
        words=tuple(replace(w, start=round(w.start + seconds, 3), end=round(w.end + seconds, 3)) for w in seg.words),
    )
