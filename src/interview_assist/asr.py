"""On-device speech recognition with faster-whisper.

The batched pipeline of faster-whisper decodes several ≤30 s speech chunks at
once, which on a CPU is several times faster than the sequential decoder, and
it decodes at temperature 0 only, with no temperature fallback. A chunk whose
reading loops (a segment with a compression ratio above 2.4, faster-whisper's
own threshold) is read again by the sequential decoder, still at temperature
0: as it is, then, if it loops too, with no 4-token sequence allowed twice.
The first reading that does not loop replaces the loop; if both loop, the
loop stays and is flagged. Sampling at higher temperatures, as faster-whisper's
own fallback does, was tried and not kept: its random generator is seeded per
thread once, so a second reading in the same process came out differently.
No sampling means a recording gives the same transcript on every run.

Language: when none is forced, it is detected for every chunk (faster-whisper's
``multilingual`` mode), and each segment records the language of its chunk.
"""

from __future__ import annotations

import bisect
import copy
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, replace

import ctranslate2
import numpy as np
from faster_whisper import BatchedInferencePipeline, WhisperModel

from .errors import InputError, ModelError
from .models import ModelCatalog, ModelSpec
from .spans import SAMPLE_RATE, Span
from .transcript import Segment, Word
from .vad import MAX_CHUNK_SECONDS, group_for_asr

logger = logging.getLogger("interview_assist")

# faster-whisper's threshold above which a reading is repetitive (a loop).
LOOP_COMPRESSION_RATIO = 2.4
# The re-readings of a looping chunk, in order: plain, then with repeats forbidden.
REREADINGS = ({}, {"no_repeat_ngram_size": 4})


@dataclass(frozen=True, slots=True)
class AsrOptions:
    """Decoding settings; all of them are stored with each interview."""

    language: str | None = None
    beam_size: int = 5
    # 4 is as fast as 8 on 2 cores and needs about 200 MiB less at peak.
    batch_size: int = 4
    compute_type: str = "int8"
    cpu_threads: int = 0  # 0: every core
    seed: int = 0
    initial_prompt: str | None = None
    hotwords: str | None = None
    # Read a looping chunk again with the sequential decoder (see the module docstring).
    reread_loops: bool = True

    def threads(self) -> int:
        return self.cpu_threads or os.cpu_count() or 1


class _DetectionRecorder:
    """Stands in for the CTranslate2 model and remembers its last language detection.

    In ``multilingual`` mode the batched pipeline detects the language of each
    chunk from the encoder output but does not put it on the segments.
    Recording the answer avoids running the detection a second time.
    """

    def __init__(self, model):
        self._model = model
        self.last: list[tuple[str, float]] = []

    def detect_language(self, *args, **kwargs):
        result = self._model.detect_language(*args, **kwargs)
        self.last = [(langs[0][0][2:-2], float(langs[0][1])) for langs in result]
        return result

    def __getattr__(self, name):
        return getattr(self._model, name)


class _LanguageRecordingPipeline(BatchedInferencePipeline):
    """The batched pipeline, also keeping the language detected for each chunk."""

    def __init__(self, model: WhisperModel):
        super().__init__(model)
        self.recorder = _DetectionRecorder(model.model)
        model.model = self.recorder
        self.chunk_languages: dict[float, tuple[str, float]] = {}

    def forward(self, features, tokenizer, chunks_metadata, options):
        self.recorder.last = []
        outputs = super().forward(features, tokenizer, chunks_metadata, options)
        if options.multilingual:
            for meta, lang in zip(chunks_metadata, self.recorder.last):
                self.chunk_languages[round(meta["offset"], 3)] = lang
        return outputs


class Vocabulary:
    """How a Whisper model writes words: whole, or in pieces.

    Ordinary words of English are mostly one token of the model's vocabulary,
    or two. A word it writes in three or more pieces and hears with little
    confidence is often its guess at a name it does not know
    ("unseparation", un-se-par-ation, for Anseba).
    """

    def __init__(self, tokenizer) -> None:
        from tokenizers.pre_tokenizers import ByteLevel

        self._tokenizer = tokenizer
        self._bytes = ByteLevel(add_prefix_space=False)
        self._pieces: dict[str, int] = {}

    def pieces(self, word: str) -> int:
        """1 for a word the vocabulary holds whole, else the tokens it is encoded with."""
        if word not in self._pieces:
            self._pieces[word] = self._count(word)
        return self._pieces[word]

    def _count(self, word: str) -> int:
        # Whole: a token of its own after a space, in any common casing.
        for form in {word, word.lower(), word.capitalize()}:
            (piece, _), *rest = self._bytes.pre_tokenize_str(" " + form)
            if not rest and self._tokenizer.token_to_id(piece) is not None:
                return 1
        return len(self._tokenizer.encode(" " + word, add_special_tokens=False).ids)


