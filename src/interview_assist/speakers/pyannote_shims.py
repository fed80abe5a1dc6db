"""pyannote.audio assembled from local files: the segmentation model without unpickling, bounded clustering, no PLDA, quiet."""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from interview_assist.core.errors import ModelError

if TYPE_CHECKING:
    from pyannote.audio.core.plda import PLDA
    from pyannote.audio.models.segmentation import PyanNet
    from pyannote.audio.pipelines.clustering import AgglomerativeClustering
    from pyannote.core import SlidingWindowFeature


def load_segmentation(path: Path) -> PyanNet:
    """segmentation-3.0 from a local checkpoint, without unpickling arbitrary objects."""
    import torch
    from pyannote.audio.core.task import Problem, Resolution, Specifications
    from pyannote.audio.models.segmentation import PyanNet

    safe: list[Callable[..., Any] | tuple[Callable[..., Any], str]] = [Specifications, Problem, Resolution, torch.torch_version.TorchVersion]
    try:
        with torch.serialization.safe_globals(safe):
            checkpoint = torch.load(path, map_location="cpu", weights_only=True)
        model = PyanNet(**checkpoint["hyper_parameters"])
        model.specifications = checkpoint["pyannote.audio"]["specifications"]
        model.setup()  # type: ignore[no-untyped-call]  # pyannote leaves Model.setup unannotated
        model.load_state_dict(checkpoint["state_dict"], strict=True)
    except (KeyError, RuntimeError, OSError, ValueError) as exc:
        raise ModelError(f"cannot load the segmentation model from {path}: {exc}") from None
    return model.eval()


def bounded_clustering(limit: int) -> AgglomerativeClustering:
    """pyannote's agglomerative clustering, trained on at most ``limit`` embeddings."""
    from pyannote.audio.pipelines.clustering import AgglomerativeClustering

    class BoundedAgglomerativeClustering(AgglomerativeClustering):
        def filter_embeddings(
            self,
            embeddings: np.ndarray,
            segmentations: SlidingWindowFeature | None = None,
            min_active_ratio: float = 0.2,
        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            kept, chunks, speakers = super().filter_embeddings(embeddings, segmentations, min_active_ratio)
            if len(kept) > limit:
                pick = np.linspace(0, len(kept) - 1, limit).round().astype(int)
                kept, chunks, speakers = kept[pick], chunks[pick], speakers[pick]
            return kept, chunks, speakers

    return BoundedAgglomerativeClustering(metric="cosine")


def no_plda() -> PLDA:
    """An empty PLDA: the constructor requires one, only VBx clustering uses it."""
    from pyannote.audio.core.plda import PLDA

    class NoPLDA(PLDA):
        def __init__(self) -> None:  # noqa: D107 - nothing to load
            pass

    return NoPLDA()


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence pyannote's warnings and the prints of its clustering."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        yield
