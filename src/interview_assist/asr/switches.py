"""A language switch inside one unit of speech: where to look, and where to cut.

A unit is one speaker's speech (:mod:`interview_assist.asr.units`); Whisper
hears a whole unit in one language even when it holds two. A unit whose
detection leaves room for a second language is probed in short stretches
(:func:`probes`), and cut where they change and both sides, encoded alone,
are heard in different languages surely enough (:func:`split_at_a_switch`);
where no such cut holds and its ends are heard in another language, it is
cut at a pause (:func:`split_at_a_pause`). The bar for both sides is
:func:`switch_bar`. A short reply in another language of the interview at
either end of a unit, too short for those cuts, is cut off next
(:mod:`interview_assist.asr.replies`). Used by
:class:`interview_assist.asr.decoding.TurnDecoder`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from interview_assist.asr.language import (
    CONFIDENT_PROBABILITY,
    MIN_DETECTION_SECONDS,
    OTHER_LANGUAGE_SHARE,
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
# A pause closer than this to the quietest moment near a candidate switch is that moment.
SAME_CUT_SECONDS = 0.1
# The pauses of a unit tried as a switch of language: the longest, when its ends are heard in
# another language (split_at_a_pause), or those nearest a switch the probes found (placed_cuts).
# Each costs two encodings of up to the unit's length.
PAUSES_TRIED = 3


def switch_bar(left: str, right: str, interview: frozenset[str]) -> float:
    """How surely both parts of a unit must be heard, in ``left`` and ``right``, to split it there."""
    return CONFIDENT_PROBABILITY if left in interview and right in interview else SWITCH_PROBABILITY


def may_switch(detection: Detection) -> bool:
    """Whether a unit's detection leaves room for a second language in it."""
    ranked = sorted(detection.probabilities.values(), reverse=True)
    return detection.seconds >= SWITCH_MIN_SECONDS and len(ranked) > 1 and ranked[1] >= SWITCH_SECOND_LANGUAGE


def switch_point(probes: Sequence[tuple[float, Detection]], whole: Detection) -> list[Span]:
    """Where the language may change inside a unit, from detections of its sub-stretches: each
    from the centre of the last probe heard in one language to that of the next heard in the other.

    ``probes`` are (centre time, detection) in time order. Only probes whose
    best language is one of the two most likely of the ``whole`` unit count;
    probes between them heard in other languages are passed over (short
    stretches of noisy speech are heard in odd languages: "th", "ar", "zh"),
    so a switch may lie anywhere between two counted probes.
    """
    top = sorted(whole.probabilities, key=whole.probabilities.__getitem__, reverse=True)[:2]
    kept = [(t, d.best[0]) for t, d in probes if d.best[0] in top]
    return [Span(t0, t1) for (t0, a), (t1, b) in zip(kept, kept[1:]) if a != b]


