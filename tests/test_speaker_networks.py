"""The speaker stack on onnxruntime against what it was built from: torch, torchaudio and pyannote.audio.

Diarization runs without torch (``speakers/networks.py``, ``speakers/clustering.py``);
these tests run the original torch models and pyannote.audio's own recipe on
the same real audio and check that every step gives the same result.
"""

from __future__ import annotations

import numpy as np
import pytest

from interview_assist.audio.decode import load
from interview_assist.speakers.options import DiarizeOptions

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def interview(eval_dir):
    return load(eval_dir / "interviews" / "interview_v02.flac")[: 16000 * 90]


def test_filterbank_is_torchaudio_kaldi_fbank(interview):
    import torch
    from torchaudio.compliance import kaldi

    from interview_assist.speakers.fbank import fbank

    for piece in (interview[: 16000 * 15], interview[16000 * 40 : 16000 * 40 + 9999]):
        ref = kaldi.fbank(torch.from_numpy(piece)[None], num_mel_bins=80, sample_frequency=16000, dither=0.0).numpy()
        got = fbank(piece)
        assert got.shape == ref.shape
        np.testing.assert_allclose(got, ref, atol=2e-3)


def test_segmentation_graph_is_pyannotes_model(catalog, interview):
    import torch

    from interview_assist.speakers.networks import Segmentation
    from interview_assist.speakers.onnx_export import load_segmentation

    directory = catalog.get("pyannote-segmentation-3.0").directory
    chunks = np.stack([interview[s : s + 160000] for s in range(0, interview.size - 160000, 40000)])
    ours = Segmentation(directory)(chunks)
    model = load_segmentation(directory)
    from pyannote.audio.utils.powerset import Powerset

    specs = model.specifications
    with torch.inference_mode():
        scores = model(torch.from_numpy(chunks)[:, None])
    theirs = Powerset(len(specs.classes), specs.powerset_max_classes).to_multilabel(scores).numpy()
    assert ours.shape == theirs.shape == (len(chunks), 589, 3)
    assert ours.any(), "nobody speaks: nothing was compared"
    assert np.mean(ours == theirs) > 0.9995


def test_voice_embeddings_are_campplus(catalog, interview):
    import torch

    from interview_assist.speakers.networks import VoiceFeatures
    from interview_assist.speakers.onnx_export import campplus_frames, load_campplus

    directory = catalog.get("campplus").directory
    voices = VoiceFeatures(directory)
    network = load_campplus(directory)
    piece = interview[16000 * 20 : 16000 * 35]
    ours = voices.frames(piece)
    from torchaudio.compliance import kaldi

    with torch.inference_mode():
        feats = kaldi.fbank(torch.from_numpy(piece)[None], num_mel_bins=80, sample_frequency=16000, dither=0.0)
        feats = feats - feats.mean(dim=0, keepdim=True)
        theirs = campplus_frames(network)(feats[None])[0].numpy()
    assert ours.shape == theirs.shape
    assert np.max(np.abs(ours - theirs)) < 1e-2 * np.max(np.abs(theirs))
    # Pooled over two masks (a voice, and another stretch): the embeddings of the torch network.
    masks = np.zeros((2, 589), dtype=np.float32)
    masks[0, 30:300], masks[1, 250:580] = 1.0, 1.0
    ours_embedded = voices.embed(ours, masks)
    from pyannote.audio.models.blocks.pooling import StatsPool

    with torch.inference_mode():
        stats = StatsPool()(torch.from_numpy(theirs)[None], weights=torch.from_numpy(masks)[None])[0]
        theirs_embedded = network.xvector.dense(stats).numpy()
    cosine = np.sum(ours_embedded * theirs_embedded, axis=1) / (
        np.linalg.norm(ours_embedded, axis=1) * np.linalg.norm(theirs_embedded, axis=1)
    )
    assert np.all(cosine > 0.9999), cosine


