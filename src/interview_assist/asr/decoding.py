"""Speech to text unit by unit, each unit of speech in its own language.

A unit is one speaker's speech (:mod:`interview_assist.asr.units`). For the units
of one processing window, :class:`TurnDecoder`:

1. takes what is decided already: a language forced for the recording, or
   set by a person for a speaker;
2. encodes every unit on its own, at its own length (with 2 s of silence
   after it, 4 s after a short one; see :meth:`Transcriber.encode`), several at once;
3. detects each unit's language from its own encoding, and looks inside a
   long unit for a switch of language: candidates where detections of short
   stretches of it change, and at its pauses when its ends are heard in
   another language, each checked by encoding the parts on both sides
   alone; a unit is split where both parts are heard in different
   languages surely enough, and a short reply at either end of it is cut
   off where, heard alone, it is in another language of the interview
   (:mod:`interview_assist.asr.switches`, :mod:`interview_assist.asr.replies`);
4. chooses each unit's language: as detected where the unit is long and
   heard surely, else from its detection and the speaker's prior, the
   languages of their other units in this window and before
   (:mod:`interview_assist.asr.language`);
5. decodes every unit (or part) in its language from its own encoding, so no
   decode crosses a change of speaker or of language, and flags the text of
   a unit left whole where a stretch of it was heard alone, surely, in
   another language (:func:`~interview_assist.asr.switches.other_language`);
6. reads a looping unit again alone with the sequential decoder (or, where
   the speaker's prior chose its language against its detection, in the
   detected language), hears again, alone, speech of a unit that no word
   came out of, and a short stretch between pauses that its reading passed
   over, in that stretch's own language.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import numpy as np

from interview_assist.asr.hallucination import transcribed
from interview_assist.asr.language import (
    CONFIDENT_PROBABILITY,
    MIN_DETECTION_SECONDS,
    SWITCH_SECOND_LANGUAGE,
    UNSUPPORTED_LANGUAGES,
    Detection,
    LanguageChoice,
    LanguageHistory,
    choose,
    decisive,
    detected,
    doubt_reason,
    other_language_reason,
    unsupported_reason,
)
from interview_assist.asr.replies import split_off_replies
from interview_assist.asr.switches import (
    REPLY_MIN_SECONDS,
    Piece,
    clip,
    other_language,
    probes,
    speech,
    split_at_a_switch,
)
from interview_assist.asr.transcriber import Transcriber
from interview_assist.asr.units import MARGIN_SECONDS, Unit, widened
from interview_assist.asr.word_times import FLOOR_CONTEXT_SECONDS, to_speech
from interview_assist.audio.vad import uncovered
from interview_assist.core.spans import Span, samples_to_seconds
from interview_assist.core.transcript import Segment

logger = logging.getLogger("interview_assist")

# Stretches of missed speech this close are one (the VAD cuts speech without a
# pause at its longest): they are heard again together.
TOUCHING_SECONDS = 0.1


class TurnDecoder:
    """Decodes units of speech in their own languages, remembering each speaker's languages.

    One decoder serves one recording: its history carries from one
    processing window to the next. ``speaker_languages`` maps speaker labels
    to a language set by a person (possibly one the model lacks).
    """

    def __init__(
        self,
        transcriber: Transcriber,
        history: LanguageHistory | None = None,
        speaker_languages: Mapping[str, str] | None = None,
        gap_seconds: float = 2.0,
    ):
        self.transcriber = transcriber
        self.history = history if history is not None else LanguageHistory()
        self.speaker_languages = dict(speaker_languages or {})
        self.gap_seconds = gap_seconds

    def transcribe(
        self,
        audio: np.ndarray,
        units: Sequence[Unit],
        offset: float = 0.0,
        *,
        on_progress: Callable[[float], None] | None = None,
        unbiased: bool = False,
    ) -> list[Segment]:
        """Segments of ``units`` (seconds into ``audio``), in recording time (``offset`` added)."""
        if not units:
            return []
        tr = self.transcriber
        pieces, interview = self._pieces(audio, units)
        evidence = self._evidence(pieces)
        choices = self._choose(pieces, evidence)
        decoded = tr.decode([(p.encoded, c.language, p.unit.span.duration) for p, c in zip(pieces, choices)], unbiased=unbiased)
        out: list[Segment] = []
        read: list[tuple[Unit, list[Segment]]] = []
        for k, (piece, choice, reading) in enumerate(zip(pieces, choices, decoded)):
            segments = _placed(reading.segments, piece.unit.span, piece.unit.heard)
            segments, choice = self._reread_if_looping(audio, piece, choice, segments, unbiased, reading.looping, interview)
            choices[k] = choice
            segments += self._skipped(audio, piece.unit, choice, segments, unbiased)
            read.append((piece.unit, segments))
            out += _flag_other_language([_finish(s, choice, offset) for s in segments], piece, choice, offset, interview)
            if on_progress is not None:
                on_progress(offset + piece.unit.span.end)
        out += self._passed_over(audio, read, evidence, offset, unbiased)
        self._remember(pieces, choices)
        # Word edges off the quiet last: what was missed is judged on the times as decoded, where a
        # first word covers the margin before the speech (trimmed, the margin would be "missed").
        out = to_speech(out, audio, offset)
        out.sort(key=lambda s: (s.start, s.end))
        return out

    def plan(self, audio: np.ndarray, units: Sequence[Unit]) -> list[tuple[Unit, LanguageChoice]]:
        """The units as they would be decoded (split where their language switches), each with its language.

        Nothing is decoded and the history is left as it was. (Decoding can
        still change a piece's language: see :meth:`_reread_if_looping`.)
        """
        pieces, _ = self._pieces(audio, units)
        return [(p.unit, c) for p, c in zip(pieces, self._choose(pieces, self._evidence(pieces)))]

    def _pieces(self, audio: np.ndarray, units: Sequence[Unit]) -> tuple[list[Piece], frozenset[str]]:
        """Every unit encoded, its language detected (or decided before listening), split at switches;
        and the languages of the interview so far (:meth:`LanguageHistory.interview`)."""
        tr = self.transcriber
        units = widened(units, MARGIN_SECONDS, samples_to_seconds(audio.size))
        pieces: list[Piece] = []
        encoded = tr.encode([clip(audio, u.span) for u in units])
        fixed = [self._fixed(u) for u in units]
        undecided = [i for i, f in enumerate(fixed) if f is None]
        detections = dict(zip(undecided, tr.detect_all([encoded[i] for i in undecided])))
        # The probes of every unit (:func:`probes`), all units' together: a few calls, not two a unit.
        wanted = {i: probes(units[i], detections[i]) for i in undecided}
        heard = iter(tr.detect_stretches([(encoded[i], span) for i in undecided for span in wanted[i]]))
        probed = {i: [(span, next(heard)) for span in wanted[i]] for i in undecided}
        assert next(heard, None) is None, "one detection a probe"
        # The interview's languages so far, this window's surely heard units included.
        window = LanguageHistory()
        for i in undecided:
            language, probability = detections[i].best
            if decisive(detections[i], speech(units[i])):
                window.add(units[i].speaker, language, units[i].span.duration, probability)
        interview = self.history.merged(window).interview()

        def searched(i: int) -> list[Piece]:
            parts = split_at_a_switch(tr, audio, units[i], encoded[i], detections[i], probed[i], interview)
            return split_off_replies(tr, audio, units[i], parts, probed[i], interview)

        # Each unit's search on its own worker, several units at once (its calls in turn, on one thread).
        split = dict(zip(undecided, tr.calls.each(searched, undecided)))
        for i, (unit, enc) in enumerate(zip(units, encoded)):
            known = fixed[i]
            pieces += [Piece(unit, enc, fixed=known)] if known is not None else split[i]
        return pieces, interview

    def transcribe_stretches(
        self,
        audio: np.ndarray,
        stretches: Sequence[tuple[Span, str]],
        offset: float = 0.0,
        *,
        unbiased: bool = False,
    ) -> list[Segment]:
        """Short stretches (seconds into ``audio``), each decoded alone in its given language.

        One segment per stretch that produced words, in recording time. A
        reading that loops is read again alone (and kept as it was if that
        loops too).
        """
        if not stretches:
            return []
        tr = self.transcriber
        encoded = tr.encode([clip(audio, span) for span, _ in stretches])
        decoded = tr.decode([(e, lang, span.duration) for e, (span, lang) in zip(encoded, stretches)], unbiased=unbiased)
        out = []
        for (span, language), reading in zip(stretches, decoded):
            segments = reading.segments
            if reading.looping and tr.options.reread_loops:  # read again alone, as a unit's loop is
                segments = tr.read_alone(clip(audio, span), language, unbiased=unbiased) or segments
            around = Span(max(0.0, span.start - FLOOR_CONTEXT_SECONDS), min(samples_to_seconds(audio.size), span.end + FLOOR_CONTEXT_SECONDS))
            placed = to_speech(_placed(segments, span), clip(audio, around), around.start)
            words = tuple(w for s in placed for w in s.words)
            if not words:
                continue
            out.append(
                _shift(
                    replace(
                        placed[0], start=words[0].start, end=words[-1].end,
                        text="".join(w.text for w in words).strip(), words=words, language=language,
                    ),
                    offset,
                )
            )
        return out

    # -- 1. what is known before listening -------------------------------------
    def _fixed(self, unit: Unit) -> LanguageChoice | None:
        tr = self.transcriber
        forced = tr.options.language or (None if tr.multilingual else "en")
        if forced:
            return LanguageChoice(forced, 1.0 if tr.options.language else None, "forced")
        declared = self.speaker_languages.get(unit.speaker) if unit.speaker is not None else None
        if declared and declared not in UNSUPPORTED_LANGUAGES:
            return LanguageChoice(declared, None, "set")
        return None

    # -- 4. the choice -----------------------------------------------------------
    def _evidence(self, pieces: Sequence[Piece]) -> LanguageHistory:
        """The history so far with this window's detections: the best language of every piece long enough
        to judge (a reply cut off a turn is most likely another speaker's: it does not count)."""
        window = LanguageHistory()
        for p in pieces:
            if p.detection is not None and p.detection.seconds >= MIN_DETECTION_SECONDS and not p.reply:
                window.add(
                    p.unit.speaker, p.detection.best[0], p.unit.span.duration, p.detection.best[1],
                    decisive(p.detection, speech(p.unit)),
                )
        return self.history.merged(window)

    def _choose(self, pieces: Sequence[Piece], evidence: LanguageHistory) -> list[LanguageChoice]:
        """Every piece's language: as decided before listening, else :meth:`_choice`."""
        return [p.fixed if p.fixed is not None else self._choice(p, evidence) for p in pieces]

    def _choice(self, piece: Piece, evidence: LanguageHistory) -> LanguageChoice:
        d, speaker = piece.detection, piece.unit.speaker
        assert d is not None, "only pieces decided before listening have no detection, and they are fixed"
        if piece.switched or decisive(d, speech(piece.unit)):
            # Heard surely on enough speech, or a part of a unit split at a switch (found in its
            # language by the switch bar, and the speaker's prior would undo the split): the
            # prior is for what detection cannot tell.
            choice = detected(d)
        else:
            # The prior is the speaker's other speech: this piece's own evidence is left out.
            long = d.seconds >= MIN_DETECTION_SECONDS
            others = (
                evidence.without(speaker, d.best[0], piece.unit.span.duration, d.best[1], decisive(d, speech(piece.unit)))
                if long else evidence
            )
            languages = sorted(set(d.probabilities) | set(others.recording()))
            prior = others.prior(speaker, languages)
            choice = choose(d, prior)
            usual = others.usual_probability(speaker, choice.language)
            if usual is not None:
                choice = choose(d, prior, usual, bilingual=bool(others.surely_in(speaker) - {choice.language}))
        declared = self.speaker_languages.get(speaker) if speaker is not None else None
        if declared:  # set to a language the model lacks: decoded as detected, flagged throughout
            choice = replace(choice, declared=declared, source="set", doubt=unsupported_reason(declared, choice.language))
        return choice

    # -- 6. loops and skipped speech ---------------------------------------------
    def _reread_if_looping(
        self, audio: np.ndarray, piece: Piece, choice: LanguageChoice, segments: list[Segment], unbiased: bool,
        looping: bool, interview: frozenset[str] = frozenset(),
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
        if not self.transcriber.options.reread_loops or not looping:
            return segments, choice
        unit = piece.unit
        again = self.transcriber.read_alone(clip(audio, unit.span), choice.language, unbiased=unbiased)
        if again is not None:
            logger.info("a looping reading at %.1f-%.1f s was read again", unit.span.start, unit.span.end)
            return _placed(again, unit.span, unit.heard), choice
        other = _detected_instead(piece.detection, choice, interview)
        if other is not None:
            (reading,) = self.transcriber.decode([(piece.encoded, other.language, unit.span.duration)], unbiased=unbiased)
            placed = _placed(reading.segments, unit.span, unit.heard)
            if any(s.words for s in placed) and not reading.looping:
                logger.info(
                    "a reading looping in %s at %.1f-%.1f s was read in %s, as detected",
                    choice.language, unit.span.start, unit.span.end, other.language,
                )
                return placed, other
        return segments, choice

    def _skipped(self, audio: np.ndarray, unit: Unit, choice: LanguageChoice, segments: list[Segment], unbiased: bool) -> list[Segment]:
        """Speech of the unit with no word (or a stretched one), heard again alone (Whisper skips a last sentence at times)."""
        missed = uncovered(_joined(unit.heard), transcribed(segments), self.gap_seconds)
        return self.transcribe_stretches(audio, [(m, choice.language) for m in missed], 0.0, unbiased=unbiased)

    def _passed_over(
        self, audio: np.ndarray, read: Sequence[tuple[Unit, list[Segment]]], evidence: LanguageHistory, offset: float, unbiased: bool
    ) -> list[Segment]:
        """Stretches of speech between two pauses that a unit's reading passed over without a word, each heard alone.

        Only a whole stretch the VAD heard (at least :data:`~interview_assist.asr.switches.REPLY_MIN_SECONDS`,
        shorter than the gap :meth:`_skipped` hears again in the unit's
        language) that no word touches, in a unit whose reading has words
        elsewhere. Such a stretch is most often a short
        reply of another speaker that diarization joined to the turn, and in
        another language: Whisper, decoding the turn in its language, passes
        over it. So its language is its own detection's with the recording's
        languages as the prior, not the speaker's (a language forced or set
        by a person stands). A reading that loops is read again alone, as a
        unit's is; if that loops too, a reading that ran on (stopped, or a
        segment repetitive) is left out: the stretch stays as the unit's
        reading left it; one that only repeats a phrase is kept.
        """
        stretches: list[tuple[Span, Unit]] = []
        for unit, segments in read:
            touched = transcribed(segments) if any(s.words for s in segments) else []
            if not touched:  # nothing read beside it: the unit is what it is (a gap, if long)
                continue
            stretches += [
                (h, unit) for h in unit.heard
                if REPLY_MIN_SECONDS <= h.duration < self.gap_seconds and not any(t.overlap(h) > 0 for t in touched)
                # a whole stretch, not one cut at the edge of a part split at a switch of language
                and unit.span.start + 1e-3 < h.start and h.end < unit.span.end - 1e-3
            ]
        if not stretches:
            return []
        tr = self.transcriber
        encoded = tr.encode([clip(audio, span) for span, _ in stretches])
        fixed = [self._fixed(unit) for _, unit in stretches]
        undecided = [i for i, f in enumerate(fixed) if f is None]
        detections = dict(zip(undecided, tr.detect_all([encoded[i] for i in undecided])))
        everyone = evidence.recording()
        choices = [
            f if f is not None
            else choose(detections[i], evidence.prior(None, sorted(set(detections[i].probabilities) | set(everyone))))
            for i, f in enumerate(fixed)
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
            placed = _placed(segments, span, (span,))
            if any(s.words for s in placed):
                logger.info("speech passed over at %.1f-%.1f s heard alone, in %s", span.start, span.end, choice.language)
                out += [_finish(s, choice, offset) for s in placed if s.words]
        return out

    def _remember(self, pieces: Sequence[Piece], choices: Sequence[LanguageChoice]) -> None:
        for p, c in zip(pieces, choices):
            if c.source != "forced" and not p.reply:
                judged = c.probability if c.source == "detected" and p.detection is not None else None
                surely = judged is not None and p.detection is not None and decisive(p.detection, speech(p.unit))
                self.history.add(p.unit.speaker, c.language, p.unit.span.duration, judged, surely)


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


def _placed(segments: Sequence[Segment], span: Span, heard: Sequence[Span] = ()) -> list[Segment]:
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


def _flag_other_language(
    segments: list[Segment], piece: Piece, choice: LanguageChoice, offset: float, interview: frozenset[str] = frozenset()
) -> list[Segment]:
    """``segments`` (of ``piece``, in recording time) with a language flag on those that lie, half of
    them or :data:`MIN_DETECTION_SECONDS` of them, in a stretch of the piece heard alone in
    another language (:func:`~interview_assist.asr.switches.other_language`; the reason gives the
    surest such stretch the segment lies in); a flag they carry stays."""
    found = other_language(piece, choice.language, interview)
    if not found:
        return segments
    out = []
    for s in segments:
        for span, heard, probability in found:
            inside = min(s.end, span.end + offset) - max(s.start, span.start + offset)
            if s.language_doubt is None and inside > 0 and inside >= min(MIN_DETECTION_SECONDS, (s.end - s.start) / 2):
                s = replace(s, language_doubt=other_language_reason(choice.language, heard, probability))
                break
        out.append(s)
    return out


def _finish(seg: Segment, choice: LanguageChoice, offset: float) -> Segment:
    return replace(
        _shift(seg, offset),
        language=choice.stored_language,
        language_probability=choice.probability,
        language_doubt=choice.doubt,
    )


def _shift(seg: Segment, seconds: float) -> Segment:
    return replace(
        seg,
        start=round(seg.start + seconds, 3),
        end=round(seg.end + seconds, 3),
        words=tuple(replace(w, start=round(w.start + seconds, 3), end=round(w.end + seconds, 3)) for w in seg.words),
    )
