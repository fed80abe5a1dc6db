"""How many speakers to look for, and how finely: the diarization options stored with every interview."""

from __future__ import annotations

from dataclasses import dataclass

from interview_assist.core.errors import InputError


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