def test_clustering_and_reconstruction_are_pyannotes_recipe(catalog, interview):
    """Our numpy recipe and pyannote.audio's own functions, on the same segmentations and embeddings."""
    from pyannote.audio.pipelines.clustering import AgglomerativeClustering
    from pyannote.audio.pipelines.speaker_diarization import SpeakerDiarization
    from pyannote.audio.pipelines.utils.diarization import SpeakerDiarizationMixin
    from pyannote.core import SlidingWindow, SlidingWindowFeature

    from interview_assist.speakers.clustering import (
        ClusterSettings,
        binarize,
        cluster,
        reconstruct,
        speaker_bounds,
        speaker_count,
    )
    from interview_assist.speakers.diarize import Diarizer
    from interview_assist.speakers.networks import SEGMENTATION_FRAMES, Frames

    stream = Diarizer(catalog).stream(DiarizeOptions(num_speakers=3))
    stream.feed(interview)
    stream.finish()  # the last chunks are processed here
    segmentations = np.concatenate(stream._segmentations).astype(np.float32)  # noqa: SLF001 - the stream's own results
    embeddings = np.concatenate(stream._embeddings)  # noqa: SLF001
    chunks, frames = Frames(0.0, 10.0, 2.5), SEGMENTATION_FRAMES

    class Recipe(SpeakerDiarizationMixin):
        reconstruct = SpeakerDiarization.reconstruct

    window = SlidingWindow(start=0.0, duration=10.0, step=2.5)
    resolution = SlidingWindow(start=frames.start, duration=frames.duration, step=frames.step)
    theirs_seg = SlidingWindowFeature(segmentations, window)
    theirs_count = SpeakerDiarizationMixin.speaker_count(theirs_seg, resolution, warm_up=(0.0, 0.0))
    ours_count = speaker_count(segmentations, chunks, frames)
    np.testing.assert_array_equal(ours_count, theirs_count.data[:, 0])

    for num, low, high in ((3, None, None), (None, 1, None), (None, 2, 4)):
        clustering = AgglomerativeClustering(metric="cosine")
        clustering.instantiate({"method": "average", "min_cluster_size": 12, "threshold": 0.3})
        n, lo, hi = speaker_bounds(num, low, high)
        theirs_hard, _, _ = clustering(
            embeddings=embeddings, segmentations=theirs_seg, num_clusters=n, min_clusters=lo, max_clusters=hi
        )
        ours_hard = cluster(embeddings, segmentations, ClusterSettings(), num=n, low=lo, high=hi)
        np.testing.assert_array_equal(ours_hard, theirs_hard)
        inactive = np.sum(segmentations, axis=1) == 0
        ours_hard[inactive] = -2
        theirs_hard[inactive] = -2
        capped = np.minimum(ours_count, hi).astype(np.int8)
        theirs_count.data = np.minimum(SpeakerDiarizationMixin.speaker_count(theirs_seg, resolution, warm_up=(0.0, 0.0)).data, hi)
        theirs_count.data = theirs_count.data.astype(np.int8)
        theirs = Recipe().reconstruct(theirs_seg, theirs_hard, theirs_count)
        ours = reconstruct(segmentations, ours_hard, capped, chunks, frames)
        np.testing.assert_array_equal(ours, theirs.data)
        runs = sorted(binarize(ours, frames))
        annotation = SpeakerDiarizationMixin.to_annotation(theirs, min_duration_on=0.0, min_duration_off=0.0)
        expected = sorted((s.start, s.end, int(label)) for s, _, label in annotation.itertracks(yield_label=True))
        assert len(runs) == len(expected) > 3
        np.testing.assert_allclose(np.array(runs), np.array(expected), atol=1e-9)


def test_a_transcription_imports_neither_torch_nor_pyannote(eval_dir):
    """The speech and speaker stacks share one process: torch (840 MiB resident) never enters it."""
    import subprocess
    import sys

    audio = eval_dir / "diarization" / "pyannote_sample.wav"
    code = (
        "import sys; from interview_assist.pipeline.run import PipelineOptions, transcribe; "
        f"t = transcribe({str(audio)!r}, PipelineOptions(interpreter=False)); "
        "print(len(t.speakers), len(t.diarization.turns) > 0, 'torch' in sys.modules, 'pyannote.audio' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["2", "True", "False", "False"]
