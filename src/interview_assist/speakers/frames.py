"""CAM++ frame features of a whole window, in blocks with context (see :mod:`.embedding`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from interview_assist.core.spans import samples_to_seconds, seconds_to_samples

if TYPE_CHECKING:
    import torch

    from interview_assist.speakers.embedding import CamPlusPlus


def frame_seconds() -> float:
    from interview_assist.speakers.embedding import FRAME_SECONDS

    return FRAME_SECONDS


def window_features(
    model: CamPlusPlus, audio: torch.Tensor, block_seconds: float = 15.0, context_seconds: float = 1.0
) -> torch.Tensor:
    """CAM++ frame features of a whole window, computed in blocks with context.

    The network sees a little audio on each side of every block, so features
    at block edges are those of continuous audio; only the frames of the
    block itself are kept.
    """
    import torch

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
        feats = model.frame_features(wave[None, None])
        pieces.append(feats[:, :, first - lo : first - lo + min(block, total - first)])
    return torch.cat(pieces, dim=-1)
