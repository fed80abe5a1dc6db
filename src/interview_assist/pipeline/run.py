"""From a recording to a draft transcript, in this order:

1. **speakers and windows**, in one pass over the recording, before the
   speech model loads: diarization of the whole recording
   (:mod:`interview_assist.speakers.diarize`), so that speech recognition
   knows who speaks when; and the recording in windows of a few minutes
   (:mod:`interview_assist.pipeline.windows`), each cut at a pause in
   speech so no word straddles two, with voice activity on the original
   audio and the denoise decision of each window; memory depends on the
   window length, not on the length of the recording;
3. **units**: the speech cut at every change of speaker
   (:mod:`interview_assist.asr.units`);
4. **text**: every unit decoded on its own, in its own language, detected
   per unit with the speaker's languages as prior, and split where its
   language switches (:mod:`interview_assist.asr.decoding`);
5. **flags**: loops, invented phrases, gaps and doubtful languages
   (:mod:`interview_assist.asr.hallucination`), then every word given its
   speaker (:mod:`interview_assist.speakers.attribution`), roles proposed, and names
   flagged (:mod:`interview_assist.names`).

Nothing here writes anywhere: :func:`transcribe` returns a
:class:`~interview_assist.core.transcript.Transcript` and the caller stores it.
"""

from __future__ import annotations

import gc
import logging
import os
from dataclasses import asdict, dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from interview_assist.asr.decoding import TurnDecoder
from interview_assist.asr.hallucination import (
    HallucinationSettings,
    gap_reason,
    gap_segments,
    language_flags,
    segment_flags,
    shortened_loops,
)
from interview_assist.asr.heard_again import read_stretches
from interview_assist.asr.language_doubts import declared_languages, rare_languages
from interview_assist.asr.transcriber import AsrOptions, Transcriber
from interview_assist.asr.units import speech_units
from interview_assist.audio import decode as audio_io
from interview_assist.audio.denoise import DenoiseMode, DenoiseSettings
from interview_assist.audio.vad import VadSettings, uncovered
from interview_assist.core.errors import AudioError
from interview_assist.core.heap import release_free_memory
from interview_assist.core.kernels import kernel_record
from interview_assist.core.models import ModelCatalog
from interview_assist.core.progress import ProgressHook, no_progress
from interview_assist.core.spans import SAMPLE_RATE, Span
from interview_assist.core.transcript import DenoiseDecision, Diarization, Flag, GlossaryEntry, ModelUsed, Segment, SpeakerTurn, Transcript
from interview_assist.names.detect import NameFinder
from interview_assist.names.gazetteer import Gazetteer
from interview_assist.names.glossary import hotwords, list_word_keys
from interview_assist.names.normalize import key
from interview_assist.names.options import NameOptions
from interview_assist.pipeline.settings import RunSettings
from interview_assist.pipeline.windows import plan_windows, planned_audio
from interview_assist.speakers.attribution import attribute
from interview_assist.speakers.diarize import Diarizer
from interview_assist.speakers.options import DiarizeOptions
from interview_assist.speakers.roles import expected_participants, propose_roles

logger = logging.getLogger("interview_assist")


