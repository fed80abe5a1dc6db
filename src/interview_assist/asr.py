"""On-device speech recognition with faster-whisper.

The batched pipeline of faster-whisper decodes several ≤30 s speech chunks at
once, which on a CPU is several times faster than the sequential decoder, and
it decodes at temperature 0 only, with no random temperature fallback. The
random generator of CTranslate2 is seeded as well, so a recording gives the
same transcript on every run.

Language: when none is forced, it is detected for every chunk (faster-whisper's
``multilingual`` mode), and each segment records the language of its chunk.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import ctranslate2
import numpy as np
from faster_whisper import BatchedInferencePipeline, WhisperModel

from .errors import InputError, ModelError
from .models import ModelCatalog, ModelSpec
from .spans import Span
from .transcript import Segment, Word

logger = logging.getLogger("interview_assist")


@dataclass(frozen=True, slots=True)
class AsrOptions:
    """Decoding settings; all of them are stored with each interview."""

    language: str | None = None
    beam_size: int = 5
    batch_size: int = 8
    compute_type: str = "int8"
    cpu_threads: int = 0  # 0: every core
    seed: int = 0
    initial_prompt: str | None = None
    hotwords: str | None = None

    def threads(self) -> int:
        return self.cpu_threads or os.cpu_count() or 1


class _LanguageRecordingPipeline(BatchedInferencePipeline):
    """The batched pipeline, also keeping the language detected for each chunk.

    faster-whisper detects a language per chunk in ``multilingual`` mode but
    does not put it on the segments; this records it by chunk offset.
    """

    def __init__(self, model: WhisperModel):
        super().__init__(model)
        self.chunk_languages: dict[float, tuple[str, float]] = {}
        self._pending: list[tuple[str, float]] = []

    def generate_segment_batched(self, features, tokenizer, options):
        encoder_output, output = super().generate_segment_batched(features, tokenizer, options)
        if options.multilingual:
            # Same call the parent makes; it is cheap next to the decoder.
            detected = self.model.model.detect_language(encoder_output)
            self._pending = [
                (langs[0][0][2:-2], float(langs[0][1])) for langs in detected
            ]
        else:
            self._pending = []
        return encoder_output, output

    def forward(self, features, tokenizer, chunks_metadata, options):
        outputs = super().forward(features, tokenizer, chunks_metadata, options)
        for meta, lang in zip(chunks_metadata, self._pending):
            self.chunk_languages[round(meta["offset"], 3)] = lang
        return outputs


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

    @property
    def multilingual(self) -> bool:
        return self.model.model.is_multilingual

    def transcribe(self, audio: np.ndarray, chunks: list[Span], offset: float = 0.0) -> list[Segment]:
        """Transcribe the speech ``chunks`` (seconds into ``audio``) of one window.

        ``offset`` (seconds) is added to every time, so results are relative
        to the start of the recording.
        """
        if not chunks:
            return []
        opts = self.options
        forced = opts.language or (None if self.multilingual else "en")
        ctranslate2.set_random_seed(opts.seed)
        self._pipeline.chunk_languages.clear()
        segments, info = self._pipeline.transcribe(
            audio,
            language=forced,
            multilingual=forced is None,
            beam_size=opts.beam_size,
            batch_size=opts.batch_size,
            word_timestamps=True,
            # With timestamp tokens, Whisper splits a chunk into sentences and
            # drops less speech at chunk ends than in one untimed run (fewer
            # gaps measured on the interview mixtures, and faster).
            without_timestamps=False,
            clip_timestamps=[{"start": c.start, "end": c.end} for c in chunks],
            initial_prompt=opts.initial_prompt,
            hotwords=opts.hotwords,
        )
        starts = sorted(self._pipeline.chunk_languages)
        out: list[Segment] = []
        for seg in segments:
            if forced:
                language, probability = forced, 1.0 if opts.language else None
            else:
                language, probability = self._language_at(starts, seg.start, info.language)
            words = tuple(
                Word(
                    start=round(w.start + offset, 3),
                    end=round(w.end + offset, 3),
                    text=w.word,
                    probability=round(float(w.probability), 4),
                )
                for w in seg.words or ()
            )
            out.append(
                Segment(
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
            )
        return out

    def _language_at(self, starts: list[float], t: float, fallback: str) -> tuple[str, float | None]:
        chosen = None
        for s in starts:
            if s <= t + 1e-3:
                chosen = s
            else:
                break
        if chosen is None:
            return fallback, None
        return self._pipeline.chunk_languages[chosen]
