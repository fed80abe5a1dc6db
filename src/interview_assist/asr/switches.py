"""A language switch inside one unit of speech: where to look, and where to cut.

A unit is one speaker's speech (:mod:`interview_assist.asr.units`); Whisper
hears a whole unit in one language even when it holds two. A unit whose
detection leaves room for a second language is probed in short stretches
(:func:`probes`), and cut where they change and both sides, encoded alone,
are heard in different languages surely enough (:func:`split`); where no
such cut holds and its ends are heard in another language, it is cut at a
pause (:func:`split_at_a_pause`). The bar for both sides is
:func:`switch_bar`. Used by
:class:`interview_assist.asr.decoding.TurnDecoder`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from interview_assist.asr.language import (
    CONFIDENT_PROBABILITY,
    MIN_DETECTION_SECONDS,
    PROBE_SECONDS,
    PROBE_STEP_SECONDS,
    SWITCH_MIN_SECONDS,
    SWITCH_PROBABILITY,
    SWITCH_SECOND_LANGUAGE,
    Detection,
    LanguageChoice,
)
from interview_assist.asr.transcriber import Transcriber
from interview_assist.asr.units import Unit
from interview_assist.core.spans import Span, seconds_to_samples

logger = logging.getLogger("interview_assist")

# The longest pauses of a unit tried as a switch of language when its ends are
# heard in another language (each costs two encodings of up to the unit's length).
PAUSES_TRIED = 3


def switch_bar(left: str, right: str, interview: frozenset[str]) -> float:
    """How surely both parts of a unit must be heard, in ``left`` and ``right``, to split it there."""
    return CONFIDENT_PROBABILITY if left in interview and right in interview else SWITCH_PROBABILITY


def may_switch(detection: Detection) -> bool:
    """Whether a unit's detection leaves room for a second language in it."""
    ranked = sorted(detection.probabilities.values(), reverse=True)
    return detection.seconds >= SWITCH_MIN_SECONDS and len(ranked) > 1 and ranked[1] >= SWITCH_SECOND_LANGUAGE


def switch_point(probes: Sequence[tuple[float, Detection]], whole: Detection) -> list[float]:
    """Candidate times where the language changes inside a unit, from detections of its sub-stretches.

    ``probes`` are (centre time, detection) in time order. A candidate lies
    between two neighbouring probes whose best languages differ and are both
    among the two most likely languages of the ``whole`` unit.
    """
    if len(probes) < 2:
        return []
    top = sorted(whole.probabilities, key=whole.probabilities.__getitem__, reverse=True)[:2]
    out = []
    for (t0, a), (t1, b) in zip(probes, probes[1:]):
        la, lb = a.best[0], b.best[0]
        if la != lb and la in top and lb in top:
            out.append((t0 + t1) / 2)
    return out



@dataclass(frozen=True, slots=True)
class Piece:
    """A unit as decoded: the whole unit, or a part of one split at a switch of language."""

    unit: Unit
    encoded: np.ndarray
    detection: Detection | None = None  # None when the language was decided before listening
    fixed: LanguageChoice | None = None
    switched: bool = False  # a part of a unit split where its language changes


def split(
    transcriber: Transcriber, audio: np.ndarray, unit: Unit, encoded: np.ndarray, detection: Detection,
    probed: Sequence[tuple[Span, Detection]], interview: frozenset[str] = frozenset(),
) -> list[Piece]:
    """The unit, or its parts where its language changes, each with its own encoding and detection.

    ``probed`` holds the detections of the unit's probes (:func:`probes`, which
    chooses them on the same ``may_switch(detection)`` as here: the first and
    last stretch, or stretches all along, or none).
    Only a unit whose detection leaves room for a second language is
    looked into. Candidate cuts lie where detections of short stretches of the unit's
    encoding change language (a rough guide: detection is less sure away
    from the start of a window), moved to the quietest moment nearby.
    The parts between cuts are then encoded and detected alone; parts
    found in one language are joined again, and a cut stays only if the
    parts on both sides are long enough and heard in different languages
    surely enough (:func:`switch_bar`: less surely between two of the
    ``interview`` languages); the weakest cut goes first, until all that
    remain hold.
    Where no such cut holds and the unit's first or last seconds are heard
    in another language than the whole, its pauses are tried
    (:func:`split_at_a_pause`), also in a unit whose detection leaves no
    room for a second language.
    """
    whole = [Piece(unit, encoded, detection)]
    tr = transcriber
    if not may_switch(detection):
        # A whole unit is heard in one language, even when it holds two. A turn
        # is looked at in its pauses when its first or last seconds, heard on
        # their own, are in another language than the whole.
        if all(end.best[0] == detection.best[0] for _, end in probed):
            return whole
        return split_at_a_pause(transcriber, audio, unit, whole, interview)
    probes = [(s.start + PROBE_SECONDS / 2, d) for s, d in probed]
    candidates = switch_point(probes, detection)
    # The first and last probes hear the unit's ends.
    ends_differ = any(d.best[0] != detection.best[0] for _, d in (probes[:1] + probes[-1:]))
    if not candidates:
        return split_at_a_pause(transcriber, audio, unit, whole, interview) if ends_differ else whole
    cuts = sorted({round(quietest(audio, unit.span.start + c, unit.span), 3) for c in candidates})
    found: dict[Span, tuple[np.ndarray, Detection]] = {}
    while cuts:
        edges = [unit.span.start, *cuts, unit.span.end]
        parts = [Span(a, b) for a, b in zip(edges, edges[1:])]
        new = [p for p in parts if p not in found]
        for p, enc in zip(new, tr.encode([clip(audio, p) for p in new])):
            found[p] = (enc, tr.detect(enc))
        heard = [found[p][1] for p in parts]
        # A cut between two parts heard in one language is no switch.
        same = [k for k in range(len(cuts)) if heard[k].best[0] == heard[k + 1].best[0]]
        if same:
            del cuts[same[0]]
            continue
        # How far each cut's weaker side is above the bar for its two languages.
        strength = [
            min(heard[k].best[1], heard[k + 1].best[1]) - switch_bar(heard[k].best[0], heard[k + 1].best[0], interview)
            if min(parts[k].duration, parts[k + 1].duration) >= MIN_DETECTION_SECONDS else -1.0
            for k in range(len(cuts))
        ]
        weakest = int(np.argmin(strength))
        if strength[weakest] < 0:
            del cuts[weakest]
            continue
        logger.info(
            "language switches inside a turn at %s s (%s)",
            ", ".join(f"{c:.2f}" for c in cuts), " -> ".join(d.best[0] for d in heard),
        )
        return [Piece(unit.part(p), found[p][0], found[p][1], switched=True) for p in parts]
    return split_at_a_pause(transcriber, audio, unit, whole, interview) if ends_differ else whole

