"""On-device speaker diarization with pyannote.audio, fed window by window.

The models are pyannote segmentation-3.0 and CAM++ embeddings, both from
local checksummed files (see ``models/manifest.toml``), assembled through
pyannote's public ``SpeakerDiarization`` constructor. pyannote's own
``apply`` needs the whole recording in memory; :class:`DiarizationStream`
instead takes the audio as the pipeline decodes it, runs segmentation and
embeddings on chunk-aligned windows of a few minutes, keeps only their small
results, and clusters all of them once at the end with pyannote's own
clustering, speaker counting and reconstruction. The chunks, and so the
result, are the same as ``apply`` would see; memory does not grow with the
recording beyond a few bytes per chunk.

Embeddings: pyannote runs the embedding network once per (chunk, speaker)
pair, on the whole 10 s chunk each time. Here the network runs once over the
window and each pair pools its own frames (:mod:`speaker_embedding`).
"""

from __future__ import annotations

import bisect
import contextlib
import io
import logging
import math
import warnings
from dataclasses import dataclass

import numpy as np

from .errors import InputError, ModelError
from .models import ModelCatalog
from .progress import ProgressHook, no_progress
from .spans import SAMPLE_RATE
from .transcript import Diarization, SpeakerTurn

logger = logging.getLogger("interview_assist")

SEGMENTATION_MODEL = "pyannote-segmentation-3.0"
# About 0.5 s of segmentation frames (59 per second).
_MIN_ALONE_FRAMES = 30
# Local speakers per chunk after splitting: the model's three, and as many again.
_SLOTS = 6
EMBEDDING_MODEL = "campplus"


