"""A language switch inside one unit of speech: where to look, and where to cut.

A unit is one speaker's speech (:mod:`interview_assist.asr.units`); Whisper
hears a whole unit in one language even when it holds two. A unit whose
detection leaves room for a second language is probed in short stretches
(:func:`probes`), and cut where they change and both sides, encoded alone,
are heard in different languages surely enough (:func:`split`); where no
such cut holds and its ends are heard in another language, it is cut at a
pause (:func:`split_at_a_pause`). A short reply in another language of
the interview at either end of a unit, too short for those cuts, is cut off
(:func:`split_off_replies`). The bar for both sides is :func:`switch_bar`.
Used by
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

# A short reply holds at least this much speech ("Yes." is about 0.5 s as the VAD
# hears it, with its padding): the shortest stretch heard alone as one, cut off a
# unit's end here, or passed over inside a unit's reading
# (:class:`~interview_assist.asr.decoding.TurnDecoder`).
REPLY_MIN_SECONDS = 0.5
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

    Cut at a switch (:func:`split_at_a_switch`), then a short reply at
    either end in another language of the interview is cut off
    (:func:`split_off_replies`).
    """
    pieces = split_at_a_switch(transcriber, audio, unit, encoded, detection, probed, interview)
    return split_off_replies(transcriber, audio, unit, pieces, probed, interview)


def split_at_a_switch(
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


def split_off_replies(
    transcriber: Transcriber, audio: np.ndarray, unit: Unit, pieces: list[Piece],
    probed: Sequence[tuple[Span, Detection]], interview: frozenset[str] = frozenset(),
) -> list[Piece]:
    """``pieces`` (the unit, or its parts) with a short reply at the unit's start or end cut off,
    where that reply, heard alone, is in another language of the ``interview``.

    Diarization joins a short reply ("Yes, that's correct.", in English) to
    the turn before or after it (in French) when the two voices are alike;
    Whisper, hearing the turn in French, translates the reply. A reply is
    too short for a cut that needs :data:`MIN_DETECTION_SECONDS` of speech
    on each side, or its switch is missed where a cut at the other end held.
    An end is looked at only when its probe (the unit's first
    or last :data:`PROBE_SECONDS`, heard alone) gives a language of the
    interview other than its piece's at least :data:`SWITCH_SECOND_LANGUAGE`.
    A reply is the speech between that end and a pause (:func:`_replies`);
    it is heard alone (short: it costs little), and cut off when heard in a
    language of the interview other than its piece's, above
    :func:`switch_bar` (short stretches are heard in odd languages: only
    the interview's count). What is left of the piece, heard alone, must
    still be in the piece's language.
    """
    if not probed or len(interview) < 2:
        return pieces
    ends = [(0, probed[0][1], True), (len(pieces) - 1, probed[-1][1], False)]
    replies: dict[bool, tuple[Span, np.ndarray, Detection]] = {}  # at the start (True) or the end
    languages = {k: d.best[0] for k, _, _ in ends if (d := pieces[k].detection) is not None}
    for k, probe, at_start in ends:
        if k not in languages:
            continue
        language = languages[k]
        others = interview - {language}
        if not any(probe.p(lang) >= SWITCH_SECOND_LANGUAGE for lang in others):
            continue
        piece = pieces[k]
        candidates = _replies(piece.unit, at_start)
        if not candidates:
            continue
        encoded = transcriber.encode([clip(audio, c) for c in candidates])
        heard = [
            (d.best[1], c, e, d) for c, e, d in zip(candidates, encoded, transcriber.detect_all(encoded))
            if d.best[0] in others and d.best[1] >= switch_bar(language, d.best[0], interview)
        ]
        if heard:
            _, span, enc, detection = max(heard, key=lambda h: h[0])
            replies[at_start] = (span, enc, detection)
    if not replies:
        return pieces
    # What is left of the first and last pieces, heard alone (once, when they are one).
    left = {k: pieces[k].unit.span for k, _, _ in ends}
    if True in replies:
        left[0] = Span(replies[True][0].end, left[0].end)
    if False in replies:
        k = len(pieces) - 1
        left[k] = Span(left[k].start, replies[False][0].start)
    changed = [k for k in sorted(left) if left[k] != pieces[k].unit.span]
    rest = [pieces[k].unit.part(left[k]) for k in changed]
    if any(speech(r) < MIN_DETECTION_SECONDS for r in rest):
        return pieces
    encoded = transcriber.encode([clip(audio, r.span) for r in rest])
    out = list(pieces)
    for k, r, enc, d in zip(changed, rest, encoded, transcriber.detect_all(encoded)):
        if d.best[0] != languages[k]:
            return pieces
        out[k] = Piece(r, enc, d, switched=True)
    if True in replies:
        span, enc, d = replies[True]
        out.insert(0, Piece(unit.part(span), enc, d, switched=True))
    if False in replies:
        span, enc, d = replies[False]
        out.append(Piece(unit.part(span), enc, d, switched=True))
    logger.info(
        "a short reply cut off a turn at %s (%s)",
        ", ".join(f"{span.start:.2f}-{span.end:.2f} s" for span, _, _ in replies.values()),
        " -> ".join(p.detection.best[0] for p in out if p.detection is not None),
    )
    return out


def _replies(unit: Unit, at_start: bool) -> list[Span]:
    """The stretches from the start (or to the end) of ``unit`` to one of its pauses that may be a
    short reply: at least :data:`REPLY_MIN_SECONDS` of speech, under :data:`SWITCH_MIN_SECONDS`,
    with at least :data:`MIN_DETECTION_SECONDS` left beside it."""
    heard, span = unit.heard, unit.span
    total = speech(unit)
    out = []
    for i in range(1, len(heard)):
        cut = round((heard[i - 1].end + heard[i].start) / 2, 3)
        before = sum(h.duration for h in heard[:i])
        reply = before if at_start else total - before
        if REPLY_MIN_SECONDS <= reply < SWITCH_MIN_SECONDS and total - reply >= MIN_DETECTION_SECONDS:
            out.append(Span(span.start, cut) if at_start else Span(cut, span.end))
    return out


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
