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
   another language (or, unsurely, clearly more in another language of
   the interview: :func:`~interview_assist.asr.switches.other_language`);
6. reads a looping unit again alone with the sequential decoder (or, where
   the speaker's prior chose its language against its detection, in the
   detected language), hears again, alone, speech of a unit that no word
   came out of, and a short stretch between pauses that its reading passed
   over, in that stretch's own language
   (:mod:`interview_assist.asr.heard_again`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import numpy as np

from interview_assist.asr.heard_again import passed_over, reread_if_looping, skipped
from interview_assist.asr.language import (
    MIN_DETECTION_SECONDS,
    LanguageChoice,
    LanguageHistory,
    choose,
    decisive,
    detected,
)
from interview_assist.asr.language_doubts import other_language_reason, unsupported_reason
from interview_assist.asr.language_names import UNSUPPORTED_LANGUAGES
from interview_assist.asr.replies import split_off_replies
from interview_assist.asr.switches import (
    Piece,
    clip,
    other_language,
    probes,
    speech,
    split_at_a_switch,
)
from interview_assist.asr.transcriber import Transcriber
from interview_assist.asr.units import MARGIN_SECONDS, Unit, widened
from interview_assist.asr.word_times import placed, shifted, to_speech
from interview_assist.core.spans import samples_to_seconds
from interview_assist.core.transcript import Segment


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
            segments = placed(reading.segments, piece.unit.span, piece.unit.heard)
            segments, choice = reread_if_looping(
                tr, audio, piece, choice, segments, looping=reading.looping, unbiased=unbiased, interview=interview,
            )
            choices[k] = choice
            segments += skipped(tr, audio, piece.unit, choice, segments, gap_seconds=self.gap_seconds, unbiased=unbiased)
            read.append((piece.unit, segments))
            out += _flag_other_language([choice.stamped(shifted(s, offset)) for s in segments], piece, choice, offset, interview)
            if on_progress is not None:
                on_progress(offset + piece.unit.span.end)
        out += passed_over(tr, audio, read, evidence, offset, fixed=self._fixed, gap_seconds=self.gap_seconds, unbiased=unbiased)
        self._remember(pieces, choices)
        # Word edges off the quiet last: what was missed is judged on the times as decoded, where a
        # first word covers the margin before the speech (trimmed, the margin would be "missed").
        out = to_speech(out, audio, offset)
        out.sort(key=lambda s: (s.start, s.end))
        return out

    def plan(self, audio: np.ndarray, units: Sequence[Unit]) -> list[tuple[Unit, LanguageChoice]]:
        """The units as they would be decoded (split where their language switches), each with its language.

        Nothing is decoded and the history is left as it was. (Decoding can
        still change a piece's language: see :func:`~interview_assist.asr.heard_again.reread_if_looping`.)
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

    def _remember(self, pieces: Sequence[Piece], choices: Sequence[LanguageChoice]) -> None:
        for p, c in zip(pieces, choices):
            if c.source != "forced" and not p.reply:
                judged = c.probability if c.source == "detected" and p.detection is not None else None
                surely = judged is not None and p.detection is not None and decisive(p.detection, speech(p.unit))
                self.history.add(p.unit.speaker, c.language, p.unit.span.duration, judged, surely)


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
