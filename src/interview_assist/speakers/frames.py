"""CAM++ frame features of a whole window, in blocks with context (see :mod:`.networks`)."""

from __future__ import annotations

import numpy as np

from interview_assist.core.spans import samples_to_seconds, seconds_to_samples
from interview_assist.speakers.networks import VOICE_FRAME_SECONDS, VoiceFeatures


def frame_seconds() -> float:
    return VOICE_FRAME_SECONDS


def window_features(voices: VoiceFeatures, audio: np.ndarray, block_seconds: float = 15.0, context_seconds: float = 1.0) -> np.ndarray:
    """(channels, frames): CAM++ frame features of a whole window, computed in blocks with context.

    The network sees a little audio on each side of every block, so features
    at block edges are those of continuous audio; only the frames of the
    block itself are kept.
    """
    frame = frame_seconds()
    total = int(samples_to_seconds(audio.shape[0]) / frame)
    block = int(block_seconds / frame)
    context = int(context_seconds / frame)
    samples_per_frame = seconds_to_samples(frame)
    pieces = []
    for first in range(0, total, block):
        lo = max(0, first - context)
        hi = min(total, first + block + context)
        wave = audio[lo * samples_per_frame : hi * samples_per_frame + 240]
        feats = voices.frames(wave)
        pieces.append(feats[:, first - lo : first - lo + min(block, total - first)])
    return np.concatenate(pieces, axis=-1)
