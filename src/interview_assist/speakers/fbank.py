"""Kaldi-style log mel filterbank features in numpy: what CAM++ was trained on.

The same computation as ``torchaudio.compliance.kaldi.fbank`` with the
settings CAM++ uses (80 bins, 25 ms Povey windows every 10 ms, pre-emphasis
0.97, DC offset removed, power spectrum, no dither, edges snipped), without
torch. ``tests/test_speaker_networks.py`` checks it against torchaudio.
"""

from __future__ import annotations

import functools

import numpy as np

SAMPLE_RATE = 16000
WINDOW = 400  # 25 ms
SHIFT = 160  # 10 ms
FFT = 512
BINS = 80
LOW_HZ = 20.0
PREEMPHASIS = 0.97
_EPSILON = float(np.finfo(np.float32).eps)


def _mel(hz: np.ndarray | float) -> np.ndarray:
    return 1127.0 * np.log(1.0 + np.asarray(hz, dtype=np.float64) / 700.0)


@functools.cache
def _filters() -> np.ndarray:
    """(FFT // 2 + 1, BINS) triangular filters, equally spaced on the mel scale (the Nyquist bin unused)."""
    nyquist = SAMPLE_RATE / 2
    low, high = _mel(LOW_HZ), _mel(nyquist)
    delta = (high - low) / (BINS + 1)
    k = np.arange(BINS)[:, None]
    left, centre, right = low + k * delta, low + (k + 1) * delta, low + (k + 2) * delta
    mel = _mel(SAMPLE_RATE / FFT * np.arange(FFT // 2))[None, :]
    banks = np.maximum(0.0, np.minimum((mel - left) / (centre - left), (right - mel) / (right - centre)))
    return np.concatenate([banks, np.zeros((BINS, 1))], axis=1).T.astype(np.float32)


@functools.cache
def _window() -> np.ndarray:
    return (np.hanning(WINDOW) ** 0.85).astype(np.float32)  # Povey's window


def fbank(samples: np.ndarray) -> np.ndarray:
    """(samples,) of 16 kHz audio in [-1, 1] -> (frames, 80) log mel energies; no frame if under 25 ms."""
    x = np.asarray(samples, dtype=np.float32)
    if x.size < WINDOW:
        return np.zeros((0, BINS), dtype=np.float32)
    count = 1 + (x.size - WINDOW) // SHIFT
    frames = np.lib.stride_tricks.as_strided(x, (count, WINDOW), (SHIFT * x.strides[0], x.strides[0])).copy()
    frames -= frames.mean(axis=1, keepdims=True)
    previous = np.concatenate([frames[:, :1], frames[:, :-1]], axis=1)
    frames = (frames - PREEMPHASIS * previous) * _window()
    power = np.abs(np.fft.rfft(frames, n=FFT, axis=1)).astype(np.float32) ** 2
    out: np.ndarray = np.log(np.maximum(power @ _filters(), _EPSILON)).astype(np.float32)
    return out