@dataclass(frozen=True, slots=True)
class Piece:
    """A unit as decoded: the whole unit, or a part of one split at a switch of language."""

    unit: Unit
    encoded: np.ndarray
    detection: Detection | None = None  # None when the language was decided before listening
    fixed: LanguageChoice | None = None
    # A part of a unit split where its language changes, or a short reply cut off its end:
    # heard in its language surely enough to be chosen as detected, whatever the speaker's prior.
    switched: bool = False
    # A short reply cut off a unit's end: most likely another speaker's, whom diarization
    # joined to the turn, so its language does not count as the turn speaker's.
    reply: bool = False
    # Of a unit left whole: the stretches of it heard alone while looking for a switch (seconds
    # into the audio), each with its detection. One heard surely in another language than
    # the unit is decoded in, or clearly more in another of the interview, marks text that
    # may be a translation (see other_language).
    heard_apart: tuple[tuple[Span, Detection], ...] = ()

    @property
    def language(self) -> str:
        """The language decided before listening, else the one detected best."""
        if self.fixed is not None:
            return self.fixed.language
        assert self.detection is not None, "a piece is either decided before listening or detected"
        return self.detection.best[0]


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
    ends = (probed[0][1], probed[-1][1]) if probed else None  # the first and last probes, for split_at_a_pause
    tr = transcriber
    if not may_switch(detection):
        # A whole unit is heard in one language, even when it holds two. A turn
        # is looked at in its pauses when its first or last seconds, heard on
        # their own, are in another language than the whole.
        if all(end.best[0] == detection.best[0] for _, end in probed):
            return whole
        return split_at_a_pause(transcriber, audio, unit, whole, interview, ends)
    probes = [(s.start + PROBE_SECONDS / 2, d) for s, d in probed]
    candidates = switch_point(probes, detection)
    # The first and last probes hear the unit's ends.
    ends_differ = any(d.best[0] != detection.best[0] for _, d in (probes[:1] + probes[-1:]))
    if not candidates:
        return split_at_a_pause(transcriber, audio, unit, whole, interview, ends) if ends_differ else whole
    cuts, found = placed_cuts(transcriber, audio, unit, candidates, interview)
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
        strength = [
            _strength(heard[k], heard[k + 1], interview)
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
    whole = _left_whole(whole, [(p, d) for p, (_, d) in found.items()])
    return split_at_a_pause(transcriber, audio, unit, whole, interview, ends) if ends_differ else whole


def _left_whole(whole: list[Piece], heard: Sequence[tuple[Span, Detection]]) -> list[Piece]:
    """``whole`` (one piece, a unit not split) with the stretches of it heard alone on the way."""
    piece = whole[0]
    return [replace(piece, heard_apart=piece.heard_apart + tuple(heard))]


def other_language(piece: Piece, language: str, interview: frozenset[str] = frozenset()) -> list[tuple[Span, str, float]]:
    """The stretches of a unit left whole, decoded in ``language``, that were heard alone in
    another language (span in seconds into the audio, language, probability), surest first.

    Such a stretch holds :data:`MIN_DETECTION_SECONDS` of speech or more and
    was heard at :data:`SWITCH_PROBABILITY` or more in a language of the
    ``interview``, or one the unit's detection also gave room to
    (:data:`SWITCH_SECOND_LANGUAGE`; a whole unit is most often heard in one
    language only, near 1, even with seconds of another in it): no cut around
    it held (the other side was heard unsurely), so its speech is decoded in
    ``language``, likely as a translation. Or it was heard best in another
    language of the ``interview``, however unsurely, and clearly more in it than
    in ``language`` (:data:`OTHER_LANGUAGE_SHARE` of what the two hold): in
    noise a stretch of the other language is heard as many (French at 0.41,
    the rest Breton, Korean, English at 0.13), too unsurely to cut there, but
    its text in ``language`` is in doubt all the same. The stretches tried
    overlap (the sides of every cut and pause), so there may be several; one
    that straddles the switch can flag a segment of the right language next
    to it.
    """
    if piece.detection is None:
        return []
    known = interview | {x for x, p in piece.detection.probabilities.items() if p >= SWITCH_SECOND_LANGUAGE}
    found = [
        (span, d.best[0], d.best[1]) for span, d in piece.heard_apart
        if d.best[0] != language
        and (
            d.best[0] in known and d.best[1] >= SWITCH_PROBABILITY
            or d.best[0] in interview and _more_in(d, d.best[0], language, OTHER_LANGUAGE_SHARE)
        )
        and speech(piece.unit.part(span)) >= MIN_DETECTION_SECONDS
    ]
    return sorted(found, key=lambda x: (-x[2], x[0].start, x[0].end))


def _more_in(d: Detection, other: str, language: str, share: float) -> bool:
    """Whether ``d`` hears ``other`` at :data:`SWITCH_SECOND_LANGUAGE` or more, and with at least
    ``share`` of what ``other`` and ``language`` hold together."""
    theirs, ours = d.p(other), d.p(language)
    return theirs >= SWITCH_SECOND_LANGUAGE and theirs >= share * (theirs + ours)


def _strength(left: Detection, right: Detection, interview: frozenset[str]) -> float:
    """How far the weaker of two sides of a cut, each heard alone, is above the bar for their two
    languages (:func:`switch_bar`); -1 where both are heard in one language: no switch."""
    if left.best[0] == right.best[0]:
        return -1.0
    return min(left.best[1], right.best[1]) - switch_bar(left.best[0], right.best[0], interview)


def placed_cuts(
    transcriber: Transcriber, audio: np.ndarray, unit: Unit, candidates: Sequence[Span], interview: frozenset[str] = frozenset()
) -> tuple[list[float], dict[Span, tuple[np.ndarray, Detection]]]:
    """Where to cut the unit at each candidate switch (:func:`switch_point`, seconds from the unit's
    start): the quietest moment near its middle, or a pause of the unit within it, whichever
    separates two languages more surely; in seconds into ``audio``, in order. Also the
    stretches heard to choose, each encoded and detected alone (by span).

    A probe is :data:`PROBE_SECONDS` long, so the switch lies between the centres
    of the two probes, give or take what the probes do not share (0.75 s), and the
    quietest moment is looked for within 0.5 s of the middle. A speaker most often
    switches at a pause: where pauses lie that near, and further than
    :data:`SAME_CUT_SECONDS` from the quietest moment, they are tried too (the
    :data:`PAUSES_TRIED` nearest the middle). The stretches on either side, up to the
    neighbouring candidates, are heard alone, and the cut whose weaker side is
    heard more surely above :func:`switch_bar` in two different languages is
    kept; on a tie, the quietest moment.
    """
    span = unit.span
    middles = [span.start + (c.start + c.end) / 2 for c in candidates]
    quiet = [round(quietest(audio, t, span), 3) for t in middles]
    cuts = list(quiet)
    heard = unit.heard
    pauses = [round((heard[i - 1].end + heard[i].start) / 2, 3) for i in range(1, len(heard))]
    tried = []
    reach = (PROBE_SECONDS - PROBE_STEP_SECONDS) / 2
    for k, c in enumerate(candidates):
        lo = quiet[k - 1] if k else span.start
        hi = quiet[k + 1] if k + 1 < len(quiet) else span.end
        if not lo < quiet[k] < hi:
            # Two candidates close together (the last probe ends where the unit does, less than a
            # step after the one before) can share their quietest moment, or cross: no sides to hear.
            continue
        near = [
            t for t in pauses
            if span.start + c.start - reach <= t <= span.start + c.end + reach and abs(t - quiet[k]) > SAME_CUT_SECONDS
            and lo < t < hi and min(speech(unit.part(Span(lo, t))), speech(unit.part(Span(t, hi)))) >= REPLY_MIN_SECONDS
        ]
        if near:
            tried.append((k, sorted(near, key=lambda t: abs(t - middles[k]))[:PAUSES_TRIED], lo, hi))
    sides = [side for k, near, lo, hi in tried for x in (quiet[k], *near) for side in (Span(lo, x), Span(x, hi))]
    found = dict(zip(sides, zip(*heard_alone(transcriber, audio, sides))))
    for k, near, lo, hi in tried:
        # The quietest moment first: it stays on a tie.
        cuts[k] = max((quiet[k], *near), key=lambda x: _strength(found[Span(lo, x)][1], found[Span(x, hi)][1], interview))
    return sorted(set(cuts)), found


def split_at_a_pause(
    transcriber: Transcriber, audio: np.ndarray, unit: Unit, whole: list[Piece], interview: frozenset[str] = frozenset(),
    ends: tuple[Detection, Detection] | None = None,
) -> list[Piece]:
    """The unit cut in two at the pause inside it where the two sides, each heard alone, are
    most surely in different languages (both at :func:`switch_bar` or more), or where one side
    is sure and the other agrees (:func:`_agreed`); else ``whole``.

    A pause is where a speaker most often changes language, and the
    probes can miss it: each straddles it, and hears the end of one
    language with the start of the other. A pause is a silence the VAD
    heard, or a change of speaker the diarization heard inside speech
    (a change of language often sounds like one). Each side must hold
    :data:`MIN_DETECTION_SECONDS` of speech, and the :data:`PAUSES_TRIED`
    longest pauses are tried (two encodings each).

    Where no pause holds so, one still holds (:func:`_agreed`) when one side
    is heard surely (at the bar or more) in a language of the ``interview``,
    and the other is heard unsurely (under the bar), but, of that language
    and another of the interview, in the other: at
    :data:`SWITCH_SECOND_LANGUAGE` or more and at least
    :data:`SWITCH_PROBABILITY` of what the two share; and the unit's end on
    its side was not heard in the sure side's language either (``ends``: the
    detections of its first and last probes). Noise makes a
    stretch sound like many languages (best, at times, like a third one);
    decoded in the sure side's language, that side would come out as a
    translation, with no flag. Cut off, it is decoded in that other
    language, and flagged as unsure
    (:func:`~interview_assist.asr.language.detected`).
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
    encoded, found = heard_alone(transcriber, audio, sides)
    strength, k = max((_strength(left, right, interview), k) for k, (left, right) in enumerate(zip(found[::2], found[1::2])))
    chosen, unsure = (found[2 * k], found[2 * k + 1]), ""
    if strength < 0:
        agreed = _agreed(found, ends, interview)
        if agreed is None:
            return _left_whole(whole, list(zip(sides, found)))
        k, left, right = agreed
        chosen, unsure = (left, right), ", one side heard unsurely"
    logger.info("language switches inside a turn at a pause, %.2f s (%s -> %s%s)", cuts[k], chosen[0].best[0], chosen[1].best[0], unsure)
    return [Piece(unit.part(sides[2 * k + i]), encoded[2 * k + i], chosen[i], switched=True) for i in (0, 1)]


def _agreed(
    found: Sequence[Detection], ends: tuple[Detection, Detection] | None, interview: frozenset[str]
) -> tuple[int, Detection, Detection] | None:
    """Of the pauses whose sides were heard (``found``: left, right, left, right, ...), the one where
    one side is heard in a language of the interview at :func:`switch_bar` or more and the other
    under the bar for its own best language, but, of the first side's language and another of the
    interview, in that other: at :data:`SWITCH_SECOND_LANGUAGE` or more, and at least
    :data:`SWITCH_PROBABILITY` of what the two languages share; on the side of an end of the unit
    not heard in the sure side's language. Of several, the surest unsure side (on a tie, the
    shorter pause, as for the bar). With the detections of its two sides, the unsure one kept to
    the interview's languages where a third was heard best there (noise makes a stretch sound
    like Latvian or Thai): it is decoded in the interview's language it is most heard in.
    None if no pause is so."""
    if ends is None:
        return None
    agreed = []
    for k, sides in enumerate(zip(found[::2], found[1::2])):
        for u in (0, 1):
            unsure, sure, end = sides[u], sides[1 - u], ends[u]
            language = sure.best[0]
            others = sorted(interview - {language})
            if language not in interview or not others:
                continue
            other = max(others, key=unsure.p)  # the first in order on a tie
            theirs = unsure.p(other)
            if (
                sure.best[1] >= switch_bar(language, other, interview)
                and unsure.best[1] < switch_bar(unsure.best[0], language, interview)
                and end.best[0] != language
                and _more_in(unsure, other, language, SWITCH_PROBABILITY)
            ):
                if unsure.best[0] != other:  # ``other`` first: it stays the best on a tie
                    kept = {x: q for x, q in unsure.probabilities.items() if x in interview and x != other}
                    unsure = Detection(unsure.seconds, {other: theirs, **kept})
                pair = (unsure, sure) if u == 0 else (sure, unsure)
                agreed.append((theirs, k, pair))
    if not agreed:
        return None
    _, k, (left, right) = max(agreed, key=lambda x: (x[0], x[1]))
    return k, left, right


def heard_alone(transcriber: Transcriber, audio: np.ndarray, spans: Sequence[Span]) -> tuple[list[np.ndarray], list[Detection]]:
    """Each span of ``audio`` encoded alone, and its language detected."""
    if not spans:
        return [], []
    encoded = transcriber.encode([clip(audio, span) for span in spans])
    return encoded, transcriber.detect_all(encoded)


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