@dataclass(frozen=True, slots=True)
class DiarizeOptions:
    """How many speakers to look for, and how finely."""

    num_speakers: int | None = None
    min_speakers: int | None = None
    max_speakers: int | None = None
    # Hop between 10 s segmentation chunks, as a fraction of a chunk
    # (pyannote's default is 0.1). Embeddings cost the same at any step here;
    # segmentation costs 1/step.
    segmentation_step: float = 0.25
    # A pause of one speaker, with nobody else talking, up to this long stays
    # inside their turn: a reader sees turns, not breaths, and words spoken
    # in the pause belong to that speaker. 0 keeps speech-level turns.
    max_pause_in_turn: float = 2.0
    # Turns are widened by up to this much on each side, into silence only:
    # the segmentation model starts a turn after a soft onset and ends it
    # before the voice has faded.
    turn_padding: float = 0.0
    # A turn's edges run on over sound the segmentation model leaves out while
    # it stays ``edge_margin_db`` or more above the recording's background
    # (the 5th percentile of its 20 ms levels), by at most
    # ``edge_max_extension`` s and half the gap to the next turn. What this
    # catches is a recording with stretches of digital silence between turns
    # (gated microphones, edited or silence-suppressed audio): its background
    # is the silence, and a voice comes with the room tone of its open
    # microphone, which belongs to the turn. The interview mixtures are made
    # so, with 0.5 s of room tone at each end of two voices, and count it in
    # the turn. In a recording whose background is a steady room, little but
    # speech itself rises 30 dB above it: no edge of pyannote's sample moves,
    # and the AMI clips score as before (benchmarks/diarization.py). None
    # turns it off.
    edge_margin_db: float | None = 30.0
    edge_max_extension: float = 0.6
    # The segmentation model sometimes gives two voices of one 10 s chunk the
    # same local speaker, mostly across a pause at a turn change (officer,
    # then interpreter). Such a speaker's speech is cut at pauses of at least
    # ``split_min_pause`` s; pieces of at least ``split_min_piece`` s whose
    # voices lie more than ``split_distance`` apart (cosine) become separate
    # speakers of the chunk before clustering. Pieces of one voice were 0.23
    # apart (median; 95th percentile 0.32), of two voices 0.50 (median) on
    # the eval clips. A split piece of one voice still joins that voice's
    # cluster, so the bound errs low. None turns splitting off.
    split_distance: float | None = 0.3
    split_min_pause: float = 0.2
    split_min_piece: float = 1.0
    # Agglomerative clustering of the chunk embeddings. The threshold only
    # matters when the number of speakers is not fixed.
    clustering_threshold: float = 0.3
    min_cluster_size: int = 12
    # Agglomerative clustering holds all pairwise distances of the embeddings
    # it clusters: beyond this many (about 30 minutes of talk), an evenly
    # spread subset is clustered and every embedding is then assigned to the
    # nearest cluster. Keeps a 3-hour recording within memory.
    max_clustered_embeddings: int = 3000
    # Audio is processed in windows of about this length.
    window_seconds: float = 300.0
    # Chunks per forward pass. Larger batches were no faster on two cores
    # and cost about 100 MiB per 8 chunks in the segmentation network.
    batch_size: int = 4

    def __post_init__(self) -> None:
        for name in ("num_speakers", "min_speakers", "max_speakers"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise InputError(f"{name.replace('_', '-')} must be at least 1, not {value}")
        if (
            self.min_speakers is not None
            and self.max_speakers is not None
            and self.min_speakers > self.max_speakers
        ):
            raise InputError(
                f"min-speakers ({self.min_speakers}) is more than max-speakers ({self.max_speakers})"
            )


class Diarizer:
    """The loaded models, reusable across recordings."""

    def __init__(self, catalog: ModelCatalog, options: DiarizeOptions = DiarizeOptions()):
        self.options = options
        seg_spec = catalog.get(SEGMENTATION_MODEL)
        emb_spec = catalog.get(EMBEDDING_MODEL)
        catalog.verify(seg_spec)
        catalog.verify(emb_spec)
        self.models = (seg_spec, emb_spec)
        with _quiet():
            from pyannote.audio.pipelines import SpeakerDiarization

            from .speaker_embedding import CamPlusPlus

            segmentation = _load_segmentation(seg_spec.directory / "pytorch_model.bin")
            self.embedding = CamPlusPlus(
                emb_spec.directory / "camplusplus.py",
                emb_spec.directory / "campplus_cn_en_common.pt",
            )
            self.pipeline = SpeakerDiarization(
                segmentation=segmentation,
                segmentation_step=options.segmentation_step,
                embedding=self.embedding,
                plda=_no_plda(),
                clustering="AgglomerativeClustering",
                embedding_batch_size=options.batch_size,
                segmentation_batch_size=options.batch_size,
            )
            self.pipeline.clustering = _bounded_clustering(options.max_clustered_embeddings)
            self.pipeline.instantiate(
                {
                    "segmentation": {"min_duration_off": 0.0},
                    "clustering": {
                        "method": "average",
                        "min_cluster_size": options.min_cluster_size,
                        "threshold": options.clustering_threshold,
                    },
                }
            )

    def stream(
        self,
        counts: DiarizeOptions | None = None,
        *,
        progress: ProgressHook = no_progress,
        total: float | None = None,
    ) -> DiarizationStream:
        """Start one recording. ``counts`` gives its speaker numbers, if not the diarizer's."""
        return DiarizationStream(self, counts or self.options, progress=progress, total=total)

    def diarize(self, audio: np.ndarray, counts: DiarizeOptions | None = None) -> Diarization:
        """Diarize 16 kHz mono ``audio`` held in memory (short recordings, tests)."""
        stream = self.stream(counts)
        stream.feed(audio)
        return stream.finish()


class DiarizationStream:
    """Diarization of one recording, fed with consecutive blocks of 16 kHz audio."""

    def __init__(
        self, diarizer: Diarizer, counts: DiarizeOptions, *, progress: ProgressHook, total: float | None
    ):
        self._d = diarizer
        self._counts = counts
        pipeline = diarizer.pipeline
        inference = pipeline._segmentation  # noqa: SLF001 - the Inference the constructor built
        self._model = inference.model
        self._duration = inference.duration
        self._step = inference.step
        self._chunk = int(round(self._duration * SAMPLE_RATE))
        self._hop = int(round(self._step * SAMPLE_RATE))
        # Chunks per window; windows overlap by a chunk less one hop so that
        # every chunk of the recording is processed exactly once.
        per_window = max(1, int((diarizer.options.window_seconds - self._duration) // self._step) + 1)
        self._per_window = per_window
        self._buffer = np.zeros(0, dtype=np.float32)
        self._buffer_start = 0  # in samples
        self._received = 0
        self._segmentations: list[np.ndarray] = []
        self._embeddings: list[np.ndarray] = []
        self._progress = progress
        self._total = total
        self._levels = _Levels()

    # -- feeding ------------------------------------------------------------
    def feed(self, samples: np.ndarray) -> None:
        self._buffer = np.concatenate([self._buffer, np.asarray(samples, dtype=np.float32)])
        self._received += samples.size
        self._levels.feed(samples)
        needed = (self._per_window - 1) * self._hop + self._chunk
        while self._buffer.size >= needed:
            self._process(self._buffer[:needed], self._per_window)
            drop = self._per_window * self._hop
            self._buffer = self._buffer[drop:]
            self._buffer_start += drop

    def finish(self) -> Diarization:
        duration = self._received / SAMPLE_RATE
        if self._received == 0:
            return Diarization((), (), ())
        # The rest, as pyannote does it: full chunks, then one zero-padded
        # chunk for the tail the full ones do not reach.
        rest = self._buffer.size
        if rest > 0 and (self._buffer_start == 0 or rest > self._chunk - self._hop):
            n = 1 + max(0, math.ceil((rest - self._chunk) / self._hop))
            padded = np.zeros((n - 1) * self._hop + self._chunk, dtype=np.float32)
            padded[:rest] = self._buffer
            self._process(padded, n)
        self._buffer = np.zeros(0, dtype=np.float32)
        return self._cluster(duration)

    # -- per window ---------------------------------------------------------
    def _process(self, audio: np.ndarray, num_chunks: int) -> None:
        import torch

        starts = np.arange(num_chunks) * self._hop
        chunks = np.stack([audio[s : s + self._chunk] for s in starts])
        with torch.inference_mode(), _quiet():
            segmentation = self._segment(torch.from_numpy(chunks)[:, None])
            segmentation, embeddings = self._embed(torch.from_numpy(audio), segmentation, starts)
        self._segmentations.append(segmentation)
        self._embeddings.append(embeddings)
        done = (self._buffer_start + (num_chunks - 1) * self._hop + self._chunk) / SAMPLE_RATE
        self._progress("diarize", completed=min(done, self._received / SAMPLE_RATE), total=self._total)

    def _segment(self, chunks) -> np.ndarray:
        """(chunks, 1, samples) -> binary (chunks, frames, speakers)."""
        import torch

        from pyannote.audio.utils.powerset import Powerset

        specs = self._model.specifications
        outputs = []
        batch = self._d.options.batch_size
        for i in range(0, chunks.shape[0], batch):
            outputs.append(self._model(chunks[i : i + batch]))
        scores = torch.cat(outputs)
        powerset = Powerset(len(specs.classes), specs.powerset_max_classes)
        return powerset.to_multilabel(scores).numpy().astype(np.float32)

    def _embed(self, audio, segmentation: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Split voices, then one embedding per (chunk, local speaker).

        Returns the segmentation with :data:`_SLOTS` local speakers, as
        uint8, and the embeddings, NaN for a speaker silent in the chunk.
        """
        import torch

        model = self._d.embedding
        options = self._d.options
        frames_per_chunk = int(round(self._duration / _FRAME_SECONDS()))
        features = _window_features(model, audio)
        chunks, frames, _ = segmentation.shape
        split = np.zeros((chunks, frames, _SLOTS), dtype=np.uint8)
        out = np.full((chunks, _SLOTS, model.dimension), np.nan, dtype=np.float32)
        for c, start in enumerate(starts):
            if not segmentation[c].any():
                continue
            first = int(round(start / SAMPLE_RATE / _FRAME_SECONDS()))
            piece = features[:, :, first : first + frames_per_chunk]
            if piece.shape[-1] < frames_per_chunk:
                piece = torch.nn.functional.pad(piece, (0, frames_per_chunk - piece.shape[-1]))

            def embed(masks: np.ndarray, seg=segmentation[c], piece=piece) -> np.ndarray:
                # Frames where someone else talks too would blur the voice:
                # pool over the frames a speaker has alone, if there are enough.
                alone = masks * (seg.sum(axis=1, keepdims=True) < 2)
                enough = alone.sum(axis=0) >= _MIN_ALONE_FRAMES
                masks = np.where(enough[None, :], alone, masks)
                weights = torch.from_numpy(np.ascontiguousarray(masks.T, dtype=np.float32))[None]
                return model.pool(piece, weights)[0].numpy()

            masks = _split_voices(segmentation[c], embed, options) if options.split_distance is not None else None
            if masks is None:
                masks = segmentation[c][:, segmentation[c].any(axis=0)]
            n = masks.shape[1]
            split[c, :, :n] = masks
            out[c, :n] = embed(masks.astype(np.float32))
        return split, out

    # -- at the end -----------------------------------------------------------
    def _cluster(self, duration: float) -> Diarization:
        from pyannote.core import SlidingWindow, SlidingWindowFeature

        pipeline = self._d.pipeline
        options = self._d.options
        self._progress("cluster speakers", completed=0, total=None)
        data = np.concatenate(self._segmentations).astype(np.float32)
        embeddings = np.concatenate(self._embeddings)
        chunks = SlidingWindow(start=0.0, duration=self._duration, step=self._step)
        segmentations = SlidingWindowFeature(data, chunks)
        frames = self._model.receptive_field
        count = pipeline.speaker_count(segmentations, frames, warm_up=(0.0, 0.0))
        if np.nanmax(count.data) == 0.0:
            return Diarization((), (), ())
        counts = self._counts
        num, low, high = counts.num_speakers, counts.min_speakers, counts.max_speakers
        if num is None and low is None and high is None:
            low, high = 1, None
        from pyannote.audio.pipelines.utils.diarization import set_num_speakers

        num, low, high = set_num_speakers(num_speakers=num, min_speakers=low, max_speakers=high)
        with _quiet():
            hard_clusters, _, _ = pipeline.clustering(
                embeddings=embeddings,
                segmentations=segmentations,
                num_clusters=num,
                min_clusters=low,
                max_clusters=high,
                frames=frames,
            )
        count.data = np.minimum(count.data, high).astype(np.int8)
        inactive = np.sum(segmentations.data, axis=1) == 0
        hard_clusters[inactive] = -2
        discrete = pipeline.reconstruct(segmentations, hard_clusters, count)
        turns = _turns(pipeline.to_annotation(discrete, min_duration_on=0.0, min_duration_off=0.0), duration)
        count.data = np.minimum(count.data, 1).astype(np.int8)
        discrete = pipeline.reconstruct(segmentations, hard_clusters, count)
        exclusive = _turns(pipeline.to_annotation(discrete, min_duration_on=0.0, min_duration_off=0.0), duration)
        pause, pad = options.max_pause_in_turn, options.turn_padding
        levels = self._levels.result()

        def tidy(ts: list[SpeakerTurn]) -> list[SpeakerTurn]:
            ts = fill_pauses(pad_turns(ts, pad), pause)
            if options.edge_margin_db is not None:
                # Filled again: a run-on edge can bring a pause within bounds.
                ts = extend_edges(ts, levels, options.edge_margin_db, options.edge_max_extension)
                ts = fill_pauses(ts, pause)
            return ts

        return _relabel(tidy(turns), tidy(exclusive))


def _split_voices(segmentation: np.ndarray, embed, options: DiarizeOptions) -> np.ndarray | None:
    """Local speakers of one chunk, each cut in two or more where its voice changes.

    ``segmentation`` is (frames, speakers), binary; ``embed`` maps
    (frames, n) masks to (n, dimension) embeddings. Returns (frames, n)
    masks, at most :data:`_SLOTS`, or None when nothing was split. Pieces
    too short to judge stay with the voice of the piece before them (or, at
    the start, after them).
    """
    frame = _FRAME_SECONDS()
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
        if len(long) < 2 or len(groups) + speakers - k >= _SLOTS:
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
            if best >= 0 and distances[best] <= options.split_distance:
                voice_of[i] = best
            elif len(voices) < _SLOTS - len(groups) - (speakers - k - 1):
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


def _FRAME_SECONDS() -> float:
    from .speaker_embedding import FRAME_SECONDS

    return FRAME_SECONDS


def _window_features(model, audio, block_seconds: float = 15.0, context_seconds: float = 1.0):
    """CAM++ frame features of a whole window, computed in blocks with context.

    The network sees a little audio on each side of every block, so features
    at block edges are those of continuous audio; only the frames of the
    block itself are kept.
    """
    import torch

    frame = _FRAME_SECONDS()
    total = int(audio.shape[0] / SAMPLE_RATE / frame)
    block = int(block_seconds / frame)
    context = int(context_seconds / frame)
    samples_per_frame = int(frame * SAMPLE_RATE)
    pieces = []
    for first in range(0, total, block):
        lo = max(0, first - context)
        hi = min(total, first + block + context)
        wave = audio[lo * samples_per_frame : hi * samples_per_frame + 240]
        feats = model.frame_features(wave[None, None])
        pieces.append(feats[:, :, first - lo : first - lo + min(block, total - first)])
    return torch.cat(pieces, dim=-1)


_LEVEL_HOP = SAMPLE_RATE // 50  # 20 ms
_BACKGROUND_PERCENTILE = 5.0


class _Levels:
    """The level of each 20 ms of a recording, in dB, fed block by block (0.7 MB per hour)."""

    def __init__(self) -> None:
        self._parts: list[np.ndarray] = []
        self._rest = np.zeros(0, dtype=np.float32)

    def feed(self, samples: np.ndarray) -> None:
        x = np.concatenate([self._rest, np.asarray(samples, dtype=np.float32)])
        n = x.size // _LEVEL_HOP
        frames = x[: n * _LEVEL_HOP].reshape(n, _LEVEL_HOP).astype(np.float64)
        self._parts.append((10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)).astype(np.float32))
        self._rest = x[n * _LEVEL_HOP :].copy()

    def result(self) -> np.ndarray:
        return np.concatenate(self._parts) if self._parts else np.zeros(0, dtype=np.float32)


def extend_edges(
    turns: list[SpeakerTurn], levels: np.ndarray, margin_db: float, max_extension: float
) -> list[SpeakerTurn]:
    """Run each turn's edges on over sound ``margin_db`` above the background.

    ``levels`` are the recording's 20 ms levels in dB; the background is
    their 5th percentile. An edge moves frame by frame, only over frames no
    turn covers, by at most ``max_extension`` s and half of the free gap on
    that side (all of it before the first turn and after the last), and
    never past another turn, so that turns that did not overlap still do not.
    """
    if not turns or levels.size == 0:
        return turns
    fps = SAMPLE_RATE / _LEVEL_HOP
    above = levels > np.percentile(levels, _BACKGROUND_PERCENTILE) + margin_db
    size = levels.size
    busy = np.zeros(size + 1, dtype=bool)

    def first_frame(t: SpeakerTurn) -> int:  # the frame holding the start
        return min(int(t.start * fps + 1e-6), size)

    def end_frame(t: SpeakerTurn) -> int:  # the first frame after the end
        return min(math.ceil(t.end * fps - 1e-6), size)

    for t in turns:
        busy[first_frame(t) : end_frame(t)] = True
    # A turn shorter than a frame can share one with its neighbour, so the
    # frames alone do not keep turns apart: the times of the others do.
    ends = sorted(t.end for t in turns)
    starts = sorted(t.start for t in turns)
    limit = round(max_extension * fps)
    scan = 2 * limit + 1  # a longer gap allows the full run-on anyway
    out = []
    for t in turns:
        start, end = t.start, t.end
        first = first_frame(t)
        free = 0
        while free < min(first, scan) and not busy[first - 1 - free]:
            free += 1
        room = free if free == first else free // 2  # nobody before: all of it
        k = 0
        while k < min(limit, room) and above[first - 1 - k]:
            k += 1
        if k:
            i = bisect.bisect_right(ends, t.start)
            start = max((first - k) / fps, ends[i - 1] if i else 0.0)
        last = end_frame(t)
        free = 0
        while free < scan and last + free < size and not busy[last + free]:
            free += 1
        room = free if last + free >= size else free // 2  # nobody after: all of it
        k = 0
        while k < min(limit, room) and above[last + k]:
            k += 1
        if k:
            i = bisect.bisect_left(starts, t.end)
            end = min((last + k) / fps, starts[i] if i < len(starts) else math.inf)
        out.append(SpeakerTurn(round(min(start, t.start), 3), round(max(end, t.end), 3), t.speaker))
    out.sort(key=lambda t: (t.start, t.end, t.speaker))
    return out


def pad_turns(turns: list[SpeakerTurn], pad: float) -> list[SpeakerTurn]:
    """Widen each turn by ``pad`` on both sides, but never into another speaker's turn."""
    if pad <= 0 or not turns:
        return turns
    out = []
    for t in turns:
        start, end = t.start - pad, t.end + pad
        for o in turns:
            if o.speaker == t.speaker:
                continue
            if start < o.end <= t.start:
                start = o.end
            if t.end <= o.start < end:
                end = o.start
        out.append(SpeakerTurn(round(max(0.0, start), 3), round(end, 3), t.speaker))
    return out


def fill_pauses(turns: list[SpeakerTurn], max_pause: float) -> list[SpeakerTurn]:
    """Join a speaker's consecutive turns across pauses in which nobody else speaks.

    Unlike pyannote's ``min_duration_off``, which joins a speaker's turns
    across any short gap, a gap in which another speaker talks is kept: that
    is a turn change, not a pause.
    """
    if max_pause <= 0 or not turns:
        return turns
    by_speaker: dict[str, list[SpeakerTurn]] = {}
    for t in sorted(turns, key=lambda t: t.start):
        by_speaker.setdefault(t.speaker, []).append(t)
    out: list[SpeakerTurn] = []
    for speaker, own in by_speaker.items():
        others = [t for t in turns if t.speaker != speaker]
        current = own[0]
        for nxt in own[1:]:
            gap_start, gap_end = current.end, nxt.start
            quiet = not any(o.start < gap_end and o.end > gap_start for o in others)
            if gap_end - gap_start <= max_pause and quiet:
                current = SpeakerTurn(current.start, max(current.end, nxt.end), speaker)
            else:
                out.append(current)
                current = nxt
        out.append(current)
    out.sort(key=lambda t: (t.start, t.end, t.speaker))
    return out


def _turns(annotation, duration: float) -> list[SpeakerTurn]:
    out = []
    for segment, _, label in annotation.itertracks(yield_label=True):
        start, end = max(0.0, segment.start), min(duration, segment.end)
        if end > start:
            out.append(SpeakerTurn(round(start, 3), round(end, 3), str(label)))
    out.sort(key=lambda t: (t.start, t.end, t.speaker))
    return out


def _relabel(turns: list[SpeakerTurn], exclusive: list[SpeakerTurn]) -> Diarization:
    """Name speakers S1, S2, ... in order of their first words."""
    order: list[str] = []
    for t in turns:
        if t.speaker not in order:
            order.append(t.speaker)
    names = {old: f"S{i + 1}" for i, old in enumerate(order)}

    def rename(ts):
        return tuple(SpeakerTurn(t.start, t.end, names[t.speaker]) for t in ts if t.speaker in names)

    return Diarization(rename(turns), rename(exclusive), tuple(names[o] for o in order))


def _load_segmentation(path):
    """segmentation-3.0 from a local checkpoint, without unpickling arbitrary objects."""
    import torch
    from pyannote.audio.core.task import Problem, Resolution, Specifications
    from pyannote.audio.models.segmentation import PyanNet

    safe = [Specifications, Problem, Resolution, torch.torch_version.TorchVersion]
    try:
        with torch.serialization.safe_globals(safe):
            checkpoint = torch.load(path, map_location="cpu", weights_only=True)
        model = PyanNet(**checkpoint["hyper_parameters"])
        model.specifications = checkpoint["pyannote.audio"]["specifications"]
        model.setup()
        model.load_state_dict(checkpoint["state_dict"], strict=True)
    except (KeyError, RuntimeError, OSError, ValueError) as exc:
        raise ModelError(f"cannot load the segmentation model from {path}: {exc}") from None
    return model.eval()


def _bounded_clustering(limit: int):
    """pyannote's agglomerative clustering, trained on at most ``limit`` embeddings."""
    from pyannote.audio.pipelines.clustering import AgglomerativeClustering

    class BoundedAgglomerativeClustering(AgglomerativeClustering):
        def filter_embeddings(self, embeddings, segmentations=None, **kwargs):
            kept, chunks, speakers = super().filter_embeddings(embeddings, segmentations, **kwargs)
            if len(kept) > limit:
                pick = np.linspace(0, len(kept) - 1, limit).round().astype(int)
                kept, chunks, speakers = kept[pick], chunks[pick], speakers[pick]
            return kept, chunks, speakers

    return BoundedAgglomerativeClustering(metric="cosine")


def _no_plda():
    """An empty PLDA: the constructor requires one, only VBx clustering uses it."""
    from pyannote.audio.core.plda import PLDA

    class NoPLDA(PLDA):
        def __init__(self) -> None:  # noqa: D107 - nothing to load
            pass

    return NoPLDA()


@contextlib.contextmanager
def _quiet():
    """Silence pyannote's warnings and the prints of its clustering."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        yield
