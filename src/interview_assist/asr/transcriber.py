"""On-device speech recognition with faster-whisper: a loaded model and its three steps.

:class:`Transcriber` holds a verified Whisper model and exposes the steps
the turn-by-turn decoding (:mod:`interview_assist.asr.decoding`) is built from:

- :meth:`Transcriber.encode` runs the encoder over clips of speech (a
  speaker's turn), each at its own length with 2 s of silence after it
  (4 s after a short one), several at once;
- :meth:`Transcriber.detect` detects the language of an encoded clip, and
  :meth:`Transcriber.detect_stretches`, roughly, of parts of clips;
- :meth:`Transcriber.decode` decodes encoded clips, each in its own
  language, batched, with timestamps and word timestamps, with the settings
  of faster-whisper's batched pipeline (temperature 0, beam search).

Whisper pads every window to 30 s; here a clip is encoded at its length
plus 2 s. The encoder's work grows with its input, so a 6 s turn costs a
fifth of a 30 s window, and decoding each turn alone costs no more than
decoding windows of several turns. Measured on the code-switched interview
with each turn alone: WER 0.223 with 3 s of silence after it, 0.238 with 1
s, 0.226 padded to 30 s; with no silence after it the decoder loops.

The model runs a worker a core, one thread each, and each step shares its
calls out between the workers (:mod:`interview_assist.asr.workers`): a decode step of
whisper-base is too small to share between two threads, so two batches
decoded at once, one on each core, take about half the time of the same
batches one after the other on two threads.

A reading that loops (a segment with a compression ratio above 2.4,
faster-whisper's own threshold) is read again by the sequential decoder,
still at temperature 0: as it is, then, if it loops too, with no 4-token
sequence allowed twice (:meth:`Transcriber.read_alone`). Sampling at higher
temperatures, as faster-whisper's own fallback does, was tried and not kept:
its random generator is seeded per thread once, so a second reading in the
same process came out differently. No sampling means a recording gives the
same transcript on every run on one machine.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import ctranslate2
import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.audio import pad_or_trim
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.transcribe import get_compression_ratio, get_suppressed_tokens

from interview_assist.asr.hallucination import is_repetitive
from interview_assist.asr.language import NOT_SPOKEN, Detection
from interview_assist.asr.readings import Reading, most_tokens, said
from interview_assist.asr.vocabulary import Vocabulary
from interview_assist.asr.workers import Workers
from interview_assist.core.errors import InputError, ModelError
from interview_assist.core.kernels import usable_cores
from interview_assist.core.models import ModelCatalog, ModelSpec
from interview_assist.core.spans import Span
from interview_assist.core.transcript import Segment, Word

logger = logging.getLogger("interview_assist")

# The re-readings of a looping chunk, in order: plain, then with repeats forbidden.
REREADINGS: tuple[dict[str, int], ...] = ({}, {"no_repeat_ngram_size": 4})
# The encoder gives one frame every 20 ms.
ENCODER_FRAMES_PER_SECOND = 50
# Silence after a clip in its encoder window: the decoder needs some to end
# its transcript (with none it loops), not the 30 s Whisper pads to.
ENCODE_PAD_SECONDS = 2.0
# A short clip (a reply, a sentence) needs more: with 2 s after it the
# decoder wrote "yes yes", "no never no never ...", "let's write" for
# "That's right", a 3.6 s sentence eight times. With 4 s, clips under 2.5 s
# read about as well as with 30 s, and clips of 2.5-5 s with 40 % fewer
# errors than with 2 s; clips of 5-10 s read the same with 2 or 4 s
# (benchmarks/short_clips.py).
SHORT_CLIP_SECONDS = 5.0
SHORT_CLIP_PAD_SECONDS = 4.0


def pad_frames(frames: int) -> int:
    """Feature frames of silence after a clip of ``frames`` feature frames (100 a second) in its window."""
    return int((SHORT_CLIP_PAD_SECONDS if frames < SHORT_CLIP_SECONDS * 100 else ENCODE_PAD_SECONDS) * 100)

N_FRAMES = 3000  # 30 s of feature frames, the most Whisper reads
# Audio per encoder call (one a worker at once): 4 clips of 12.6 s took 15 ms
# of encoder time per second of audio on 2 cores, 2 of them 10 ms
# (benchmarks/decode_choices.py, with one call at a time on two threads).
ENCODE_BATCH_SECONDS = 24.0
# Encoder window a decode batch holds, at most (batch_size clips, fewer when
# they are long), and of the batches decoded at once together: the decoder
# holds its cross-attention keys and values for every beam of every clip.
# Measured before this cap: a batch of 8 clips of 28 s took 783 MiB more than
# the model, 4 of them 356 MiB, 8 of 14 s 369 MiB. A long monologue, 28 s
# units one after the other, made such batches all through a window (then
# 4 of them a batch cost about 10 % more decoding time than 8, on one worker;
# now 2 a batch, two batches at once on two cores: benchmarks/memory.py
# --monologue, BENCHMARKS.md). A batch's size does not
# depend on the cores, so neither does the draft (a reading's word times
# depend on the clips aligned with it).
DECODE_BATCH_SECONDS = 60.0
DECODE_IN_FLIGHT_SECONDS = 120.0
# Encoder frames of the encodings detected in one call, at most: 64 probes
# of 2.5 s (125 frames), 5 clips of 28 s (1500); 16 MiB of input for
# whisper-base (512 values a frame), 39 MiB for a large model (1280). Short
# stretches are cheaper together: on whisper-base, 40 probes in one call took
# 4.1-4.8 ms each, 2 in one call 11-12 ms each (benchmarks/detect_batch.py).
DETECT_BATCH_FRAMES = 8000
# faster-whisper's defaults for word timestamps.
_PREPEND_PUNCTUATIONS = "\"'“¿([{-"
_APPEND_PUNCTUATIONS = "\"'.。,，!！?？:：”)]}、"


@dataclass(frozen=True, slots=True)
class AsrOptions:
    """Decoding settings; all of them are stored with each interview."""

    language: str | None = None
    beam_size: int = 5
    # Clips decoded together (of one encoded length, any languages): the
    # decoder's work per clip falls with the batch (8 took 12 % less CPU than
    # 4 on the sample interview, benchmarks/decode_choices.py).
    batch_size: int = 8
    # Clips encoded together, at most this many, and no more than
    # ENCODE_BATCH_SECONDS of audio in all: the encoder's work per second of
    # audio grows with a larger batch (cache), so a decode batch is encoded
    # in parts, all at the length of its longest clip.
    encode_batch_size: int = 4
    compute_type: str = "int8"
    # Cores used (0: every core): one CTranslate2 worker each, one thread a worker, several
    # calls at once (see interview_assist.asr.workers).
    cpu_threads: int = 0
    seed: int = 0
    initial_prompt: str | None = None
    hotwords: str | None = None
    # Read a looping chunk again with the sequential decoder (see the module docstring).
    reread_loops: bool = True

    def threads(self) -> int:
        """The cores to use: ``cpu_threads``, else those this process may run on."""
        return self.cpu_threads or usable_cores()


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
        self.calls = Workers(options.threads())
        try:
            self.model = WhisperModel(
                str(self.spec.directory),
                device="cpu",
                compute_type=options.compute_type,
                cpu_threads=1,
                num_workers=self.calls.count,
                local_files_only=True,
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelError(f"model {self.spec.name!r} failed to load: {exc}") from None
        if options.language is not None and options.language not in self.model.supported_languages:
            raise InputError(f"unknown language code {options.language!r}")
        # Outlives release(), and is shared by with_hotwords copies.
        self._vocabulary = Vocabulary(self.model.hf_tokenizer)
        self._tokenizers: dict[str, Tokenizer] = {}
        self._tokenizers_lock = threading.Lock()

    @property
    def workers(self) -> int:
        """CTranslate2 calls run at once: a worker a core, one thread each."""
        return self.calls.count

    @property
    def multilingual(self) -> bool:
        return bool(self.model.model.is_multilingual)

    def vocabulary(self) -> Vocabulary:
        """The model's word pieces; kept after :meth:`release`."""
        return self._vocabulary

    def with_hotwords(self, hotwords: str | None) -> Transcriber:
        """The same loaded model, decoding with these hotwords (one interview's glossary)."""
        twin = copy.copy(self)
        twin.options = replace(self.options, hotwords=hotwords)
        return twin

    def release(self) -> None:
        """Free the model's memory and its workers' threads; ``spec`` and ``options`` stay readable."""
        self.calls.close()
        self.model = None

    # -- the three steps --------------------------------------------------------
    def encode(self, clips: Sequence[np.ndarray]) -> list[np.ndarray]:
        """The encoder output of each clip (16 kHz, at most 28 s), followed by a little silence.

        A clip is encoded at its own length plus :data:`ENCODE_PAD_SECONDS`
        (:data:`SHORT_CLIP_PAD_SECONDS` after a short one: :func:`pad_frames`),
        not padded to 30 s: the encoder's work grows with its input, and
        Whisper's language detection and decoding need the speech at the
        start of the window, with silence after it, not 30 s of it. Clips of
        similar length are grouped (a decode batch), and a group is padded to
        its longest clip, so the outputs of one group have the same shape and
        can be decoded together.
        """
        out: list[np.ndarray | None] = [None] * len(clips)
        features = [self.model.feature_extractor(c)[..., :-1] for c in clips]
        order = sorted(range(len(clips)), key=lambda i: features[i].shape[-1])
        group, limit = max(1, self.options.batch_size), max(1, self.options.encode_batch_size)
        calls: list[tuple[list[int], int]] = []
        for k in range(0, len(order), group):
            chosen = order[k : k + group]
            length = min(N_FRAMES, max(features[i].shape[-1] + pad_frames(features[i].shape[-1]) for i in chosen))
            length += length % 2  # two feature frames make one encoder frame
            part = max(1, min(limit, int(ENCODE_BATCH_SECONDS * 100) // length))
            calls += [(chosen[j : j + part], length) for j in range(0, len(chosen), part)]
        if len(calls) == 1 and len(calls[0][0]) > 1:
            # One call of several clips (the sides of a cut): split, so that two workers have one
            # each (whatever the workers, so the calls do not depend on the cores).
            (some, length), half = calls[0], (len(calls[0][0]) + 1) // 2
            calls = [(some[:half], length), (some[half:], length)]

        def encode(call: tuple[list[int], int]) -> np.ndarray:
            some, length = call
            stacked = np.stack([pad_or_trim(features[i], length) for i in some])
            return np.array(self.model.model.encode(_storage(stacked), to_cpu=False))

        for (some, _), encoded in zip(calls, self.calls.each(encode, calls)):
            for i, e in zip(some, encoded):
                out[i] = e
        return out  # type: ignore[return-value]

    def detect_all(self, encoded: Sequence[np.ndarray]) -> list[Detection]:
        """:meth:`detect` of whole encoded clips, those of one shape together
        (:data:`DETECT_BATCH_FRAMES` a call at most). Languages no one is
        interviewed in (:data:`~interview_assist.asr.language.NOT_SPOKEN`) are left out."""
        out: list[Detection | None] = [None] * len(encoded)
        shapes: dict[tuple[int, ...], list[int]] = {}
        for i, e in enumerate(encoded):
            shapes.setdefault(e.shape, []).append(i)
        calls = []
        for shape, same in shapes.items():
            batch = max(1, DETECT_BATCH_FRAMES // max(1, shape[0]))
            calls += [same[k : k + batch] for k in range(0, len(same), batch)]

        def detect(indices: list[int]) -> list[list[tuple[str, float]]]:
            return list(self.model.model.detect_language(_storage(np.stack([encoded[i] for i in indices]))))

        for indices, results in zip(calls, self.calls.each(detect, calls)):
            for i, result in zip(indices, results):
                heard = {t[2:-2]: round(float(p), 4) for t, p in result}
                out[i] = Detection(encoded[i].shape[0] / ENCODER_FRAMES_PER_SECOND, {k: p for k, p in heard.items() if k not in NOT_SPOKEN})
        return out  # type: ignore[return-value]

    def detect(self, encoded: np.ndarray) -> Detection:
        """Language probabilities of an encoded clip."""
        return self.detect_all([encoded])[0]

    def detect_stretches(self, stretches: Sequence[tuple[np.ndarray, Span]]) -> list[Detection]:
        """:meth:`detect` of stretches of encoded clips, each (encoding, span in seconds from its start).

        Stretches of one length are detected together, whichever clip they come from.
        """
        pieces = []
        for encoded, span in stretches:
            first = int(span.start * ENCODER_FRAMES_PER_SECOND)
            last = int(math.ceil(span.end * ENCODER_FRAMES_PER_SECOND))
            pieces.append(encoded[first : max(first + 1, min(last, encoded.shape[0]))])
        found = self.detect_all(pieces)
        return [Detection(span.duration, d.probabilities) for (_, span), d in zip(stretches, found)]

    def decode(self, items: Sequence[tuple[np.ndarray, str, float]], *, unbiased: bool = False) -> list[Reading]:
        """Decode encoded clips, each (encoder output, language, the clip's seconds) -> its reading, in seconds from its start.

        Clips of one encoded length are decoded together, whatever their
        languages (each reading is prompted with its own), ``batch_size`` at a
        time, fewer when they are long (:data:`DECODE_BATCH_SECONDS`), the
        shortest clips together; the settings are those of faster-whisper's
        batched pipeline (beam search at temperature 0, timestamps, word
        timestamps). ``unbiased`` decodes without the hotwords and prompt. A
        reading that runs past the most text its clip's length can hold
        (:func:`~interview_assist.asr.readings.most_tokens`) is marked
        ``cut_off``; a batch is stopped there for its longest clip.
        """
        opts = self.options
        ctranslate2.set_random_seed(opts.seed)
        out: list[Reading] = [Reading([]) for _ in items]
        groups: dict[int, list[int]] = {}
        for i, (encoded, _, _) in enumerate(items):
            groups.setdefault(encoded.shape[0], []).append(i)
        batches = []
        for frames, indices in groups.items():
            most = max(1, min(opts.batch_size, int(DECODE_BATCH_SECONDS * ENCODER_FRAMES_PER_SECOND) // frames))
            count = -(-len(indices) // most)
            size = -(-len(indices) // count)  # batches of even size: 8 clips as 4 + 4, not 7 + 1
            indices.sort(key=lambda i: (items[i][2], i))  # a batch decodes as long as its longest reading
            batches += [indices[k : k + size] for k in range(0, len(indices), size)]
        # The longest first, so that the workers end together (a batch decodes as long as its longest).
        batches.sort(key=lambda chosen: -max(items[i][2] for i in chosen))
        done = self.calls.each(
            lambda chosen: self._decode_batch([items[i] for i in chosen], unbiased), batches,
            weight=lambda chosen: len(chosen) * items[chosen[0]][0].shape[0],
            budget=int(DECODE_IN_FLIGHT_SECONDS * ENCODER_FRAMES_PER_SECOND),
        )
        for chosen, readings in zip(batches, done):
            for i, reading in zip(chosen, readings):
                out[i] = reading
        return out

    def _prompt(self, language: str, unbiased: bool) -> list[int]:
        opts = self.options
        tokenizer = self._tokenizer(language)
        return list(
            self.model.get_prompt(
                tokenizer,
                previous_tokens=(
                    tokenizer.encode(opts.initial_prompt) if opts.initial_prompt and not unbiased else []
                ),
                without_timestamps=False,
                hotwords=None if unbiased else opts.hotwords,
            )
        )

    def _decode_batch(self, batch: Sequence[tuple[np.ndarray, str, float]], unbiased: bool) -> list[Reading]:
        """One batch of same-shaped encodings, each with its language and its clip's seconds,
        through CTranslate2, as ``BatchedInferencePipeline.forward`` does it (word
        timestamps aligned for each language's readings together)."""
        model = self.model
        encoded = [e for e, _, _ in batch]
        storage = _storage(np.stack(encoded))
        prompt = {language: self._prompt(language, unbiased) for language in {language for _, language, _ in batch}}
        prompts = [prompt[language] for _, language, _ in batch]
        # The suppressed tokens (non-speech symbols, the task tokens) are the same in every language.
        suppress = list(get_suppressed_tokens(self._tokenizer(batch[0][1]), [-1]))
        # CTranslate2 stops a Whisper reading after min(max_length - len(prompt) + 1,
        # max_length // 2) tokens (measured with 3- to 76-token prompts). Past about
        # 13 s of clip the model's own limit (448) applies: ``cut_off`` then means
        # the reading hit it, which is a truncation too. Prompts differ in their
        # language token only (CTranslate2 refuses prompts of different lengths).
        assert len({len(p) for p in prompts}) == 1, "prompts of one length"
        most = [most_tokens(seconds) for _, _, seconds in batch]
        max_length = min(model.max_length, max(2 * max(most), max(most) + len(prompts[0]) - 1))
        stop = min(max_length - len(prompts[0]) + 1, max_length // 2)
        results = model.model.generate(
            storage,
            prompts,
            beam_size=self.options.beam_size,
            patience=1,
            length_penalty=1,
            max_length=max_length,
            suppress_blank=True,
            suppress_tokens=suppress,
            return_scores=True,
            return_no_speech_prob=True,
            sampling_temperature=0.0,
            repetition_penalty=1,
            no_repeat_ngram_size=0,
        )
        size = encoded[0].shape[0] * 2  # feature frames
        duration = size / model.frames_per_second
        pieces: list[list[dict[str, Any]]] = []
        cut_off = []
        for result, own, (_, language, _) in zip(results, most, batch):
            tokenizer = self._tokenizer(language)
            tokens = result.sequences_ids[0]
            cut_off.append(0 < min(stop, own) <= len(tokens))
            avg_logprob = result.scores[0] * len(tokens) / (len(tokens) + 1)
            subsegments, _, _ = model._split_segments_by_timestamps(  # noqa: SLF001 - faster-whisper is pinned
                tokenizer=tokenizer, tokens=tokens, time_offset=0.0, segment_size=size, segment_duration=duration, seek=0,
            )
            pieces.append(
                [
                    dict(
                        text=tokenizer.decode(sub["tokens"]), tokens=sub["tokens"], start=sub["start"], end=sub["end"],
                        seek=0, avg_logprob=avg_logprob, no_speech_prob=result.no_speech_prob,
                        compression_ratio=get_compression_ratio(tokenizer.decode(sub["tokens"])),
                    )
                    for sub in subsegments
                ]
            )
        # Word times are aligned from each language's start of text, so one call a language. Each
        # reading's first-word rule then runs as if it were alone: faster-whisper carries the end
        # of one batch item's speech into the next item's first-word rule (its items are windows of
        # one recording; these are unrelated clips, each timed from 0), so a reading's first word
        # moved with the clip before it in the batch (1.62 s alone, 0.0 s behind a longer clip).
        for language in dict.fromkeys(language for _, language, _ in batch):
            these = [k for k, (_, lang, _) in enumerate(batch) if lang == language and pieces[k]]
            if not these:
                continue
            tokenizer = self._tokenizer(language)
            text = [[t for sub in pieces[k] for t in sub["tokens"] if t < tokenizer.eot] for k in these]
            alignments = model.find_alignment(
                tokenizer, text, storage if len(these) == len(batch) else _storage(np.stack([encoded[k] for k in these])),
                [size] * len(these),
            )
            for k, alignment in zip(these, alignments, strict=True):
                WhisperModel.add_word_timestamps(
                    _Aligned(model, alignment), [pieces[k]], tokenizer, None, [size],
                    _PREPEND_PUNCTUATIONS, _APPEND_PUNCTUATIONS, 0.0,
                )
        return [
            Reading(
                [replace(_segment(p), language=language) for p in clip], cut, is_repetitive(said(clip, seconds))
            )
            for clip, cut, (_, language, seconds) in zip(pieces, cut_off, batch)
        ]

    def _tokenizer(self, language: str) -> Tokenizer:
        with self._tokenizers_lock:  # batches are decoded on several threads
            if language not in self._tokenizers:
                self._tokenizers[language] = Tokenizer(self.model.hf_tokenizer, self.multilingual, task="transcribe", language=language)
            return self._tokenizers[language]

    def read_alone(self, audio: np.ndarray, language: str, *, unbiased: bool = False) -> list[Segment] | None:
        """A looping stretch read again by the sequential decoder: the first reading of
        :data:`REREADINGS` that does not loop (times from the start of ``audio``), or None."""
        opts = self.options
        for extra in REREADINGS:
            segments, _ = self.model.transcribe(
                audio,
                language=language,
                beam_size=opts.beam_size,
                word_timestamps=True,
                temperature=0.0,
                condition_on_previous_text=False,
                vad_filter=False,
                initial_prompt=None if unbiased else opts.initial_prompt,
                hotwords=None if unbiased else opts.hotwords,
                **extra,
            )
            again = [replace(_segment(dataclasses.asdict(seg)), language=language) for seg in segments]
            if again and not Reading(again).runs_on:
                return again
        return None

    def transcribe(
        self,
        audio: np.ndarray,
        chunks: list[Span],
        offset: float = 0.0,
        on_progress: Callable[[float], None] | None = None,
        unbiased: bool = False,
    ) -> list[Segment]:
        """Transcribe the speech ``chunks`` (seconds into ``audio``) of one stretch, one speaker.

        Each chunk gets its own language (see :mod:`interview_assist.asr.decoding`);
        ``offset`` (seconds) is added to every time.
        """
        from interview_assist.asr.decoding import TurnDecoder
        from interview_assist.asr.units import Unit

        return TurnDecoder(self).transcribe(
            audio, [Unit(c) for c in chunks], offset, on_progress=on_progress, unbiased=unbiased
        )


class _Aligned:
    """Stands in for the model in ``WhisperModel.add_word_timestamps`` for one reading whose
    alignment was computed with its batch: its word times are then made from it alone (the
    first word after silence judged against the clip's start, not another clip's end)."""

    def __init__(self, model: WhisperModel, alignment: list[dict[str, Any]]):
        self.frames_per_second = model.frames_per_second
        self._alignment = alignment

    def find_alignment(self, *args: Any, **kwargs: Any) -> list[list[dict[str, Any]]]:
        return [self._alignment]


def _storage(array: np.ndarray) -> ctranslate2.StorageView:
    return ctranslate2.StorageView.from_array(np.ascontiguousarray(array, dtype=np.float32))


def _segment(seg: dict[str, Any]) -> Segment:
    """A faster-whisper segment (as a dict) as ours; the language is set by the caller."""
    words = tuple(
        Word(start=round(float(w["start"]), 3), end=round(float(w["end"]), 3), text=w["word"], probability=round(float(w["probability"]), 4))
        for w in seg.get("words") or ()
    )
    return Segment(
        start=round(float(seg["start"]), 3),
        end=round(float(seg["end"]), 3),
        text=seg["text"].strip(),
        language="",
        words=words,
        avg_logprob=float(seg["avg_logprob"]),
        no_speech_prob=float(seg["no_speech_prob"]),
        compression_ratio=float(seg["compression_ratio"]),
    )
