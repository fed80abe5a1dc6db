"""From local speakers of overlapping chunks to speakers of the whole recording: pyannote's recipe in numpy.

The steps of pyannote.audio 4's ``SpeakerDiarization`` after segmentation and
embedding, as it runs them with agglomerative clustering (MIT licence,
Hervé Bredin), written here so that no run needs torch or pyannote.audio:

1. :func:`speaker_count`: how many speakers talk in each frame, averaged over
   the chunks that see it;
2. :func:`cluster`: the embeddings of local speakers who talk alone long
   enough are clustered (average linkage, cosine); small clusters join the
   nearest large one; the number of clusters is forced into the bounds asked
   for; every local speaker then goes to the nearest centroid;
3. :func:`reconstruct`: each frame gets the ``count`` speakers whose
   clustered activity, summed over chunks, is highest;
4. :func:`binarize`: runs of activity as (start, end, speaker) in seconds.

``tests/test_speaker_networks.py`` runs pyannote's own functions on the same
inputs and checks that the results are the same.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from interview_assist.speakers.networks import Frames

INACTIVE = -2


@dataclass(frozen=True, slots=True)
class ClusterSettings:
    threshold: float = 0.3
    min_cluster_size: int = 12
    # At most this many embeddings are clustered (evenly spread); the rest go to the nearest centroid.
    max_embeddings: int = 3000
    # A local speaker takes part in clustering if it talks alone for this share of its chunk.
    min_active_ratio: float = 0.2


def aggregate(scores: np.ndarray, chunks: Frames, frames: Frames, *, average: bool) -> np.ndarray:
    """(chunks, frames per chunk, k) scores of overlapping chunks -> (frames, k) on the recording's frames.

    Overlap-add; ``average`` divides by the number of chunks that saw each
    frame. NaN scores do not count; frames no chunk saw give 0.
    """
    num_chunks, per_chunk, k = scores.shape
    frames = Frames(chunks.start, frames.duration, frames.step)
    total = frames.closest(chunks.start + chunks.duration + (num_chunks - 1) * chunks.step + 0.5 * frames.duration) + 1
    summed = np.zeros((total, k), dtype=np.float32)
    seen = np.zeros((total, k), dtype=np.float32)
    for c in range(num_chunks):
        score = scores[c]
        mask = 1.0 - np.isnan(score)
        score = np.nan_to_num(score, nan=0.0)
        first = frames.closest(chunks.start + c * chunks.step + 0.5 * frames.duration)
        summed[first : first + per_chunk] += score * mask
        seen[first : first + per_chunk] += mask
    out: np.ndarray = summed / np.maximum(seen, 1e-12) if average else summed
    out[seen == 0.0] = 0.0
    return out


def speaker_count(segmentations: np.ndarray, chunks: Frames, frames: Frames) -> np.ndarray:
    """(chunks, frames, speakers) binary -> (frames,) speakers talking at once, rounded."""
    counted = aggregate(np.sum(segmentations, axis=-1, keepdims=True), chunks, frames, average=True)
    count: np.ndarray = np.rint(counted[:, 0]).astype(np.uint8)
    return count


def _training_set(embeddings: np.ndarray, segmentations: np.ndarray, settings: ClusterSettings) -> tuple[np.ndarray, np.ndarray]:
    """The (chunk, speaker) pairs that talk alone long enough and have an embedding, at most ``max_embeddings``."""
    _, per_chunk, _ = segmentations.shape
    alone = np.sum(segmentations, axis=2, keepdims=True) == 1
    clean = np.sum(segmentations * alone, axis=1)
    active = clean >= settings.min_active_ratio * per_chunk
    valid = ~np.any(np.isnan(embeddings), axis=2)
    chunk_idx, speaker_idx = np.where(active * valid)
    if len(chunk_idx) > settings.max_embeddings:
        pick = np.linspace(0, len(chunk_idx) - 1, settings.max_embeddings).round().astype(int)
        chunk_idx, speaker_idx = chunk_idx[pick], speaker_idx[pick]
    return chunk_idx, speaker_idx


def _large(clusters: np.ndarray, min_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    labels, counts = np.unique(clusters, return_counts=True)
    return labels, counts, labels[counts >= min_size]


def _agglomerate(embeddings: np.ndarray, settings: ClusterSettings, low: int, high: int, num: int | None) -> np.ndarray:
    """Cluster labels 0..n-1 of ``embeddings`` (n between ``low`` and ``high`` where the dendrogram allows)."""
    from scipy.cluster.hierarchy import fcluster, linkage  # 0.6 s to import: only when clustering
    from scipy.spatial.distance import cdist

    count = embeddings.shape[0]
    min_size = min(settings.min_cluster_size, max(1, round(0.1 * count)))
    if count == 1:
        return np.zeros((1,), dtype=np.int64)
    dendrogram = linkage(embeddings, method="average", metric="cosine")
    clusters: np.ndarray = fcluster(dendrogram, settings.threshold, criterion="distance") - 1
    labels, counts, large = _large(clusters, min_size)
    if len(large) < low:
        num = low
    elif len(large) > high:
        num = high
    if num is not None and len(large) != num:
        # Walk the merges outward from the threshold until the number of large clusters is right.
        steps = np.copy(dendrogram)
        steps[:, 2] = np.arange(count - 1)
        best, best_large = count - 1, 1
        for iteration in np.argsort(np.abs(dendrogram[:, 2] - settings.threshold)):
            if steps[iteration, 3] < min_size:
                continue
            clusters = fcluster(steps, iteration, criterion="distance") - 1
            labels, counts, large = _large(clusters, min_size)
            if abs(len(large) - num) < abs(best_large - num):
                best, best_large = iteration, len(large)
            if len(large) == num:
                break
        if best_large != num:
            clusters = fcluster(steps, best, criterion="distance") - 1
            labels, counts, large = _large(clusters, min_size)
    if len(large) == 0:
        clusters[:] = 0
        return clusters
    small = labels[counts < min_size]
    if len(small) == 0:
        return clusters
    large_centroids = np.vstack([np.mean(embeddings[clusters == k], axis=0) for k in large])
    small_centroids = np.vstack([np.mean(embeddings[clusters == k], axis=0) for k in small])
    nearest = np.argmin(cdist(large_centroids, small_centroids, metric="cosine"), axis=0)
    for s, k in enumerate(nearest):
        clusters[clusters == small[s]] = large[k]
    _, clusters = np.unique(clusters, return_inverse=True)
    return clusters


def cluster(
    embeddings: np.ndarray,
    segmentations: np.ndarray,
    settings: ClusterSettings,
    *,
    num: int | None,
    low: int,
    high: float,
) -> np.ndarray:
    """(chunks, speakers, dim) embeddings -> (chunks, speakers) cluster of each local speaker.

    ``num``, ``low`` and ``high`` bound the number of clusters as
    :func:`speaker_bounds` gives them.
    """
    chunk_idx, speaker_idx = _training_set(embeddings, segmentations, settings)
    train = embeddings[chunk_idx, speaker_idx]
    count = train.shape[0]
    low = max(1, min(count, num or low or 1))
    top = max(1, min(count, int(num or (high if np.isfinite(high) else count) or count)))
    if low > top:
        raise ValueError(f"min_clusters ({low}) is more than max_clusters ({top})")
    if low == top:
        num = low
    chunks, speakers, _ = embeddings.shape
    if top < 2:
        return np.zeros((chunks, speakers), dtype=np.int8)
    from scipy.spatial.distance import cdist

    labels = _agglomerate(train, settings, low, top, num)
    centroids = np.vstack([np.mean(train[labels == k], axis=0) for k in range(int(np.max(labels)) + 1)])
    distances = cdist(embeddings.reshape(chunks * speakers, -1), centroids, metric="cosine")
    hard: np.ndarray = np.argmax(2 - distances.reshape(chunks, speakers, -1), axis=2)
    return hard


def speaker_bounds(num: int | None, low: int | None, high: int | None) -> tuple[int | None, int, float]:
    """pyannote's reading of the speaker numbers: (exact number or None, at least, at most)."""
    low_ = num or low or 1
    high_: float = num or high or np.inf
    if low_ > high_:
        raise ValueError(f"min_speakers ({low_}) is more than max_speakers ({high_})")
    return (low_ if low_ == high_ else num), low_, high_