@dataclass(frozen=True, slots=True)
class PipelineOptions:
    """Everything that shapes a transcript; stored with every interview."""

    model: str | None = None
    denoise: DenoiseMode = DenoiseMode.AUTO
    asr: AsrOptions = field(default_factory=AsrOptions)
    vad: VadSettings = field(default_factory=VadSettings)
    denoise_settings: DenoiseSettings = field(default_factory=DenoiseSettings)
    hallucination: HallucinationSettings = field(default_factory=HallucinationSettings)
    # Diarization: on unless switched off. Without an explicit speaker
    # count, the interview type sets it: officer and applicant, plus the
    # interpreter when there is one.
    diarize: bool = True
    interpreter: bool = True
    speakers: DiarizeOptions = field(default_factory=DiarizeOptions)
    names: NameOptions = field(default_factory=NameOptions)
    # Languages set by a person for some speakers, as (label, code) pairs: their
    # speech is decoded in that language; a code the model lacks (e.g. ti)
    # flags all of it instead. ``asr.language`` forces one for everybody.
    speaker_languages: tuple[tuple[str, str], ...] = ()
    window_seconds: float = 240.0
    # Only pauses in the last part of a window are considered for the cut.
    cut_search_seconds: float = 60.0

    def __post_init__(self) -> None:
        # Accept "auto" as well as DenoiseMode.AUTO, and a mapping of speaker languages, at the API edge.
        object.__setattr__(self, "denoise", DenoiseMode(self.denoise))
        pairs = self.speaker_languages.items() if isinstance(self.speaker_languages, dict) else self.speaker_languages
        object.__setattr__(self, "speaker_languages", tuple(sorted((str(k), str(v)) for k, v in pairs)))

    @classmethod
    def from_settings(cls, settings: RunSettings, cpu_threads: int = 0) -> PipelineOptions:
        """The engine's options for what a person set (the one builder: ``transcribe``, ``batch``, a manifest row)."""
        return cls(
            model=settings.model,
            denoise=DenoiseMode(settings.denoise),
            asr=AsrOptions(language=settings.language, cpu_threads=cpu_threads),
            diarize=settings.diarize,
            interpreter=settings.interpreter,
            speakers=DiarizeOptions(
                num_speakers=settings.speakers, min_speakers=settings.min_speakers, max_speakers=settings.max_speakers
            ),
            names=NameOptions(bias=settings.bias),
            speaker_languages=settings.speaker_languages,
        )

    @property
    def speaker_counts(self) -> DiarizeOptions:
        """The speaker numbers to diarize with: as given, else from the interview type."""
        s = self.speakers
        if s.num_speakers is None and s.min_speakers is None and s.max_speakers is None:
            return replace(s, num_speakers=expected_participants(self.interpreter))
        return s


def _settings_record(
    options: PipelineOptions, transcriber: Transcriber, diarization_models: tuple[ModelUsed, ...] | None
) -> dict[str, Any]:
    def version(pkg: str) -> str | None:
        try:
            return metadata.version(pkg)
        except metadata.PackageNotFoundError:
            return None

    record = asdict(options)
    # The loaded model and its decoding options are what actually ran.
    record["model"] = transcriber.spec.name
    record["asr"] = asdict(transcriber.options)
    record["denoise"] = options.denoise.value
    if options.denoise is DenoiseMode.AUTO and transcriber.spec.denoise_coloured_min_snr_db is not None:
        record["denoise_coloured_min_snr_db"] = transcriber.spec.denoise_coloured_min_snr_db
    if diarization_models is not None:
        record["speakers"] = asdict(options.speaker_counts)
        record["diarization_models"] = {m.name: m.sha256 for m in diarization_models}
    record["versions"] = {
        p: version(p)
        for p in (
            "interview-assist", "faster-whisper", "ctranslate2", "noisereduce", "av", "onnxruntime",
        )
    }
    record["kernels"] = kernel_record()  # int8 drafts differ between CPUs (see core/kernels.py)
    return record