def split_at_a_pause(
    transcriber: Transcriber, audio: np.ndarray, unit: Unit, whole: list[Piece], interview: frozenset[str] = frozenset()
) -> list[Piece]:
    """The unit cut in two at the pause inside it where the two sides, each heard alone, are
    most surely in different languages (both above :func:`switch_bar`), or ``whole``.

    A pause is where a speaker most often changes language, and the
    probes can miss it: each straddles it, and hears the end of one
    language with the start of the other. A pause is a silence the VAD
    heard, or a change of speaker the diarization heard inside speech
    (a change of language often sounds like one). Each side must hold
    :data:`MIN_DETECTION_SECONDS` of speech, and the :data:`PAUSES_TRIED`
    longest pauses are tried (two encodings each).
    """
    heard = unit.heard
    pauses = []
    for i in range(1, len(heard)):
        before = sum(h.duration for h in heard[:i])
        after = sum(h.duration for h in heard[i:])
        if min(before, after) >= MIN_DETECTION_SECONDS:
            pauses.append((heard[i].start - heard[i - 1].end, round((heard[i - 1].end + heard[i].start) / 2, 3)))
    cuts = [t for _, t in sorted(pauses, reverse=True)[:PAUSES_TRIED]]
    if not cuts:
        return whole
    span = unit.span
    sides = [side for t in cuts for side in (Span(span.start, t), Span(t, span.end))]
    encoded = transcriber.encode([clip(audio, side) for side in sides])
    found = transcriber.detect_all(encoded)
    switches = [
        (min(left.best[1], right.best[1]) - switch_bar(left.best[0], right.best[0], interview), k)
        for k, (left, right) in enumerate(zip(found[::2], found[1::2]))
        if left.best[0] != right.best[0]
    ]
    strength, k = max(switches, default=(-1.0, -1))
    if strength < 0:
        return whole
    logger.info("language switches inside a turn at a pause, %.2f s (%s -> %s)", cuts[k], found[2 * k].best[0], found[2 * k + 1].best[0])
    return [
        Piece(unit.part(sides[i]), encoded[i], found[i], switched=True) for i in (2 * k, 2 * k + 1)
    ]


def probes(unit: Unit, detection: Detection) -> list[Span]:
    """The stretches of ``unit`` (seconds from its start) heard alone to find a switch inside it.

    Stretches of :data:`PROBE_SECONDS` every :data:`PROBE_STEP_SECONDS` in a
    unit whose detection leaves room for a second language; otherwise its
    first and last stretch, in a unit long enough to hold two languages and
    with a pause to hold the switch; otherwise none.
    """
    length = unit.span.duration
    if not may_switch(detection):
        if length < SWITCH_MIN_SECONDS or len(unit.heard) < 2:
            return []
        return [Span(0.0, PROBE_SECONDS), Span(length - PROBE_SECONDS, length)]
    stretches = []
    t = 0.0
    while t + PROBE_SECONDS <= length + 1e-6:
        stretches.append(Span(t, t + PROBE_SECONDS))
        t += PROBE_STEP_SECONDS
    if stretches and stretches[-1].end < length - 1e-3:
        # The last stretch ends where the unit does: a switch in its last second is heard too.
        stretches.append(Span(length - PROBE_SECONDS, length))
    return stretches


def speech(unit: Unit) -> float:
    """Seconds of speech the VAD heard in ``unit``."""
    return sum(h.duration for h in unit.heard)


def clip(audio: np.ndarray, span: Span) -> np.ndarray:
    """The samples of ``audio`` within ``span`` (seconds into it)."""
    return audio[seconds_to_samples(span.start) : seconds_to_samples(span.end)]


def quietest(audio: np.ndarray, t: float, within: Span, reach: float = 0.5, frame: float = 0.02) -> float:
    """The quietest 20 ms of ``audio`` within ``reach`` of ``t`` (and a second inside ``within``): where to cut."""
    lo = max(within.start + MIN_DETECTION_SECONDS / 2, t - reach)
    hi = min(within.end - MIN_DETECTION_SECONDS / 2, t + reach)
    if hi - lo < frame:
        return t
    step = seconds_to_samples(frame)
    x = audio[seconds_to_samples(lo) : seconds_to_samples(hi)]
    n = x.size // step
    if n == 0:
        return t
    energy = (x[: n * step].reshape(n, step).astype(np.float64) ** 2).mean(axis=1)
    return lo + (int(np.argmin(energy)) + 0.5) * frame
