"""Audio input: every common format, rate and channel count to 16 kHz mono."""

from __future__ import annotations

import av
import numpy as np
import pytest

from interview_assist.audio.decode import load, probe, stream
from interview_assist.pipeline.run import transcribe

from .wer import wer


def _encode(src: np.ndarray, path, codec: str, rate: int, layout: str) -> None:
    """Write ``src`` (16 kHz mono) with PyAV in another codec, rate and layout."""
    with av.open(str(path), "w") as out:
        stream_ = out.add_stream(codec, rate=rate, layout=layout)
        frame = av.AudioFrame.from_ndarray(src[None, :].astype(np.float32), format="flt", layout="mono")
        frame.sample_rate = 16000
        resampler = av.AudioResampler(format=stream_.codec_context.format.name, layout=layout, rate=rate)
        for f in [*resampler.resample(frame), *resampler.resample(None)]:
            for packet in stream_.encode(f):
                out.mux(packet)
        for packet in stream_.encode(None):
            out.mux(packet)


FORMATS = [
    ("wav", "pcm_s16le", 44100, "stereo"),
    ("flac", "flac", 8000, "mono"),
    ("mp3", "libmp3lame", 22050, "stereo"),
    ("ogg", "libopus", 48000, "mono"),
    ("opus", "libopus", 48000, "stereo"),
    ("m4a", "aac", 32000, "stereo"),
    ("mp4", "aac", 48000, "5.1"),
]


@pytest.fixture(scope="module")
def jfk(eval_dir):
    return load(eval_dir / "asr" / "jfk.flac")


@pytest.mark.parametrize("ext,codec,rate,layout", FORMATS, ids=[f[0] + "-" + f[3] for f in FORMATS])
def test_formats_decode_to_16k_mono(ext, codec, rate, layout, jfk, tmp_path):
    path = tmp_path / f"jfk.{ext}"
    _encode(jfk, path, codec, rate, layout)
    info = probe(path)
    assert info.sample_rate == rate
    audio = load(path)
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert abs(audio.size / 16000 - jfk.size / 16000) < 0.2
    # Same signal: the envelopes of original and round-tripped audio agree.
    n = min(audio.size, jfk.size) // 1600 * 1600
    env_a = np.abs(audio[:n]).reshape(-1, 1600).mean(axis=1)
    env_b = np.abs(jfk[:n]).reshape(-1, 1600).mean(axis=1)
    assert np.corrcoef(env_a, env_b)[0, 1] > 0.9


def test_m4a_transcribes(jfk, tmp_path, eval_dir, catalog, base_transcriber):
    path = tmp_path / "jfk.m4a"
    _encode(jfk, path, "aac", 44100, "stereo")
    t = transcribe(path, catalog=catalog, transcriber=base_transcriber)
    assert wer((eval_dir / "asr" / "jfk.txt").read_text(), " ".join(s.text for s in t.segments)) <= 0.10


def test_stream_yields_fixed_blocks(eval_dir):
    blocks = list(stream(eval_dir / "asr" / "harvard_osr_0030.wav", block_seconds=10))
    assert [b.size for b in blocks[:-1]] == [160000] * (len(blocks) - 1)
    assert 0 < blocks[-1].size <= 160000
    assert sum(b.size for b in blocks) == load(eval_dir / "asr" / "harvard_osr_0030.wav").size


def test_stream_is_lazy(eval_dir, tmp_path):
    """Nothing is opened until the first block is asked for, and each block comes before the file is decoded through."""
    from interview_assist.core.errors import AudioError

    path = tmp_path / "recording.flac"
    gen = stream(path)  # the file does not exist yet: nothing may have looked for it
    # A recording cut off at 90 %: decoding it to the end fails as truncated,
    # so a block that comes out first was not decoded all at once.
    src = (eval_dir / "interviews" / "interview_v01.flac").read_bytes()
    path.write_bytes(src[: len(src) * 9 // 10])
    first = next(gen)
    assert first.shape == (30 * 16000,) and first.dtype == np.float32
    blocks = 1
    with pytest.raises(AudioError, match="truncated"):
        for _ in gen:
            blocks += 1
    assert blocks >= 7  # 274 s declared, about 90 % of it decoded in 30 s blocks before the error