def transcribe(
    path: str | os.PathLike[str],
    options: PipelineOptions = PipelineOptions(),
    *,
    catalog: ModelCatalog | None = None,
    transcriber: Transcriber | None = None,
    diarizer: Diarizer | None = None,
    gazetteer: Gazetteer | None = None,
    glossary: tuple[GlossaryEntry, ...] = (),
    progress: ProgressHook = no_progress,
    info: audio_io.AudioInfo | None = None,
) -> Transcript:
    """Transcribe one recording into a draft :class:`Transcript`.

    The audio is checked before any model is loaded, so bad input fails at
    once. Pass a loaded ``transcriber``, ``diarizer`` or ``gazetteer`` to
    reuse them across recordings. ``glossary`` holds the names of the case
    file: they bias the decoding (unless ``options.names.bias`` is off), and
    every word taken from them is flagged for a person to verify. ``info``:
    the recording as :func:`interview_assist.audio.decode.probe` found it, if the
    caller has probed (and hashed) it already.
    """
    if info is None or Path(info.path) != Path(path):
        info = audio_io.probe(path)
    total = info.declared_duration
    catalog = catalog or ModelCatalog()
    spec = transcriber.spec if transcriber is not None else catalog.get(options.model)
    load_gazetteer = None
    if gazetteer is None:
        # Checked now, so that bad lists fail before any audio is heard; loaded after the
        # speech pass, where the names are flagged, as they were checked: the index (about
        # 185 MiB) is not held through it.
        progress("check gazetteers", completed=0, total=None)
        load_gazetteer = Gazetteer.prepare()
    diarization, diarization_models = None, None
    stream = None
    own_diarizer = diarizer is None
    if options.diarize:
        # First: speech recognition needs the turns. The speaker models are
        # small (onnxruntime, no torch); they hear the recording in the same
        # pass that finds its windows and speech.
        if diarizer is None:
            progress("load diarization models", completed=0, total=None)
            diarizer = Diarizer(catalog, options.speakers, threads=options.asr.cpu_threads)
        diarization_models = tuple(ModelUsed(m.name, m.sha256) for m in diarizer.models)
        stream = diarizer.stream(options.speaker_counts, progress=progress, total=total)
    fed = [0]

    def hear(block: np.ndarray) -> None:
        assert stream is not None
        stream.feed(block)
        fed[0] += block.size

    plans = plan_windows(
        path, window_seconds=options.window_seconds, cut_search_seconds=options.cut_search_seconds,
        vad=options.vad, denoise=options.denoise, coloured_min_snr_db=spec.denoise_coloured_min_snr_db,
        tap=hear if stream is not None else None,
    )
    if stream is not None:
        diarization = stream.finish()
        if own_diarizer:
            # The speaker models are done: free their sessions (and the
            # arenas onnxruntime keeps) before the speech model loads.
            stream = diarizer = None
            gc.collect()
            release_free_memory()
    diarized = fed[0] / SAMPLE_RATE
    if transcriber is None:
        progress("load model", completed=0, total=None)
        transcriber = Transcriber(catalog, options.model, options.asr)
    # Read now: the model may be released before the names are flagged.
    vocabulary = transcriber.vocabulary()
    biased = bool(glossary) and options.names.bias
    if biased:
        transcriber = transcriber.with_hotwords(hotwords(glossary))
    list_words = list_word_keys(glossary) if biased else set()
    unbiased: list[Segment] = []
    decoder = TurnDecoder(
        transcriber, speaker_languages=dict(options.speaker_languages), gap_seconds=options.hallucination.gap_seconds
    )
    turns = sorted(diarization.exclusive, key=lambda t: t.start) if diarization is not None else []

    segments: list[Segment] = []
    gaps: list[Span] = []
    duration = 0.0
    for plan, window_audio in planned_audio(path, plans, options.window_seconds, options.denoise_settings):
        progress("transcribe", completed=plan.offset, total=total)
        kept = list(plan.speech)
        units = speech_units(kept, _turns_within(turns, plan.offset, plan.offset + plan.cut))
        window_segments = decoder.transcribe(
            window_audio, units, plan.offset,
            on_progress=lambda t: progress("transcribe", completed=t, total=total),
        )
        heard = [s.shifted(plan.offset) for s in kept]
        missed = gap_segments(heard, window_segments, options.hallucination)
        if list_words:
            # Where the list may have put words in, hear the audio again without it.
            suspect = [s for s in window_segments if _has_list_word(s, list_words)]
            unbiased += _hear_again(decoder, window_audio, plan.offset, heard, suspect, options)
        segments.extend(window_segments)
        gaps.extend(missed)
        duration = plan.offset + plan.cut
        progress("transcribe", completed=duration, total=total)
        # Drop this window's audio and give the heap's free pages back before the next window.
        del window_audio
        release_free_memory()
    decisions = [p.denoise for p in plans]

    if diarization is not None:
        _check_same_length(path, duration, diarized)
    transcript = _assemble(
        info, duration, transcriber, diarization_models, options, segments, gaps, decisions, diarization
    )
    if load_gazetteer is not None:
        progress("load gazetteers", completed=0, total=None)
        gazetteer = load_gazetteer()
    assert gazetteer is not None
    progress("flag names", completed=0, total=None)
    finder = NameFinder(gazetteer, glossary, options.names, biased=biased, vocabulary=vocabulary)
    return replace(transcript, glossary=tuple(glossary), name_flags=tuple(finder.flag(transcript.segments, unbiased)))


