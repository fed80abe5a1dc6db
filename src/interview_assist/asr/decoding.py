"""Speech to text unit by unit, each unit of speech in its own language.

A unit is one speaker's speech (:mod:`interview_assist.asr.units`). For the units
of one processing window, :class:`TurnDecoder`:

1. takes what is decided already: a language forced for the recording, or
   set by a person for a speaker;
2. encodes every unit on its own, at its own length (with 2 s of silence
   after it; see :meth:`Transcriber.encode`), several at once;
3. detects each unit's language from its own encoding, and looks inside a
   long unit for a switch of language: candidates where detections of short
   stretches of it change, and at its pauses when its ends are heard in
   another language, each checked by encoding the parts on both sides
   alone; a unit is split where both parts are heard in different
   languages surely enough (:func:`~interview_assist.asr.language.switch_bar`);
4. chooses each unit's language: as detected where the unit is long and
   heard surely, else from its detection and the speaker's prior, the
   languages of their other units in this window and before
   (:mod:`interview_assist.asr.language`);
5. decodes every unit (or part) in its language from its own encoding, so no
   decode crosses a change of speaker or of language;
6. reads a looping unit again alone with the sequential decoder (or, where
   the speaker's prior chose its language against its detection, in the
   detected language), hears again, alone, speech of a unit that no word
   came out of, and a short stretch between pauses that its reading passed
   over, in that stretch's own language.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from interview_assist.asr.language import (
    CONFIDENT_PROBABILITY,
    MIN_DETECTION_SECONDS,
    PROBE_SECONDS,
    PROBE_STEP_SECONDS,
    SWITCH_MIN_SECONDS,
    SWITCH_SECOND_LANGUAGE,
    UNSUPPORTED_LANGUAGES,
    Detection,
    LanguageChoice,
    LanguageHistory,
    choose,
    decisive,
    detected,
    doubt_reason,
    may_switch,
    switch_bar,
    switch_point,
    unsupported_reason,
)
from interview_assist.asr.transcriber import LOOP_COMPRESSION_RATIO, Transcriber
from interview_assist.asr.units import MARGIN_SECONDS, Unit, widened
from interview_assist.audio.vad import uncovered
from interview_assist.core.spans import Span, samples_to_seconds, seconds_to_samples
from interview_assist.core.transcript import Segment

logger = logging.getLogger("interview_assist")

# The longest pauses of a unit tried as a switch of language when its ends are
# heard in another language (each costs two encodings of up to the unit's length).
PAUSES_TRIED = 3
# A stretch of speech between two pauses, at least this long, that a unit's reading
# passed over without a word is heard alone (a short reply: "Yes." is about 0.5 s
# as the VAD hears it, with its padding).
PASSED_OVER_SECONDS = 0.5


@dataclass(frozen=True, slots=True)
class _Piece:
    """A unit as decoded: the whole unit, or a part of one split at a switch of language."""

    unit: Unit
    encoded: np.ndarray
    detection: Detection | None = None  # None when the language was decided before listening
    fixed: LanguageChoice | None = None
    switched: bool = False  # a part of a unit split where its language changes


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
        decoded = tr.decode([(p.encoded, c.language) for p, c in zip(pieces, choices)], unbiased=unbiased)
        out: list[Segment] = []
        read: list[tuple[Unit, list[Segment]]] = []
        for k, (piece, choice, reading) in enumerate(zip(pieces, choices, decoded)):
            segments = _placed(reading.segments, piece.unit.span, piece.unit.heard)
            segments, choice = self._reread_if_looping(audio, piece, choice, segments, unbiased, reading.cut_off, interview)
            choices[k] = choice
            segments += self._skipped(audio, piece.unit, choice, segments, unbiased)
            read.append((piece.unit, segments))
            out += [_finish(s, choice, offset) for s in segments]
            if on_progress is not None:
                on_progress(offset + piece.unit.span.end)
        out += self._passed_over(audio, read, evidence, offset, unbiased)
        self._remember(pieces, choices)
        out.sort(key=lambda s: (s.start, s.end))
        return out

    def plan(self, audio: np.ndarray, units: Sequence[Unit]) -> list[tuple[Unit, LanguageChoice]]:
        """The units as they would be decoded (split where their language switches), each with its language.

        Nothing is decoded and the history is left as it was. (Decoding can
        still change a piece's language: see :meth:`_reread_if_looping`.)
        """
        pieces, _ = self._pieces(audio, units)
        return [(p.unit, c) for p, c in zip(pieces, self._choose(pieces, self._evidence(pieces)))]

    def _pieces(self, audio: np.ndarray, units: Sequence[Unit]) -> tuple[list[_Piece], frozenset[str]]:
        """Every unit encoded, its language detected (or decided before listening), split at switches;
        and the languages of the interview so far (:meth:`LanguageHistory.interview`)."""
        tr = self.transcriber
        units = widened(units, MARGIN_SECONDS, samples_to_seconds(audio.size))
        pieces: list[_Piece] = []
        encoded = tr.encode([_clip(audio, u.span) for u in units])
        fixed = [self._fixed(u) for u in units]
        undecided = [i for i, f in enumerate(fixed) if f is None]
        detections = dict(zip(undecided, tr.detect_all([encoded[i] for i in undecided])))
        # The probes of every unit (:func:`_probes`), all units' together: a few calls, not two a unit.
        wanted = {i: _probes(units[i], detections[i]) for i in undecided}
        heard = iter(tr.detect_stretches([(encoded[i], span) for i in undecided for span in wanted[i]]))
        probed = {i: [(span, next(heard)) for span in wanted[i]] for i in undecided}
        assert next(heard, None) is None, "one detection a probe"
        # The interview's languages so far, this window's surely heard units included.
        window = LanguageHistory()
        for i in undecided:
            language, probability = detections[i].best
            if decisive(detections[i], _speech(units[i])):
                window.add(units[i].speaker, language, units[i].span.duration, probability)
        interview = self.history.merged(window).interview()
        for i, (unit, enc) in enumerate(zip(units, encoded)):
            known = fixed[i]
            if known is not None:
                pieces.append(_Piece(unit, enc, fixed=known))
            else:
                pieces += self._split(audio, unit, enc, detections[i], probed[i], interview)
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

        One segment per stretch that produced words, in recording time.
        """
        if not stretches:
            return []
        encoded = self.transcriber.encode([_clip(audio, span) for span, _ in stretches])
        decoded = self.transcriber.decode([(e, lang) for e, (_, lang) in zip(encoded, stretches)], unbiased=unbiased)
        out = []
        for (span, language), reading in zip(stretches, decoded):
            placed = _placed(reading.segments, span)
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

    # -- 3. switches inside a unit -------------------------------------------------
    def _split(
        self, audio: np.ndarray, unit: Unit, encoded: np.ndarray, detection: Detection,
        probed: Sequence[tuple[Span, Detection]], interview: frozenset[str] = frozenset(),
    ) -> list[_Piece]:
        """The unit, or its parts where its language changes, each with its own encoding and detection.

        ``probed`` holds the detections of the unit's probes (:func:`_probes`, which
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
        (:meth:`_split_at_a_pause`), also in a unit whose detection leaves no
        room for a second language.
        """
        whole = [_Piece(unit, encoded, detection)]
        tr = self.transcriber
        if not may_switch(detection):
            # A whole unit is heard in one language, even when it holds two. A turn
            # is looked at in its pauses when its first or last seconds, heard on
            # their own, are in another language than the whole.
            if all(end.best[0] == detection.best[0] for _, end in probed):
                return whole
            return self._split_at_a_pause(audio, unit, whole, interview)
        probes = [(s.start + PROBE_SECONDS / 2, d) for s, d in probed]
        candidates = switch_point(probes, detection)
        # The first and last probes hear the unit's ends.
        ends_differ = any(d.best[0] != detection.best[0] for _, d in (probes[:1] + probes[-1:]))
        if not candidates:
            return self._split_at_a_pause(audio, unit, whole, interview) if ends_differ else whole
        cuts = sorted({round(_quietest(audio, unit.span.start + c, unit.span), 3) for c in candidates})
        found: dict[Span, tuple[np.ndarray, Detection]] = {}
        while cuts:
            edges = [unit.span.start, *cuts, unit.span.end]
            parts = [Span(a, b) for a, b in zip(edges, edges[1:])]
            new = [p for p in parts if p not in found]
            for p, enc in zip(new, tr.encode([_clip(audio, p) for p in new])):
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
            return [_Piece(unit.part(p), found[p][0], found[p][1], switched=True) for p in parts]
        return self._split_at_a_pause(audio, unit, whole, interview) if ends_differ else whole

    def _split_at_a_pause(
        self, audio: np.ndarray, unit: Unit, whole: list[_Piece], interview: frozenset[str] = frozenset()
    ) -> list[_Piece]:
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
        encoded = self.transcriber.encode([_clip(audio, side) for side in sides])
        found = self.transcriber.detect_all(encoded)
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
            _Piece(unit.part(sides[i]), encoded[i], found[i], switched=True) for i in (2 * k, 2 * k + 1)
        ]

    # -- 4. the choice -----------------------------------------------------------
    def _evidence(self, pieces: Sequence[_Piece]) -> LanguageHistory:
        """The history so far with this window's detections: the best language of every piece long enough to judge."""
        window = LanguageHistory()
        for p in pieces:
            if p.detection is not None and p.detection.seconds >= MIN_DETECTION_SECONDS:
                window.add(
                    p.unit.speaker, p.detection.best[0], p.unit.span.duration, p.detection.best[1],
                    decisive(p.detection, _speech(p.unit)),
                )
        return self.history.merged(window)

    def _choose(self, pieces: Sequence[_Piece], evidence: LanguageHistory) -> list[LanguageChoice]:
        """Every piece's language: as decided before listening, else :meth:`_choice`."""
        return [p.fixed if p.fixed is not None else self._choice(p, evidence) for p in pieces]

    def _choice(self, piece: _Piece, evidence: LanguageHistory) -> LanguageChoice:
        d, speaker = piece.detection, piece.unit.speaker
        assert d is not None, "only pieces decided before listening have no detection, and they are fixed"
        if piece.switched or decisive(d, _speech(piece.unit)):
            # Heard surely on enough speech, or a part of a unit split at a switch (found in its
            # language by the switch bar, and the speaker's prior would undo the split): the
            # prior is for what detection cannot tell.
            choice = detected(d)
        else:
            # The prior is the speaker's other speech: this piece's own evidence is left out.
            long = d.seconds >= MIN_DETECTION_SECONDS
            others = (
                evidence.without(speaker, d.best[0], piece.unit.span.duration, d.best[1], decisive(d, _speech(piece.unit)))
                if long else evidence
            )
            languages = sorted(set(d.probabilities) | set(others.recording()))
            prior = others.prior(speaker, languages)
            choice = choose(d, prior)
            usual = others.usual_probability(speaker, choice.language)
            if usual is not None:
                choice = choose(d, prior, usual)
        declared = self.speaker_languages.get(speaker) if speaker is not None else None
        if declared:  # set to a language the model lacks: decoded as detected, flagged throughout
            choice = replace(choice, declared=declared, source="set", doubt=unsupported_reason(declared, choice.language))
        return choice

    # -- 6. loops and skipped speech ---------------------------------------------
    def _reread_if_looping(
        self, audio: np.ndarray, piece: _Piece, choice: LanguageChoice, segments: list[Segment], unbiased: bool,
        cut_off: bool = False, interview: frozenset[str] = frozenset(),
    ) -> tuple[list[Segment], LanguageChoice]:
        """A reading that loops (repetitive, or stopped as it ran on: ``cut_off``) read again alone.

        Where it still loops in a language the speaker's prior chose against
        the piece's own detection, the prior was likely wrong (a short reply
        given to the wrong speaker): the piece is decoded once more, as it
        was, in the language its detection favours (of the ``interview``'s
        languages if any), and that reading is kept if it does not loop, in
        its language and with its probability (flagged when unsure), if it
        has words.
        """
        if not self.transcriber.options.reread_loops or not _looping(segments, cut_off):
            return segments, choice
        unit = piece.unit
        again = self.transcriber.read_alone(_clip(audio, unit.span), choice.language, unbiased=unbiased)
        if again is not None:
            logger.info("a looping reading at %.1f-%.1f s was read again", unit.span.start, unit.span.end)
            return _placed(again, unit.span, unit.heard), choice
        other = _detected_instead(piece.detection, choice, interview)
        if other is not None:
            (reading,) = self.transcriber.decode([(piece.encoded, other.language)], unbiased=unbiased)
            if any(s.words for s in reading.segments) and not _looping(reading.segments, reading.cut_off):
                logger.info(
                    "a reading looping in %s at %.1f-%.1f s was read in %s, as detected",
                    choice.language, unit.span.start, unit.span.end, other.language,
                )
                return _placed(reading.segments, unit.span, unit.heard), other
        return segments, choice

    def _skipped(self, audio: np.ndarray, unit: Unit, choice: LanguageChoice, segments: list[Segment], unbiased: bool) -> list[Segment]:
        """Speech of the unit with no word, heard again alone (Whisper skips a last sentence at times)."""
        covered = [w.span for s in segments for w in s.words] or [s.span for s in segments if s.text]
        missed = uncovered(list(unit.heard), covered, self.gap_seconds)
        return self.transcribe_stretches(audio, [(m, choice.language) for m in missed], 0.0, unbiased=unbiased)

    def _passed_over(
        self, audio: np.ndarray, read: Sequence[tuple[Unit, list[Segment]]], evidence: LanguageHistory, offset: float, unbiased: bool
    ) -> list[Segment]:
        """Stretches of speech between two pauses that a unit's reading passed over without a word, each heard alone.

        Only a whole stretch the VAD heard (at least :data:`PASSED_OVER_SECONDS`,
        shorter than the gap :meth:`_skipped` hears again in the unit's
        language) that no word touches, in a unit whose reading has words
        elsewhere. Such a stretch is most often a short
        reply of another speaker that diarization joined to the turn, and in
        another language: Whisper, decoding the turn in its language, passes
        over it. So its language is its own detection's with the recording's
        languages as the prior, not the speaker's (a language forced or set
        by a person stands). A reading that loops is left out: the stretch
        stays as the unit's reading left it.
        """
        stretches: list[tuple[Span, Unit]] = []
        for unit, segments in read:
            touched = [w.span for s in segments for w in s.words]
            if not touched:  # nothing read beside it: the unit is what it is (a gap, if long)
                continue
            stretches += [
                (h, unit) for h in unit.heard
                if PASSED_OVER_SECONDS <= h.duration < self.gap_seconds and not any(t.overlap(h) > 0 for t in touched)
                # a whole stretch, not one cut at the edge of a part split at a switch of language
                and unit.span.start + 1e-3 < h.start and h.end < unit.span.end - 1e-3
            ]
        if not stretches:
            return []
        tr = self.transcriber
        encoded = tr.encode([_clip(audio, span) for span, _ in stretches])
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
            stretches, choices, tr.decode([(e, c.language) for e, c in zip(encoded, choices)], unbiased=unbiased)
        ):
            if _looping(reading.segments, reading.cut_off):
                continue
            placed = _placed(reading.segments, span, (span,))
            if any(s.words for s in placed):
                logger.info("speech passed over at %.1f-%.1f s heard alone, in %s", span.start, span.end, choice.language)
                out += [_finish(s, choice, offset) for s in placed if s.words]
        return out

    def _remember(self, pieces: Sequence[_Piece], choices: Sequence[LanguageChoice]) -> None:
        for p, c in zip(pieces, choices):
            if c.source != "forced":
                judged = c.probability if c.source == "detected" and p.detection is not None else None
                surely = judged is not None and p.detection is not None and decisive(p.detection, _speech(p.unit))
                self.history.add(p.unit.speaker, c.language, p.unit.span.duration, judged, surely)


def _looping(segments: Sequence[Segment], cut_off: bool) -> bool:
    """Whether a reading loops: repetitive, or stopped as it ran on (``cut_off``)."""
    return cut_off or any((s.compression_ratio or 0.0) > LOOP_COMPRESSION_RATIO for s in segments)


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


def _probes(unit: Unit, detection: Detection) -> list[Span]:
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


def _speech(unit: Unit) -> float:
    """Seconds of speech the VAD heard in ``unit``."""
    return sum(h.duration for h in unit.heard)


def _clip(audio: np.ndarray, span: Span) -> np.ndarray:
    return audio[seconds_to_samples(span.start) : seconds_to_samples(span.end)]


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


def _quietest(audio: np.ndarray, t: float, within: Span, reach: float = 0.5, frame: float = 0.02) -> float:
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

