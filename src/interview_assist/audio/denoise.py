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

from interview_assist.core.spans import SAMPLE_RATE, seconds_to_samples


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
    # Partial reduction (about 10 dB at most): full gating removes speech
    # along with the noise and made Whisper worse in every condition measured.
    prop_decrease: float = 0.7


_FRAME = 512
_HOP = 160
_POWER_BLOCK_FRAMES = 2000


def estimate_noise(audio: np.ndarray) -> NoiseEstimate:
    """Estimate the SNR and the colour of the noise floor of 16 kHz mono ``audio``.

    SNR is the spread between loud (95th percentile) and quiet (10th) frame
    energies; the noise floor is the mean spectrum of the quietest 15 % of
    frames, and its flatness is 1 for white noise, lower for coloured noise.
    """
    if audio.size < _FRAME * 8:
        return NoiseEstimate(snr_db=float("inf"), flatness=1.0, low_band_share=0.0)
    power = _frame_power(audio)
    freqs = np.fft.rfftfreq(_FRAME, 1 / SAMPLE_RATE)
    energy_db = 10 * np.log10(power.sum(axis=1))
    snr_db = float(np.percentile(energy_db, 95) - np.percentile(energy_db, 10))
    floor = power[energy_db <= np.percentile(energy_db, 15)].mean(axis=0)
    band = (freqs >= 100) & (freqs <= 7000)
    flatness = float(np.exp(np.mean(np.log(floor[band]))) / np.mean(floor[band]))
    low = (freqs >= 50) & (freqs < 500)
    low_band_share = float(floor[low].sum() / floor[(freqs >= 50) & (freqs <= 7000)].sum())
    return NoiseEstimate(snr_db=snr_db, flatness=flatness, low_band_share=low_band_share)


def _frame_power(audio: np.ndarray) -> np.ndarray:
    """The power spectrum of every frame, computed a few thousand frames at a time.

    Framed whole, a 4-minute window took 300 MB at once (the frames, windowed,
    and their complex spectra in float64), the peak of the pass over a long
    recording; frame by frame in blocks, only the result (50 MB) is held, and it
    is the same to the bit.
    """
    starts = np.arange(0, audio.size - _FRAME + 1, _HOP)
    window = np.hanning(_FRAME)
    power = np.empty((starts.size, _FRAME // 2 + 1))
    for k in range(0, starts.size, _POWER_BLOCK_FRAMES):
        idx = starts[k : k + _POWER_BLOCK_FRAMES, None] + np.arange(_FRAME)
        power[k : k + idx.shape[0]] = np.abs(np.fft.rfft(audio[idx].astype(np.float64) * window, axis=1)) ** 2 + 1e-12
    return power


def noise_sample(audio: np.ndarray, share: float = 0.2) -> np.ndarray:
    """The quietest ``share`` of 32 ms frames of ``audio``, joined: a noise-only sample.

    noisereduce's default noise profile is the whole signal, speech included,
    which sets the gate too high and cuts speech. The quietest frames hold
    (almost) no speech, even in a recording that is mostly talk.
    """
    n = audio.size // _FRAME
    if n == 0:
        return audio
    frames = audio[: n * _FRAME].reshape(n, _FRAME)
    energy = np.einsum("ij,ij->i", frames, frames)
    quiet = np.sort(np.argsort(energy)[: max(1, int(n * share))])
    return frames[quiet].reshape(-1)


def reduce_noise(audio: np.ndarray, settings: DenoiseSettings = DenoiseSettings()) -> np.ndarray:
    """Stationary spectral gating of 16 kHz mono ``audio``, block by block, in memory.

    The noise profile of each block comes from its quietest frames (see
    :func:`noise_sample`). Each block is gated with ``pad_seconds`` of context
    on each side, which is then dropped.
    """
    import noisereduce  # imported late: it pulls in joblib and tqdm

    if audio.size == 0:
        return audio
    block = seconds_to_samples(settings.block_seconds)
    pad = seconds_to_samples(settings.pad_seconds)
    out = np.empty_like(audio)
    for start in range(0, audio.size, block):
        end = min(start + block, audio.size)
        lo, hi = max(0, start - pad), min(audio.size, end + pad)
        piece = audio[lo:hi]
        cleaned = noisereduce.reduce_noise(
            y=piece,
            sr=SAMPLE_RATE,
            y_noise=noise_sample(piece),
            stationary=True,
            n_std_thresh_stationary=settings.n_std_thresh,
            prop_decrease=settings.prop_decrease,
            chunk_size=piece.size + 1,
            padding=0,
            n_jobs=1,
        )
        out[start:end] = cleaned[start - lo : start - lo + (end - start)]
    return out.astype(np.float32, copy=False)


def auto_decision(estimate: NoiseEstimate, coloured_min_snr_db: float | None = None) -> tuple[bool, str]:
    """Whether ``auto`` denoises a window with this noise floor, and why.

    Measured on real clips mixed with white and brown noise at 0 to 20 dB
    SNR (benchmarks/denoise.py): gating paid off against broadband hiss,
    which otherwise drives Whisper into loops, at any level where it is
    audible. Against low-frequency (brown, rumble) noise it paid off only
    while the noise stayed well below the speech: when it is strong, it fills
    the band of voiced speech and gating takes the speech away with it.
    Clean speech is always left alone, so clean recordings pay nothing.

    Letting the model choose instead (decode both ways, keep the reading with
    the higher mean word probability, looping readings excluded) was measured
    in the same benchmark and rejected: Whisper is often confident about the
    worse reading (whisper-base on pink noise at 10 dB: WER 0.89 against
    0.41), and no confidence margin made it never worse with both whisper-base
    and tiny.en.

    ``coloured_min_snr_db`` replaces the bound below which low-frequency noise
    is left alone, for a model that fares otherwise (a model's
    ``denoise_coloured_min_snr_db`` in the manifest).
    """
    bound = AUTO_MIN_SNR_DB_COLOURED if coloured_min_snr_db is None else coloured_min_snr_db
    detail = f"SNR ≈ {estimate.snr_db:.0f} dB, noise flatness {estimate.flatness:.2f}"
    if estimate.snr_db >= AUTO_MAX_SNR_DB:
        return False, f"speech well above the noise ({detail})"
    if estimate.flatness >= AUTO_MIN_FLATNESS:
        return True, f"broadband noise close to the speech ({detail})"
    if estimate.snr_db >= bound:
        if estimate.snr_db >= AUTO_MIN_SNR_DB_COLOURED:
            return True, f"moderate low-frequency noise ({detail})"
        return True, f"strong low-frequency noise, gated for this model ({detail})"
    if estimate.snr_db >= AUTO_MIN_SNR_DB_COLOURED:
        return False, f"low-frequency noise, left alone for this model ({detail})"
    return False, f"strong low-frequency noise, which gating would take speech with ({detail})"


# A white noise floor has flatness 1, pink about 0.63, brown about 0.2.
AUTO_MIN_FLATNESS = 0.5
# Spread between loud and quiet frames below which the noise is audible.
AUTO_MAX_SNR_DB = 28.0
# Below this spread, coloured noise is left alone.
AUTO_MIN_SNR_DB_COLOURED = 16.0