def _turns_within(turns: list[SpeakerTurn], start: float, end: float) -> list[SpeakerTurn]:
    """The turns overlapping [start, end), in the window's own clock (0 at ``start``)."""
    return [
        SpeakerTurn(t.start - start, t.end - start, t.speaker) for t in turns if t.end > start and t.start < end
    ]


def _hear_again(
    decoder: TurnDecoder, audio: np.ndarray, offset: float, heard: list[Span], suspect: list[Segment], options: PipelineOptions
) -> list[Segment]:
    """The ``suspect`` segments decoded again without the case glossary, each in its language.

    What that reading skips of the speech inside them is heard once more on
    its own, as for the first reading.
    """
    stretches = [(s.span.shifted(-offset), s.language) for s in suspect]
    again = read_stretches(decoder.transcriber, audio, stretches, offset, unbiased=True)
    covered = [w.span for s in again for w in s.words]
    missed = []
    for seg in suspect:
        inside = _within(heard, [seg.span])
        missed += [(m.shifted(-offset), seg.language) for m in uncovered(inside, covered, options.hallucination.gap_seconds)]
    if missed:
        again += read_stretches(decoder.transcriber, audio, missed, offset, unbiased=True)
    return again


def _within(spans: list[Span], bounds: list[Span]) -> list[Span]:
    """The parts of ``spans`` inside any of ``bounds``."""
    return [
        Span(max(s.start, b.start), min(s.end, b.end)) for s in spans for b in bounds if s.overlap(b) > 0
    ]


def _has_list_word(segment: Segment, keys: set[str]) -> bool:
    return any(k in keys for w in segment.words for k in (key(w.text),))


def _check_same_length(path: str | os.PathLike[str], transcribed: float, diarized: float) -> None:
    if abs(diarized - transcribed) > 1.0:
        raise AudioError(
            f"{path}: the recording changed while it was being processed "
            f"({transcribed:.1f} s transcribed, {diarized:.1f} s diarized)"
        )


def _assemble(
    info: audio_io.AudioInfo,
    duration: float,
    transcriber: Transcriber,
    diarization_models: tuple[ModelUsed, ...] | None,
    options: PipelineOptions,
    segments: list[Segment],
    gaps: list[Span],
    decisions: list[DenoiseDecision],
    diarization: Diarization | None,
) -> Transcript:
    placeholders = [Segment(start=g.start, end=g.end, text="", language="") for g in gaps]
    ordered = attribute(sorted(segments + placeholders, key=lambda s: (s.start, s.end)), diarization)
    ordered = declared_languages(ordered, dict(options.speaker_languages))
    if options.asr.language is None:  # a forced language is a person's decision
        ordered = rare_languages(ordered, skip_speakers=frozenset(dict(options.speaker_languages)))
    ordered, shortened = shortened_loops(ordered, options.hallucination)
    flags: list[Flag] = segment_flags(ordered, options.hallucination, shortened) + language_flags(ordered)
    for i, seg in enumerate(ordered):
        if not seg.text and not seg.words:
            flags.append(Flag("gap", gap_reason(seg.span), seg.start, seg.end, i))
    flags.sort(key=lambda f: (f.segment, f.kind))
    spec = transcriber.spec
    return Transcript(
        audio_path=str(Path(info.path).resolve()),
        audio_sha256=info.sha256,
        duration=round(duration, 3),
        model=ModelUsed(spec.name, spec.sha256),
        settings=_settings_record(options, transcriber, diarization_models),
        segments=tuple(ordered),
        flags=tuple(flags),
        denoise=tuple(decisions),
        diarization=diarization,
        speakers=propose_roles(diarization, ordered, interpreter=options.interpreter),
    )
