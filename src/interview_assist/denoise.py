"""Noise reduction with noisereduce, in memory only, and the ``auto`` decision.

Stationary spectral gating helps Whisper with coloured noise (hum, rumble,
brown-ish room noise) and hurts it with broadband white noise at low SNR,
where the gating leaves "musical" artefacts. ``auto`` measures the noise floor
of each processing window and denoises only where it is expected to help.

noisereduce writes audio to a temporary file when its input is longer than
its ``chunk_size``; here every call passes a ``chunk_size`` longer than the
block, and blocks are cut by this module, so audio never reaches the disk.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from .spans import SAMPLE_RATE


class DenoiseMode(str, enum.Enum):
    OFF = "off"
    ON = "on"
    AUTO = "auto"


@dataclass(frozen=True, slots=True)
class NoiseEstimate:
    """Measurements of one window's noise floor (quietest frames)."""

    snr_db: float
    flatness: float
    low_band_share: float


@dataclass(frozen=True, slots=True)
class DenoiseSettings:
    block_seconds: float = 60.0
    pad_seconds: float = 1.0
    n_std_thresh: float = 1.5
    prop_decrease: float = 1.0


_FRAME = 512
_HOP = 256


def estimate_noise(audio: np.ndarray) -> NoiseEstimate:
    """Estimate SNR and the colour of the noise floor of 16 kHz mono ``audio``."""
    n_frames = 1 + (audio.size - _FRAME) // _HOP if audio.size >= _FRAME else 0
    if n_frames < 8:
        return NoiseEstimate(snr_db=float("inf"), flatness=1.0, low_band_share=0.0)
    idx = np.arange(_FRAME)[None, :] + _HOP * np.arange(n_frames)[:, None]
    frames = audio[idx] * np.hanning(_FRAME)[None, :]
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2 + 1e-12
    energy = power.sum(axis=1)
    order = np.argsort(energy)
    quiet = order[: max(1, n_frames // 10)]
    loud = order[-max(1, n_frames // 10) :]
    snr_db = float(10 * np.log10(energy[loud].mean() / energy[quiet].mean()))
    floor = power[quiet].mean(axis=0)[1:]
    flatness = float(np.exp(np.mean(np.log(floor))) / np.mean(floor))
    freqs = np.fft.rfftfreq(_FRAME, 1 / SAMPLE_RATE)[1:]
    low_band_share = float(floor[freqs < 500].sum() / floor.sum())
    return NoiseEstimate(snr_db=snr_db, flatness=flatness, low_band_share=low_band_share)


def auto_decision(estimate: NoiseEstimate) -> tuple[bool, str]:
    """Whether ``auto`` denoises a window with this noise floor, and why."""
    if estimate.snr_db >= 30.0:
        return False, f"clean audio (SNR ≈ {estimate.snr_db:.0f} dB)"
    if estimate.flatness > 0.5:
        return False, f"broadband noise (flatness {estimate.flatness:.2f}): gating would hurt"
    return True, f"coloured noise (flatness {estimate.flatness:.2f}, SNR ≈ {estimate.snr_db:.0f} dB)"


def reduce_noise(audio: np.ndarray, settings: DenoiseSettings = DenoiseSettings()) -> np.ndarray:
    """Stationary spectral gating of 16 kHz mono ``audio``, block by block, in memory.

    As noisereduce does by default, each block's noise profile is taken from the
    block itself. Each block is gated with ``pad_seconds`` of context on each
    side, which is then dropped.
    """
    import noisereduce  # imported late: it pulls in joblib and tqdm

    if audio.size == 0:
        return audio
    block = int(settings.block_seconds * SAMPLE_RATE)
    pad = int(settings.pad_seconds * SAMPLE_RATE)
    out = np.empty_like(audio)
    for start in range(0, audio.size, block):
        end = min(start + block, audio.size)
        lo, hi = max(0, start - pad), min(audio.size, end + pad)
        piece = audio[lo:hi]
        cleaned = noisereduce.reduce_noise(
            y=piece,
            sr=SAMPLE_RATE,
            stationary=True,
            n_std_thresh_stationary=settings.n_std_thresh,
            prop_decrease=settings.prop_decrease,
            chunk_size=piece.size + 1,
            padding=0,
            n_jobs=1,
        )
        out[start:end] = cleaned[start - lo : start - lo + (end - start)]
    return out.astype(np.float32, copy=False)
