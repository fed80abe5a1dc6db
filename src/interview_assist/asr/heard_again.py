"""Speech a unit's reading lost, heard again alone (step 6 of :class:`~interview_assist.asr.decoding.TurnDecoder`).

Whisper, decoding a unit whole, at times loops (repeats a phrase, or runs on
to its length cap), skips a last sentence, or passes over a short reply of
another speaker in another language. Each such stretch is read again on its own:

* a looping reading, with the sequential decoder, or, where the speaker's
  prior chose its language against the unit's own detection, in the detected
  language (:func:`reread_if_looping`);
* speech of the unit that no word came out of, in the unit's language (:func:`skipped`);
* a whole stretch between two pauses that the reading passed over, in its own
  language (:func:`passed_over`).

:func:`read_stretches` reads short stretches alone, each in a given language
(the pipeline also hears again with it what it decodes without the case glossary).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from interview_assist.asr.hallucination import transcribed
from interview_assist.asr.language import (
    CONFIDENT_PROBABILITY,
    SWITCH_SECOND_LANGUAGE,
    Detection,
    LanguageChoice,
    LanguageHistory,
    choose,
    doubt_reason,
)
from interview_assist.asr.switches import REPLY_MIN_SECONDS, Piece, clip
from interview_assist.asr.transcriber import Transcriber
from interview_assist.asr.units import Unit
from interview_assist.asr.word_times import FLOOR_CONTEXT_SECONDS, placed, shifted, to_speech
from interview_assist.audio.vad import uncovered
from interview_assist.core.spans import Span, samples_to_seconds
from interview_assist.core.transcript import Segment

logger = logging.getLogger("interview_assist")

# Stretches of missed speech this close are one (the VAD cuts speech without a
# pause at its longest): they are heard again together.
TOUCHING_SECONDS = 0.1


def read_stretches(
    tr: Transcriber, audio: np.ndarray, stretches: Sequence[tuple[Span, str]], offset: float = 0.0, *, unbiased: bool = False
) -> list[Segment]:
    """Short stretches (seconds into ``audio``), each decoded alone in its given language.

    One segment per stretch that produced words, in recording time (``offset``
    added). A reading that loops is read again alone (and kept as it was if
    that loops too).
    """
    if not stretches:
        return []
    encoded = tr.encode([clip(audio, span) for span, _ in stretches])
    decoded = tr.decode([(e, lang, span.duration) for e, (span, lang) in zip(encoded, stretches)], unbiased=unbiased)
    out = []
    for (span, language), reading in zip(stretches, decoded):
        segments = reading.segments
        if reading.looping and tr.options.reread_loops:  # read again alone, as a unit's loop is
            segments = tr.read_alone(clip(audio, span), language, unbiased=unbiased) or segments
        around = Span(max(0.0, span.start - FLOOR_CONTEXT_SECONDS), min(samples_to_seconds(audio.size), span.end + FLOOR_CONTEXT_SECONDS))
        heard = to_speech(placed(segments, span), clip(audio, around), around.start)
        words = tuple(w for s in heard for w in s.words)
        if not words:
            continue
        out.append(
            shifted(
                replace(
                    heard[0], start=words[0].start, end=words[-1].end,
                    text="".join(w.text for w in words).strip(), words=words, language=language,
                ),
                offset,
            )
        )
    return out


def reread_if_looping(
    tr: Transcriber, audio: np.ndarray, piece: Piece, choice: LanguageChoice, segments: list[Segment], *,
    looping: bool, unbiased: bool, interview: frozenset[str] = frozenset(),
) -> tuple[list[Segment], LanguageChoice]:
    """A reading that loops (:attr:`Reading.looping`: repetitive, or stopped as it ran on) read again alone.

    Where it still loops in a language the speaker's prior chose against
    the piece's own detection, the prior was likely wrong (a short reply
    given to the wrong speaker): the piece is decoded once more, as it
    was, in the language its detection favours (of the ``interview``'s
    languages if any), and that reading is kept if it does not loop, in
    its language and with its probability (flagged when unsure), if it
    has words.
    """
    if not tr.options.reread_loops or not looping:
        return segments, choice
    unit = piece.unit
    again = tr.read_alone(clip(audio, unit.span), choice.language, unbiased=unbiased)
    if again is not None:
        logger.info("a looping reading at %.1f-%.1f s was read again", unit.span.start, unit.span.end)
        return placed(again, unit.span, unit.heard), choice
    other = _detected_instead(piece.detection, choice, interview)
    if other is not None:
        (reading,) = tr.decode([(piece.encoded, other.language, unit.span.duration)], unbiased=unbiased)
        read = placed(reading.segments, unit.span, unit.heard)
        if any(s.words for s in read) and not reading.looping:
            logger.info(
                "a reading looping in %s at %.1f-%.1f s was read in %s, as detected",
                choice.language, unit.span.start, unit.span.end, other.language,
            )
            return read, other
    return segments, choice


def skipped(
    tr: Transcriber, audio: np.ndarray, unit: Unit, choice: LanguageChoice, segments: list[Segment], *,
    gap_seconds: float, unbiased: bool,
) -> list[Segment]:
    """Speech of the unit with no word for ``gap_seconds`` or more (or a stretched one), heard again
    alone in the unit's language (Whisper skips a last sentence at times)."""
    missed = uncovered(_joined(unit.heard), transcribed(segments), gap_seconds)
    return read_stretches(tr, audio, [(m, choice.language) for m in missed], 0.0, unbiased=unbiased)


