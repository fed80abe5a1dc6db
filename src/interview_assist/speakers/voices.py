"""Two voices the segmentation model took for one, told apart by their embeddings within a chunk."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from interview_assist.speakers.frames import frame_seconds
from interview_assist.speakers.options import DiarizeOptions

# Local speakers per chunk after splitting: the model's three, and as many again.
SLOTS = 6


def split_voices(
    segmentation: np.ndarray, embed: Callable[[np.ndarray], np.ndarray], options: DiarizeOptions
) -> np.ndarray | None:
    """Local speakers of one chunk, each cut in two or more where its voice changes.

    ``segmentation`` is (frames, speakers), binary; ``embed`` maps
    (frames, n) masks to (n, dimension) embeddings. Returns (frames, n)
    masks, at most :data:`SLOTS`, or None when nothing was split. Pieces
    too short to judge stay with the voice of the piece before them (or, at
    the start, after them).
    """
    split_distance = options.split_distance
    assert split_distance is not None  # voices are split only where a distance is set
    frame = frame_seconds()
    min_pause = max(1, int(round(options.split_min_pause / frame)))
    min_piece = int(round(options.split_min_piece / frame))
    frames, speakers = segmentation.shape
    groups: list[np.ndarray] = []  # one mask per voice
    did_split = False
    for k in range(speakers):
        active = segmentation[:, k] > 0
        if not active.any():
            continue
        edges = np.flatnonzero(np.diff(np.concatenate(([0], active.astype(np.int8), [0]))))
        runs = list(zip(edges[::2], edges[1::2]))
        pieces = [list(runs[0])]
        for a, b in runs[1:]:
            if a - pieces[-1][1] >= min_pause:
                pieces.append([a, b])
            else:
                pieces[-1][1] = b
        masks = np.zeros((frames, len(pieces)), dtype=np.float32)
        for i, (a, b) in enumerate(pieces):
            masks[a:b, i] = segmentation[a:b, k]
        long = [i for i, (a, b) in enumerate(pieces) if masks[:, i].sum() >= min_piece]
        if len(long) < 2 or len(groups) + speakers - k >= SLOTS:
            groups.append(segmentation[:, k].astype(np.float32))
            continue
        vectors = embed(masks[:, long])
        vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        # Sequentially: a long piece joins the closest voice already heard
        # in this chunk if it is near enough, otherwise it starts a new one.
        voice_of: dict[int, int] = {}
        voices: list[np.ndarray] = []
        for i, v in zip(long, vectors):
            distances = [1.0 - float(v @ w) for w in voices]
            best = int(np.argmin(distances)) if distances else -1
            if best >= 0 and distances[best] <= split_distance:
                voice_of[i] = best
            elif len(voices) < SLOTS - len(groups) - (speakers - k - 1):
                voices.append(v)
                voice_of[i] = len(voices) - 1
            else:
                voice_of[i] = best
        if len(voices) < 2:
            groups.append(segmentation[:, k].astype(np.float32))
            continue
        did_split = True
        merged = np.zeros((frames, len(voices)), dtype=np.float32)
        previous = voice_of[long[0]]
        for i in range(len(pieces)):
            previous = voice_of.get(i, previous)
            merged[:, previous] += masks[:, i]
        groups.extend(merged.T)
    return np.stack(groups, axis=1) if did_split else None
