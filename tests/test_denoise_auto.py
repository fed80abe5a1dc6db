"""The ``auto`` denoise mode: what it costs on clean recordings, and that it is repeatable.

A model-aware ``auto`` (decode both ways, keep the more confident reading) was
measured in benchmarks/denoise.py and not shipped: on noisy audio Whisper is
often confident about the worse reading. These tests pin down what the
shipped, signal-based ``auto`` promises instead.
"""

from __future__ import annotations

import numpy as np

from interview_assist.audio.decode import load
from interview_assist.audio.denoise import DenoiseMode, auto_decision, estimate_noise, reduce_noise
from interview_assist.core.spans import SAMPLE_RATE
from interview_assist.pipeline.run import PipelineOptions
from interview_assist.pipeline.windows import denoise_decision


def _with_white_noise(clean: np.ndarray, snr_db: float, seed: int) -> np.ndarray:
    noise = np.random.default_rng(seed).standard_normal(clean.size)
    noise *= np.sqrt(np.mean(clean**2) / np.mean(noise**2) / 10 ** (snr_db / 10))
    return (clean + noise).astype(np.float32)


def test_auto_costs_nothing_on_the_clean_recordings_of_the_speed_benchmark(eval_dir):
    """The speed target holds with ``auto`` because clean windows are passed through untouched."""
    window = int(PipelineOptions().window_seconds * SAMPLE_RATE)
    options = PipelineOptions(denoise=DenoiseMode.AUTO)
    for path in (eval_dir / "asr" / "harvard_osr_0030.wav", eval_dir / "interviews" / "interview_v01.flac"):
        audio = load(path)
        for start in range(0, audio.size, window):
            samples = audio[start : start + window]
            applied, reason = denoise_decision(samples, options.denoise)
            assert applied is False, f"{path.name} at {start / SAMPLE_RATE:.0f} s: {reason}"
            assert "speech well above the noise" in reason


def test_auto_decision_and_denoising_are_repeatable(eval_dir):
    noisy = _with_white_noise(load(eval_dir / "asr" / "jfk.flac"), 5, seed=3)
    first = denoise_decision(noisy, DenoiseMode.AUTO)
    second = denoise_decision(noisy.copy(), DenoiseMode.AUTO)
    assert first[0] is True and first == second
    np.testing.assert_array_equal(reduce_noise(noisy), reduce_noise(noisy.copy()))
    assert auto_decision(estimate_noise(noisy)) == first
