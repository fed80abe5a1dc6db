"""Speech to text unit by unit, each unit in its own language, in packed decode windows.

A unit is one speaker's speech (:mod:`interview_assist.packing`). For the units
of one processing window, :class:`TurnDecoder`:

1. decides what is decided already: a language forced for the recording, or
   set for a speaker; predicts the others from the speaker's languages so far
   (:class:`~interview_assist.language.LanguageHistory`), or leaves them open;
2. packs the units by that language (open ones together, in time order) into
   windows of at most 30 s and runs the encoder once per window;
3. detects each unit's language from its own encoder frames, and looks inside
   a long unit for a switch of language, splitting it there;
4. chooses each unit's language from its detection and the speaker's prior
   (their other units, in this window and before);
5. decodes every window whose units all got one language from the encoder
   pass it already had, and packs the other units again, by language, for a
   pass of their own, so that no decode window mixes languages;
6. maps the words back to their units, reads a looping unit again alone, and
   hears again, alone, speech of a unit that no word came out of.

The cost is one encoder pass per window when the predictions hold (a
speaker who keeps to one language, an interpreter who alternates), plus one
per window whose units had to be packed again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from .asr import LOOP_COMPRESSION_RATIO, Transcriber
from .language import (
    MIN_DETECTION_SECONDS,
    PROBE_SECONDS,
    PROBE_STEP_SECONDS,
    SWITCH_MIN_SECONDS,
    SWITCH_PROBABILITY,
    UNSUPPORTED_LANGUAGES,
    Detection,
    LanguageChoice,
    LanguageHistory,
    choose,
    switch_point,
    unsupported_reason,
)
from .packing import MAX_PACK_SECONDS, Pack, Unit, pack_units, unit_at
from .spans import SAMPLE_RATE, Span, seconds_to_samples
from .transcript import Segment, Word
from .vad import uncovered

logger = logging.getLogger("interview_assist")

_OPEN = "?"


@dataclass(frozen=True, slots=True)
class _Piece:
    """A unit as decoded: possibly half of a unit split at a switch of language."""

    unit: Unit
    pack: int  # the first-round pack it was encoded in
    detection: Detection | None = None  # None when the language was decided before listening
    fixed: LanguageChoice | None = None


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
        self._previous: str | None = None  # language of the last unit decoded

    # -- the whole step ---------------------------------------------------------
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
        fixed = [self._fixed(u) for u in units]
        keys = self._keys(units, fixed)
        first = _packs_by_key(units, keys)
        encoded = tr.encode([p.audio(audio) for p, _ in first])
        pieces, split_packs = self._detect(audio, units, fixed, first, encoded)
        choices = self._choose(pieces)
        windows, owners = self._plan(audio, pieces, choices, first, encoded, split_packs)
        decoded = tr.decode([(enc, lang, pack.duration) for pack, enc, lang in windows], unbiased=unbiased)
        by_piece: dict[int, list[Segment]] = {}
        for (pack, _, _), segments, owner in zip(windows, decoded, owners):
            for i, seg in _map_back(segments, pack, [pieces[k].unit for k in owner], owner):
                by_piece.setdefault(i, []).append(seg)
        out: list[Segment] = []
        for i, piece in enumerate(pieces):
            segments = self._reread_if_looping(audio, piece.unit, choices[i], by_piece.get(i, []), unbiased)
            segments += self._skipped(audio, piece.unit, choices[i], segments, unbiased)
            out += [_finish(s, choices[i], offset) for s in segments]
            if on_progress is not None:
                on_progress(offset + piece.unit.span.end)
        self._remember(pieces, choices)
        out.sort(key=lambda s: (s.start, s.end))
        return out

    def transcribe_stretches(
        self,
        audio: np.ndarray,
        stretches: Sequence[tuple[Span, str]],
        offset: float = 0.0,
        *,
        unbiased: bool = False,
    ) -> list[Segment]:
        """Short, scattered stretches (seconds into ``audio``), each in its given language.

        Stretches of one language are packed together with silence between
        them, and each word goes back to its own stretch. One segment per
        stretch that produced words, in recording time.
        """
        units = [Unit(span) for span, _ in stretches]
        windows: list[tuple[Pack, np.ndarray, str]] = []
        owners: list[list[int]] = []
        for language in dict.fromkeys(lang for _, lang in stretches):
            chosen = [i for i, (_, lang) in enumerate(stretches) if lang == language]
            packs = pack_units(chosen, units, max_seconds=MAX_PACK_SECONDS - 2, adjacent=False)
            for pack, enc in zip(packs, self.transcriber.encode([p.audio(audio) for p in packs])):
                windows.append((pack, enc, language))
                owners.append(list(pack.units))
        decoded = self.transcriber.decode([(enc, lang, p.duration) for p, enc, lang in windows], unbiased=unbiased)
        words: dict[int, list[tuple[Word, Segment]]] = {}
        for (pack, _, _), segments, owner in zip(windows, decoded, owners):
            for i, seg in _map_back(segments, pack, [units[k] for k in owner], owner):
                words.setdefault(i, []).extend((w, seg) for w in seg.words)
        out = []
        for i in sorted(words):
            ws = tuple(w for w, _ in words[i])
            first = words[i][0][1]
            out.append(
                replace(
                    first,
                    start=round(ws[0].start + offset, 3),
                    end=round(ws[-1].end + offset, 3),
                    text="".join(w.text for w in ws).strip(),
                    words=tuple(replace(w, start=round(w.start + offset, 3), end=round(w.end + offset, 3)) for w in ws),
                    language=stretches[i][1],
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

    def _keys(self, units: Sequence[Unit], fixed: Sequence[LanguageChoice | None]) -> list[str]:
        """The language each unit is packed for first: decided, predicted, or open."""
        keys = []
        previous = self._previous
        for unit, choice in zip(units, fixed):
            if choice is not None:
                key = choice.language
            else:
                key = self.history.predict(unit.speaker, previous) or _OPEN
            keys.append(key)
            if key != _OPEN:
                previous = key
        return keys

    # -- 3. detection, and switches inside a unit --------------------------------
    def _detect(self, audio, units, fixed, first, encoded) -> tuple[list[_Piece], set[int]]:
        tr = self.transcriber
        pieces: list[_Piece] = []
        split_packs: set[int] = set()
        pack_of = {u: k for k, (pack, _) in enumerate(first) for u in pack.units}
        for i, unit in enumerate(units):
            k = pack_of[i]
            pack, enc = first[k][0], encoded[k]
            if fixed[i] is not None:
                pieces.append(_Piece(unit, k, fixed=fixed[i]))
                continue
            where = pack.packed_span(i, units)
            detection = tr.detect(enc, where)
            parts = self._split(audio, unit, where, enc, detection)
            if len(parts) > 1:
                split_packs.add(k)
            pieces += [_Piece(u, k, d) for u, d in parts]
        return pieces, split_packs

    def _split(self, audio, unit: Unit, where: Span, enc, detection: Detection) -> list[tuple[Unit, Detection]]:
        """The unit cut where its language changes, each part with its own detection.

        Candidate cuts lie where detections of short sub-stretches change
        language, moved to the quietest moment nearby. Each part between two
        cuts is detected on its own; neighbours found in one language are
        joined, and a cut stays only if the parts on both sides are long
        enough and confidently in different languages (the weakest cut goes
        first, until all that remain hold).
        """
        if unit.span.duration < SWITCH_MIN_SECONDS:
            return [(unit, detection)]
        tr = self.transcriber
        shift = where.start - unit.span.start  # packed time = real time + shift
        probes = []
        t = where.start
        while t + PROBE_SECONDS <= where.end + 1e-6:
            probes.append((t + PROBE_SECONDS / 2, tr.detect(enc, Span(t, t + PROBE_SECONDS))))
            t += PROBE_STEP_SECONDS
        cuts = sorted({round(_quietest(audio, c - shift, unit.span), 3) for c in switch_point(probes)})
        while cuts:
            edges = [unit.span.start, *cuts, unit.span.end]
            parts = [Span(a, b) for a, b in zip(edges, edges[1:])]
            found = [tr.detect(enc, p.shifted(shift)) for p in parts]
            # A cut between two parts heard in one language is no switch.
            same = [k for k in range(len(cuts)) if found[k].best[0] == found[k + 1].best[0]]
            if same:
                del cuts[same[0]]
                continue
            strength = [
                min(found[k].best[1], found[k + 1].best[1])
                if min(parts[k].duration, parts[k + 1].duration) >= MIN_DETECTION_SECONDS else 0.0
                for k in range(len(cuts))
            ]
            weakest = int(np.argmin(strength))
            if strength[weakest] < SWITCH_PROBABILITY:
                del cuts[weakest]
                continue
            logger.info(
                "language switches inside a turn at %s s (%s)",
                ", ".join(f"{c:.2f}" for c in cuts), " -> ".join(d.best[0] for d in found),
            )
            return [(Unit(p, unit.speaker), d) for p, d in zip(parts, found)]
        return [(unit, detection)]

    # -- 4. the choice -----------------------------------------------------------
    def _choose(self, pieces: Sequence[_Piece]) -> list[LanguageChoice]:
        # This window's evidence: the best language of every piece long enough to judge.
        window = LanguageHistory()
        for p in pieces:
            if p.detection is not None:
                window.add(p.unit.speaker, p.detection.best[0], p.detection.seconds, p.detection.best[1])
        evidence = self.history.merged(window)
        return [p.fixed if p.fixed is not None else self._choice(p, evidence) for p in pieces]

    def _choice(self, piece: _Piece, evidence: LanguageHistory) -> LanguageChoice:
        d, speaker = piece.detection, piece.unit.speaker
        # The prior is the speaker's other speech: this piece's own evidence is left out.
        others = evidence.without(speaker, d.best[0], d.seconds, d.best[1])
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

    # -- 5. which windows can be decoded as encoded ------------------------------
    def _plan(self, audio, pieces, choices, first, encoded, split_packs):
        windows: list[tuple[Pack, np.ndarray, str]] = []
        owners: list[list[int]] = []
        of_pack: dict[int, list[int]] = {}
        for i, p in enumerate(pieces):
            of_pack.setdefault(p.pack, []).append(i)
        again: list[int] = []
        for k, (pack, _) in enumerate(first):
            members = of_pack.get(k, [])
            languages = {choices[i].language for i in members}
            if k not in split_packs and len(languages) == 1:
                windows.append((pack, encoded[k], languages.pop()))
                owners.append(members)
            else:
                again += members
        if again:
            units = [p.unit for p in pieces]
            packs: list[tuple[Pack, str]] = []
            for language in dict.fromkeys(choices[i].language for i in again):
                chosen = [i for i in again if choices[i].language == language]
                packs += [(pack, language) for pack in pack_units(chosen, units)]
            for (pack, language), enc in zip(packs, self.transcriber.encode([p.audio(audio) for p, _ in packs])):
                windows.append((pack, enc, language))
                owners.append(list(pack.units))
            logger.info("%d of %d decode windows mixed languages and were packed again", len({pieces[i].pack for i in again}), len(first))
        # Pack indices of re-packed windows are piece indices; first-round packs hold unit
        # indices: both are translated to piece indices by position in ``owners``.
        return windows, owners

    # -- 6. loops and skipped speech ---------------------------------------------
    def _reread_if_looping(self, audio, unit: Unit, choice: LanguageChoice, segments: list[Segment], unbiased: bool) -> list[Segment]:
        if not self.transcriber.options.reread_loops:
            return segments
        if not any((s.compression_ratio or 0.0) > LOOP_COMPRESSION_RATIO for s in segments):
            return segments
        clip = audio[seconds_to_samples(unit.span.start) : seconds_to_samples(unit.span.end)]
        again = self.transcriber.read_alone(clip, choice.language, unbiased=unbiased)
        if again is None:
            return segments
        logger.info("a looping reading at %.1f-%.1f s was read again", unit.span.start, unit.span.end)
        return [_shift(s, unit.span.start) for s in again]

    def _skipped(self, audio, unit: Unit, choice: LanguageChoice, segments: list[Segment], unbiased: bool) -> list[Segment]:
        """Speech of the unit with no word, heard again alone (Whisper skips a last sentence at times)."""
        covered = [w.span for s in segments for w in s.words] or [s.span for s in segments if s.text]
        missed = uncovered([unit.span], covered, self.gap_seconds)
        if not missed:
            return []
        return self.transcribe_stretches(audio, [(m, choice.language) for m in missed], 0.0, unbiased=unbiased)

    def _remember(self, pieces: Sequence[_Piece], choices: Sequence[LanguageChoice]) -> None:
        for p, c in zip(pieces, choices):
            if c.source == "forced":
                continue
            self.history.add(p.unit.speaker, c.language, p.unit.span.duration, c.probability if c.source == "detected" else None)
            self._previous = c.language


def _packs_by_key(units: Sequence[Unit], keys: Sequence[str]) -> list[tuple[Pack, str]]:
    out = []
    for key in dict.fromkeys(keys):
        chosen = [i for i, k in enumerate(keys) if k == key]
        out += [(pack, key) for pack in pack_units(chosen, units)]
    return out


def _map_back(segments: Sequence[Segment], pack: Pack, units: Sequence[Unit], owner: Sequence[int]):
    """(owner index, segment in real time) for each piece of each decoded segment.

    ``pack`` refers to units by their index in the list it was packed from;
    ``units[j]`` is the unit ``owner[j]``, in the order of ``pack.units``.
    """
    index_of = {u: j for j, u in enumerate(pack.units)}
    local = {u: units[index_of[u]] for u in pack.units}
    for seg in segments:
        groups: list[tuple[int, list[Word]]] = []
        for w in seg.words:
            start, end, run = pack.to_real(w.start, w.end)
            u = unit_at(local, run, (start + end) / 2)
            word = replace(w, start=round(start, 3), end=round(end, 3))
            if groups and groups[-1][0] == u:
                groups[-1][1].append(word)
            else:
                groups.append((u, [word]))
        if not groups:
            if not seg.text:
                continue
            start, end, run = pack.to_real(seg.start, seg.end)
            u = unit_at(local, run, (start + end) / 2)
            yield owner[index_of[u]], replace(seg, start=round(start, 3), end=round(end, 3))
            continue
        whole = len(groups) == 1
        for u, words in groups:
            start, end = words[0].start, words[-1].end
            if whole:
                s0, s1, _ = pack.to_real(seg.start, seg.end)
                start, end = min(start, s0), max(end, s1)
            yield owner[index_of[u]], replace(
                seg,
                start=round(start, 3),
                end=round(end, 3),
                text=seg.text if whole else "".join(w.text for w in words).strip(),
                words=tuple(words),
            )


def _finish(seg: Segment, choice: LanguageChoice, offset: float) -> Segment:
    shifted = _shift(seg, offset)
    return replace(
        shifted,
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
    """The quietest 20 ms of ``audio`` within ``reach`` of ``t`` (and inside ``within``): where to cut."""
    lo = max(within.start + MIN_DETECTION_SECONDS / 2, t - reach)
    hi = min(within.end - MIN_DETECTION_SECONDS / 2, t + reach)
    if hi - lo < frame:
        return t
    a, b = seconds_to_samples(lo), seconds_to_samples(hi)
    step = int(frame * SAMPLE_RATE)
    x = audio[a:b]
    n = x.size // step
    if n == 0:
        return t
    energy = (x[: n * step].reshape(n, step).astype(np.float64) ** 2).mean(axis=1)
    return lo + (int(np.argmin(energy)) + 0.5) * frame
