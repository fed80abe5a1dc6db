"""A short reply at either end of a unit, in another language of the interview: found, heard alone, cut off.

Diarization joins a short reply ("Yes, that's correct.") to the turn beside
it when the two voices are alike, and Whisper, hearing the turn in its
language, translates the reply. After a unit is cut at its switches
(:func:`interview_assist.asr.switches.split_at_a_switch`), the speech from
either end to a pause is heard alone where that end leans to another
language of the interview, and cut off when it is heard in it
(:func:`split_off_replies`). Used by
:class:`interview_assist.asr.decoding.TurnDecoder`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from interview_assist.asr.language import (
    MIN_DETECTION_SECONDS,
    SWITCH_MIN_SECONDS,
    SWITCH_SECOND_LANGUAGE,
    Detection,
)
from interview_assist.asr.switches import REPLY_MIN_SECONDS, Piece, heard_alone, speech, switch_bar
from interview_assist.asr.transcriber import Transcriber
from interview_assist.asr.units import Unit
from interview_assist.core.spans import Span

logger = logging.getLogger("interview_assist")


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
    or last :data:`~interview_assist.asr.language.PROBE_SECONDS`, heard alone) gives a language of the
    interview other than its piece's at least :data:`SWITCH_SECOND_LANGUAGE`.
    A reply is the speech between that end and a pause (:func:`_replies`);
    each is heard alone (encoded at its own length), and one is cut off
    when heard in a language of the interview other than its piece's,
    above :func:`switch_bar` (short stretches are heard in odd languages:
    only the interview's count). Of the replies that hold, the most that fit
    and then the surest are cut off (:func:`_fitting`). What is left of the
    piece, heard alone, must still be in the piece's language; it is
    chosen as the piece would have been (by the speaker's prior where
    detection is unsure), the reply as detected.
    """
    if not probed or len(interview) < 2:
        return pieces
    first, last = pieces[0], pieces[-1]
    starts = _heard_replies(transcriber, audio, first, probed[0][1], interview, at_start=True)
    ends = _heard_replies(transcriber, audio, last, probed[-1][1], interview, at_start=False)
    chosen = _fitting(pieces, starts, ends)
    if chosen is None:
        return pieces
    start, end, rest = chosen
    out = list(pieces)
    for (k, r), enc, d in zip(rest.items(), *heard_alone(transcriber, audio, [r.span for r in rest.values()])):
        if d.best[0] != pieces[k].language:
            return pieces
        # What was heard of the rest alone on the way still counts; a stretch holding the reply does not.
        within = tuple((s, h) for s, h in pieces[k].heard_apart if r.span.start - 1e-3 <= s.start and s.end <= r.span.end + 1e-3)
        out[k] = Piece(r, enc, d, switched=pieces[k].switched, heard_apart=within)
    replies = [r for r in (start, end) if r is not None]
    for reply in replies:
        cut = Piece(unit.part(reply.span), reply.encoded, reply.detection, switched=True, reply=True)
        if reply is start:
            out.insert(0, cut)
        else:
            out.append(cut)
    logger.info(
        "a short reply cut off a turn at %s (%s)",
        ", ".join(f"{r.span.start:.2f}-{r.span.end:.2f} s" for r in replies),
        " -> ".join(p.language for p in out),
    )
    return out


def _fitting(
    pieces: Sequence[Piece], starts: Sequence[Reply], ends: Sequence[Reply]
) -> tuple[Reply | None, Reply | None, dict[int, Unit]] | None:
    """The replies to cut off at the start and the end (the most, then the surest), with what is left
    of the first and last pieces (by index), each holding :data:`MIN_DETECTION_SECONDS` of speech at
    least; None if no reply fits. In a unit of one piece, two replies must leave that much between them."""
    options = sorted(
        ((s, e) for s in (None, *starts) for e in (None, *ends) if s is not None or e is not None),
        key=lambda o: (sum(r is not None for r in o), sum(r.detection.best[1] for r in o if r is not None)),
        reverse=True,
    )
    last = len(pieces) - 1
    for start, end in options:
        left = {0: pieces[0].unit.span, last: pieces[last].unit.span}
        if start is not None:
            left[0] = Span(start.span.end, max(start.span.end, left[0].end))
        if end is not None:
            left[last] = Span(left[last].start, max(left[last].start, end.span.start))
        rest = {k: pieces[k].unit.part(span) for k, span in left.items() if span != pieces[k].unit.span}
        if all(span.duration > 0 and speech(rest[k]) >= MIN_DETECTION_SECONDS for k, span in left.items() if k in rest):
            return start, end, rest
    return None


@dataclass(frozen=True, slots=True)
class Reply:
    """A short stretch at a unit's end, heard alone in another language of the interview."""

    span: Span
    encoded: np.ndarray
    detection: Detection


def _heard_replies(
    transcriber: Transcriber, audio: np.ndarray, piece: Piece, probe: Detection, interview: frozenset[str], at_start: bool
) -> list[Reply]:
    """The replies at the start (or end) of ``piece`` heard in another language of the interview
    above :func:`switch_bar`, when its ``probe`` leans to one; see :func:`split_off_replies`."""
    language = piece.language
    others = interview - {language}
    if not any(probe.p(lang) >= SWITCH_SECOND_LANGUAGE for lang in others):
        return []
    candidates = _replies(piece.unit, at_start)
    return [
        Reply(span, enc, d)
        for span, enc, d in zip(candidates, *heard_alone(transcriber, audio, candidates))
        if d.best[0] in others and d.best[1] >= switch_bar(language, d.best[0], interview)
    ]


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