def check_language(code: str) -> None:
    """Refuse a language code no Whisper model knows (before any work, e.g. for a whole batch)."""
    from faster_whisper.tokenizer import _LANGUAGE_CODES  # what WhisperModel.supported_languages lists

    if code not in _LANGUAGE_CODES:
        raise InputError(f"unknown language code {code!r}")


class Transcriber:
    """A loaded, verified Whisper model. Load once, transcribe many windows."""

    def __init__(self, catalog: ModelCatalog, model: str | None, options: AsrOptions):
        self.spec: ModelSpec = catalog.get(model)
        if self.spec.kind != "whisper":
            raise ModelError(f"model {self.spec.name!r} is not a Whisper model")
        if self.spec.english_only and options.language not in (None, "en"):
            raise InputError(
                f"model {self.spec.name!r} transcribes English only; "
                f"--language {options.language} needs a multilingual model"
            )
        catalog.verify(self.spec)
        self.options = options
        try:
            self.model = WhisperModel(
                str(self.spec.directory),
                device="cpu",
                compute_type=options.compute_type,
                cpu_threads=options.threads(),
                local_files_only=True,
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelError(f"model {self.spec.name!r} failed to load: {exc}") from None
        if options.language is not None and options.language not in self.model.supported_languages:
            raise InputError(f"unknown language code {options.language!r}")
        self._pipeline = _LanguageRecordingPipeline(self.model)
        # Outlives release(), and is shared by with_hotwords copies.
        self._vocabulary = Vocabulary(self.model.hf_tokenizer)

    @property
    def multilingual(self) -> bool:
        return self.model.model.is_multilingual

    def vocabulary(self) -> Vocabulary:
        """The model's word pieces; kept after :meth:`release`."""
        return self._vocabulary

    def with_hotwords(self, hotwords: str | None) -> Transcriber:
        """The same loaded model, decoding with these hotwords (one interview's glossary)."""
        twin = copy.copy(self)
        twin.options = replace(self.options, hotwords=hotwords)
        return twin

    def release(self) -> None:
        """Free the model's memory; ``spec`` and ``options`` stay readable."""
        self.model = None
        self._pipeline = None

    def transcribe(
        self,
        audio: np.ndarray,
        chunks: list[Span],
        offset: float = 0.0,
        on_progress: Callable[[float], None] | None = None,
        unbiased: bool = False,
    ) -> list[Segment]:
        """Transcribe the speech ``chunks`` (seconds into ``audio``) of one window.

        ``offset`` (seconds) is added to every time, so results are relative
        to the start of the recording. ``on_progress`` is called with the end
        time of each segment as decoding reaches it. ``unbiased`` decodes
        without the hotwords and initial prompt.
        """
        if not chunks:
            return []
        opts = self.options
        forced = opts.language or (None if self.multilingual else "en")
        ctranslate2.set_random_seed(opts.seed)
        self._pipeline.chunk_languages.clear()
        segments, _ = self._pipeline.transcribe(
            audio,
            # Without a forced language, each chunk's own detection replaces
            # this placeholder; giving one skips a whole-window detection pass.
            language=forced or "en",
            multilingual=forced is None,
            beam_size=opts.beam_size,
            batch_size=opts.batch_size,
            word_timestamps=True,
            # With timestamp tokens, Whisper splits a chunk into sentences and
            # drops less speech at chunk ends than in one untimed run (fewer
            # gaps measured on the interview mixtures, and faster).
            without_timestamps=False,
            clip_timestamps=[{"start": c.start, "end": c.end} for c in chunks],
            initial_prompt=None if unbiased else opts.initial_prompt,
            hotwords=None if unbiased else opts.hotwords,
        )
        out: list[Segment] = []
        for seg in segments:  # decoding happens batch by batch as this loop runs
            if on_progress is not None:
                on_progress(offset + seg.end)
            if forced:
                language, probability = forced, 1.0 if opts.language else None
            else:
                language, probability = self._language_at(seg.start)
            out.append(_segment(seg, offset, language, probability))
        if opts.reread_loops:
            out = self._reread_loops(audio, chunks, out, offset, unbiased)
        return out

    def _reread_loops(self, audio: np.ndarray, chunks: list[Span], segments: list[Segment], offset: float, unbiased: bool) -> list[Segment]:
        """Each chunk whose reading loops, read again by the sequential decoder.

        The new reading replaces the chunk's segments only when none of its
        own segments loops; otherwise the loop stays, and is flagged later.
        """
        for chunk in chunks:
            inside = [chunk.start - 1e-3 <= s.start - offset < chunk.end for s in segments]
            looping = [s for s, i in zip(segments, inside) if i and (s.compression_ratio or 0.0) > LOOP_COMPRESSION_RATIO]
            if not looping:
                continue
            again = self._read_sequentially(audio, chunk, offset, looping[0], unbiased)
            if again is None:
                continue
            logger.info("a looping reading at %.1f-%.1f s was read again", chunk.start + offset, chunk.end + offset)
            segments = sorted([s for s, i in zip(segments, inside) if not i] + again, key=lambda s: s.start)
        return segments

    def _read_sequentially(self, audio: np.ndarray, chunk: Span, offset: float, looping: Segment, unbiased: bool) -> list[Segment] | None:
        """The first of the :data:`REREADINGS` of ``chunk`` that does not loop, or None."""
        opts = self.options
        clip = audio[int(chunk.start * SAMPLE_RATE) : int(chunk.end * SAMPLE_RATE)]
        for extra in REREADINGS:
            segments, _ = self.model.transcribe(
                clip,
                language=looping.language,
                beam_size=opts.beam_size,
                word_timestamps=True,
                temperature=0.0,
                condition_on_previous_text=False,
                vad_filter=False,
                initial_prompt=None if unbiased else opts.initial_prompt,
                hotwords=None if unbiased else opts.hotwords,
                **extra,
            )
            again = [_segment(seg, offset + chunk.start, looping.language, looping.language_probability) for seg in segments]
            if again and all(s.compression_ratio <= LOOP_COMPRESSION_RATIO for s in again):
                return again
        return None

    def _language_at(self, t: float) -> tuple[str, float | None]:
        """The language detected for the chunk that holds time ``t``.

        The table fills batch by batch while the segments are decoded.
        """
        starts = sorted(self._pipeline.chunk_languages)
        i = bisect.bisect_right(starts, t + 1e-3) - 1
        return self._pipeline.chunk_languages[starts[max(i, 0)]]

    def transcribe_stretches(
        self, audio: np.ndarray, stretches: list[Span], offset: float = 0.0, gap: float = 0.3, unbiased: bool = False
    ) -> list[Segment]:
        """Transcribe short, scattered ``stretches`` of ``audio``, packed together.

        Whisper encodes 30 s whatever the chunk length, so short stretches
        are joined (with ``gap`` seconds of silence between them) into shared
        chunks, and the words are mapped back to their own stretch. Returns
        one segment per stretch that produced words.
        """
        pieces: list[np.ndarray] = []
        placed: list[tuple[Span, Span]] = []  # (where in the packed audio, where really)
        cursor = 0.0
        silence = np.zeros(int(gap * SAMPLE_RATE), dtype=np.float32)
        for real in stretches:
            clip = audio[int(real.start * SAMPLE_RATE) : int(real.end * SAMPLE_RATE)]
            packed = Span(cursor, cursor + clip.size / SAMPLE_RATE)
            placed.append((packed, real))
            pieces += [clip, silence]
            cursor = packed.end + gap
        if not placed:
            return []
        packed_audio = np.concatenate(pieces)
        chunks = group_for_asr([p for p, _ in placed], MAX_CHUNK_SECONDS - 2)
        by_stretch: dict[int, list[tuple[Word, Segment]]] = {}
        for seg in self.transcribe(packed_audio, chunks, unbiased=unbiased):
            for w in seg.words:
                i = min(range(len(placed)), key=lambda k: _distance(placed[k][0], w.span.middle))
                packed, real = placed[i]
                shift = real.start - packed.start + offset
                start = min(max(w.start + shift, real.start + offset), real.end + offset)
                end = min(max(w.end + shift, start), real.end + offset)
                by_stretch.setdefault(i, []).append((Word(round(start, 3), round(end, 3), w.text, w.probability), seg))
        out = []
        for i in sorted(by_stretch):
            words = tuple(w for w, _ in by_stretch[i])
            first = by_stretch[i][0][1]
            out.append(
                Segment(
                    start=words[0].start,
                    end=words[-1].end,
                    text="".join(w.text for w in words).strip(),
                    language=first.language,
                    words=words,
                    language_probability=first.language_probability,
                    avg_logprob=first.avg_logprob,
                    no_speech_prob=first.no_speech_prob,
                    compression_ratio=first.compression_ratio,
                )
            )
        return out


def _segment(seg, offset: float, language: str, probability: float | None) -> Segment:
    """A faster-whisper segment, its times shifted by ``offset`` seconds."""
    words = tuple(
        Word(start=round(w.start + offset, 3), end=round(w.end + offset, 3), text=w.word, probability=round(float(w.probability), 4))
        for w in seg.words or ()
    )
    return Segment(
        start=round(seg.start + offset, 3),
        end=round(seg.end + offset, 3),
        text=seg.text.strip(),
        language=language,
        words=words,
        language_probability=probability,
        avg_logprob=float(seg.avg_logprob),
        no_speech_prob=float(seg.no_speech_prob),
        compression_ratio=float(seg.compression_ratio),
    )


def _distance(span: Span, t: float) -> float:
    return 0.0 if span.start <= t <= span.end else min(abs(t - span.start), abs(t - span.end))