def passed_over(
    tr: Transcriber, audio: np.ndarray, read: Sequence[tuple[Unit, list[Segment]]], evidence: LanguageHistory, offset: float, *,
    fixed: Callable[[Unit], LanguageChoice | None], gap_seconds: float, unbiased: bool,
) -> list[Segment]:
    """Stretches of speech between two pauses that a unit's reading passed over without a word, each heard alone.

    Only a whole stretch the VAD heard (at least
    :data:`~interview_assist.asr.switches.REPLY_MIN_SECONDS`, shorter than
    the ``gap_seconds`` :func:`skipped` hears again in the unit's language)
    that no word touches, in a unit whose reading has words elsewhere. Such a
    stretch is most often a short reply of another speaker that diarization
    joined to the turn, and in another language: Whisper, decoding the turn
    in its language, passes over it. So its language is its own detection's
    with the recording's languages (``evidence``) as the prior, not the
    speaker's; a language decided before listening (``fixed``: forced, or set
    by a person) stands. A reading that loops is read again alone, as a
    unit's is; if that loops too, a reading that ran on (stopped, or a
    segment repetitive) is left out: the stretch stays as the unit's reading
    left it; one that only repeats a phrase is kept.
    """
    stretches: list[tuple[Span, Unit]] = []
    for unit, segments in read:
        touched = transcribed(segments) if any(s.words for s in segments) else []
        if not touched:  # nothing read beside it: the unit is what it is (a gap, if long)
            continue
        stretches += [
            (h, unit) for h in unit.heard
            if REPLY_MIN_SECONDS <= h.duration < gap_seconds and not any(t.overlap(h) > 0 for t in touched)
            # a whole stretch, not one cut at the edge of a part split at a switch of language
            and unit.span.start + 1e-3 < h.start and h.end < unit.span.end - 1e-3
        ]
    if not stretches:
        return []
    encoded = tr.encode([clip(audio, span) for span, _ in stretches])
    known = [fixed(unit) for _, unit in stretches]
    undecided = [i for i, f in enumerate(known) if f is None]
    detections = dict(zip(undecided, tr.detect_all([encoded[i] for i in undecided])))
    everyone = evidence.recording()
    choices = [
        f if f is not None
        else choose(detections[i], evidence.prior(None, sorted(set(detections[i].probabilities) | set(everyone))))
        for i, f in enumerate(known)
    ]
    out = []
    for (span, unit), choice, reading in zip(
        stretches, choices, tr.decode([(e, c.language, span.duration) for e, c, (span, _) in zip(encoded, choices, stretches)], unbiased=unbiased)
    ):
        segments = reading.segments
        if reading.looping:
            again = tr.read_alone(clip(audio, span), choice.language, unbiased=unbiased) if tr.options.reread_loops else None
            if again is not None:
                segments = again
            elif reading.runs_on:
                continue
        heard = placed(segments, span, (span,))
        if any(s.words for s in heard):
            logger.info("speech passed over at %.1f-%.1f s heard alone, in %s", span.start, span.end, choice.language)
            out += [choice.stamped(shifted(s, offset)) for s in heard if s.words]
    return out


def _joined(spans: Sequence[Span]) -> list[Span]:
    """Spans (in order) with those that touch made one: speech the VAD cut at its longest
    (no pause between) is one stretch, heard whole, as a sentence cut in two reads worse."""
    out: list[Span] = []
    for s in spans:
        if out and s.start - out[-1].end <= TOUCHING_SECONDS:
            out[-1] = Span(out[-1].start, s.end)
        else:
            out.append(s)
    return out


def _detected_instead(detection: Detection | None, choice: LanguageChoice, interview: frozenset[str]) -> LanguageChoice | None:
    """The language the piece's detection favours over a ``choice`` the speaker's prior made
    (the most likely of the ``interview``'s languages that detection gives at least
    :data:`SWITCH_SECOND_LANGUAGE`, else its most likely), or None."""
    if detection is None or choice.source != "speaker":
        return None
    ranked = [lang for lang in sorted(detection.probabilities, key=detection.p, reverse=True) if lang != choice.language]
    # An interview language detection gives some weight to (as a second language must have to be
    # looked for inside a unit), else the detection's own first.
    of_interview = [lang for lang in ranked if lang in interview and detection.p(lang) >= SWITCH_SECOND_LANGUAGE]
    if not (of_interview or ranked):
        return None
    language = (of_interview or ranked)[0]
    p = detection.p(language)
    return LanguageChoice(language, round(p, 4), "detected", doubt_reason(language, p) if p < CONFIDENT_PROBABILITY else None)