def reconstruct(segmentations: np.ndarray, hard: np.ndarray, count: np.ndarray, chunks: Frames, frames: Frames) -> np.ndarray:
    """(frames, clusters) of 0/1: each frame the ``count`` clusters most active over the chunks that see it."""
    num_chunks, per_chunk, _ = segmentations.shape
    clusters = int(np.max(hard)) + 1
    clustered = np.full((num_chunks, per_chunk, clusters), np.nan)
    for c in range(num_chunks):
        for k in np.unique(hard[c]):
            if k == INACTIVE:
                continue
            clustered[c, :, k] = np.max(segmentations[c][:, hard[c] == k], axis=1)
    activations = aggregate(clustered, chunks, frames, average=False)
    most = int(np.max(count)) if count.size else 0
    if activations.shape[1] < most:
        activations = np.pad(activations, ((0, 0), (0, most - activations.shape[1])))
    length = min(activations.shape[0], count.shape[0])
    activations, count = activations[:length], count[:length]
    ranked = np.argsort(-activations, axis=-1)
    binary = np.zeros_like(activations)
    for t in range(length):
        binary[t, ranked[t, : int(count[t])]] = 1.0
    return binary


def binarize(binary: np.ndarray, frames: Frames) -> list[tuple[float, float, int]]:
    """(frames, speakers) of 0/1 -> runs (start, end, speaker) in seconds, from frame middles."""
    out: list[tuple[float, float, int]] = []
    if binary.shape[0] == 0:
        return out
    middles = frames.middles(binary.shape[0])
    for k in range(binary.shape[1]):
        active = binary[:, k] > 0.5
        edges = np.flatnonzero(np.diff(active.astype(np.int8)))
        start: float | None = float(middles[0]) if active[0] else None
        for e in edges:
            t = float(middles[e + 1])
            if active[e + 1]:
                start = t
            elif start is not None:
                out.append((start, t, k))
                start = None
        if start is not None:
            out.append((start, float(middles[-1]), k))
    return out
