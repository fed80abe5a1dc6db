"""Denoising: in memory only, and the auto decision from the noise floor."""

from __future__ import annotations

import tempfile

import numpy as np
import pytest

from interview_assist.audio.decode import load
from interview_assist.audio.denoise import DenoiseMode, auto_decision, estimate_noise, reduce_noise


def _add_noise(clean: np.ndarray, snr_db: float, seed: int = 0, colour: str = "white") -> np.ndarray:
    noise = np.random.default_rng(seed).standard_normal(clean.size)
    if colour == "brown":  # 1/f^2 power
        spectrum = np.fft.rfft(noise) / np.maximum(np.fft.rfftfreq(clean.size, 1 / 16000), 20.0)
        noise = np.fft.irfft(spectrum, clean.size)
    noise *= np.sqrt(np.mean(clean**2) / np.mean(noise**2) / 10 ** (snr_db / 10))
    return (clean + noise).astype(np.float32)


@pytest.mark.slow
def test_long_audio_is_denoised_without_temporary_files(eval_dir, monkeypatch):
    """noisereduce spills to a temp file past its chunk size; ours never may."""

    def forbidden(*args, **kwargs):
        raise AssertionError("denoising tried to write audio to disk")

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", forbidden)
    monkeypatch.setattr(tempfile, "mkstemp", forbidden)
    monkeypatch.setattr(np, "memmap", forbidden)
    speech = load(eval_dir / "interviews" / "interview_v01.flac")[: 16000 * 150]
    noisy = _add_noise(speech, 5)
    out = reduce_noise(noisy)
    assert out.shape == noisy.shape and out.dtype == np.float32
    assert np.isfinite(out).all()
    # It removed noise: silent stretches got quieter, and the output is
    # closer to the clean speech than the noisy input was.
    frames = lambda a: (a[: a.size // 512 * 512].reshape(-1, 512) ** 2).mean(axis=1)  # noqa: E731
    before, after = frames(noisy), frames(out)
    quiet = frames(speech) < np.percentile(frames(speech), 10)
    assert after[quiet].mean() < 0.5 * before[quiet].mean()
    assert np.mean((out - speech) ** 2) < 0.8 * np.mean((noisy - speech) ** 2)


def test_auto_leaves_clean_speech_alone_and_denoises_strong_noise(eval_dir):
    clean = load(eval_dir / "asr" / "harvard_osr_0030.wav")
    assert auto_decision(estimate_noise(clean))[0] is False
    assert auto_decision(estimate_noise(_add_noise(clean, 0)))[0] is True


def test_auto_gates_moderate_rumble_but_spares_speech_under_strong_rumble(eval_dir):
    clean = load(eval_dir / "asr" / "jfk.flac")
    strong, moderate = (_add_noise(clean, snr, colour="brown") for snr in (0, 10))
    applied, reason = auto_decision(estimate_noise(strong))
    assert applied is False and "low-frequency" in reason
    applied, reason = auto_decision(estimate_noise(moderate))
    assert applied is True and "low-frequency" in reason
    # A model's own bound replaces the shared one, upwards as well as down.
    assert auto_decision(estimate_noise(moderate), coloured_min_snr_db=40.0)[0] is False
    assert auto_decision(estimate_noise(strong), coloured_min_snr_db=-10.0)[0] is True


def test_a_model_can_have_strong_rumble_gated_and_the_pipeline_asks_it(eval_dir, tmp_path, catalog, base_transcriber):
    """tiny.en reads strong rumble better gated; whisper-base better left alone."""
    import soundfile as sf

    from interview_assist.asr.transcriber import AsrOptions, Transcriber
    from interview_assist.pipeline.run import PipelineOptions, transcribe

    tiny, base = catalog.get("tiny.en"), catalog.get("whisper-base")
    assert tiny.denoise_coloured_min_snr_db == 0.0 and base.denoise_coloured_min_snr_db is None
    clean = load(eval_dir / "asr" / "jfk.flac")
    rumble = _add_noise(clean, 0, colour="brown")
    assert auto_decision(estimate_noise(rumble), tiny.denoise_coloured_min_snr_db)[0] is True
    assert auto_decision(estimate_noise(rumble), base.denoise_coloured_min_snr_db)[0] is False
    # Clean speech stays untouched whatever the model.
    assert auto_decision(estimate_noise(clean), tiny.denoise_coloured_min_snr_db)[0] is False
    # The pipeline decides with the loaded model's bound, and says so.
    path = tmp_path / "rumble.wav"
    sf.write(path, rumble, 16000)
    options = PipelineOptions(diarize=False)
    by_tiny = transcribe(path, options, transcriber=Transcriber(catalog, "tiny.en", AsrOptions()))
    by_base = transcribe(path, options, transcriber=base_transcriber)
    assert [d.applied for d in by_tiny.denoise] == [True] and "gated for this model" in by_tiny.denoise[0].reason
    assert [d.applied for d in by_base.denoise] == [False]
    assert by_tiny.settings["denoise_coloured_min_snr_db"] == 0.0 and "denoise_coloured_min_snr_db" not in by_base.settings


def test_mode_values():
    assert [m.value for m in DenoiseMode] == ["off", "on", "auto"]
    with pytest.raises(ValueError):
        DenoiseMode("sometimes")


def test_the_noise_estimate_of_a_window_holds_little_more_than_its_spectra(eval_dir):
    """A 4-minute window's noise estimate was the peak of the first pass over a long recording:
    framed whole, it held about 300 MB at once. Block by block it holds the power spectra (49 MB)
    and one block, and gives the same figures."""
    import tracemalloc

    window = np.resize(load(eval_dir / "noise" / "noisy_snr0.wav"), 240 * 16000)
    tracemalloc.start()
    try:
        estimate = estimate_noise(window)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100 * 2**20, f"{peak / 2**20:.0f} MiB"
    assert 15 < estimate.snr_db < 30 and 0 < estimate.flatness < 1


def test_the_noise_estimate_framed_in_blocks_is_the_same_as_framed_whole(eval_dir, monkeypatch):
    """Blocks of 7 frames, the last one partial: the power spectra equal, to the bit, those of every
    frame at once (the formula as it was before it went block by block)."""
    from interview_assist.audio import denoise

    audio = load(eval_dir / "noise" / "noisy_snr0.wav")[: 3 * 16000]
    idx = np.arange(0, audio.size - denoise._FRAME + 1, denoise._HOP)[:, None] + np.arange(denoise._FRAME)
    whole = np.abs(np.fft.rfft(audio.astype(np.float64)[idx] * np.hanning(denoise._FRAME), axis=1)) ** 2 + 1e-12
    monkeypatch.setattr(denoise, "_POWER_BLOCK_FRAMES", 7)
    assert whole.shape[0] % 7 != 0
    assert np.array_equal(denoise._frame_power(audio), whole)
