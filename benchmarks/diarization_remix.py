"""Diarization on new voice combinations: a stand-in for held-out interviews.

The two interview mixtures of ../shared/eval/interviews hold five LibriSpeech
voices. Their utterances that overlap no other (cut from the mixtures at the
times their JSON records) are mixed again into interviews of three voices in
combinations the eval files do not have, built as those were (see their
README): officer -> interpreter -> applicant -> interpreter, 36 turns,
pauses of 0.3-1.0 s, 15 % of turn changes overlapping by 0.3-0.8 s, digital
silence between turns, seeded. The reference is each utterance's span.
Each mixture is scored clean and with white noise at 20 dB and brown noise at
10 dB over the whole mixture (SNR against its mean power), with the edge
run-on as shipped and turned off. DER from pyannote.metrics at collar 0.25,
overlap scored, known speaker count.

Usage: python benchmarks/diarization_remix.py
"""

from __future__ import annotations

import json
import sys
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from common import EVAL, header  # noqa: E402
from denoise import mixture  # noqa: E402

import interview_assist  # noqa: E402,F401
from interview_assist.audio.decode import load  # noqa: E402
from interview_assist.core.models import ModelCatalog  # noqa: E402
from interview_assist.speakers.diarize import Diarizer
from interview_assist.speakers.options import DiarizeOptions  # noqa: E402

SR = 16000
# (officer, interpreter, applicant) LibriSpeech speakers; none is a role
# assignment of the eval files.
COMBINATIONS = [("367", "1998", "3080"), ("1688", "2033", "367"), ("3080", "1688", "1998"), ("2033", "367", "1688")]
CONDITIONS = [("clean", None), ("white", 20), ("brown", 10)]
PATTERN = ["officer", "interpreter", "applicant", "interpreter"] * 9


def clean_utterances() -> dict[str, list[np.ndarray]]:
    """Per LibriSpeech speaker, the utterances of the eval mixtures that overlap nothing."""
    out: dict[str, dict[str, np.ndarray]] = {}
    for name in ("interview_v01", "interview_v02"):
        meta = json.loads((EVAL / "interviews" / f"{name}.json").read_text())
        audio = load(EVAL / "interviews" / f"{name}.flac")
        turns = meta["segments"]
        for i, t in enumerate(turns):
            before = turns[i - 1]["end"] if i else -1.0
            after = turns[i + 1]["start"] if i + 1 < len(turns) else float("inf")
            if before > t["start"] or after < t["end"]:
                continue
            out.setdefault(t["speaker"], {})[t["source"]] = audio[int(t["start"] * SR) : int(t["end"] * SR)]
    return {speaker: list(u.values()) for speaker, u in out.items()}


def interview(utterances, voices: tuple[str, str, str], seed: int):
    from pyannote.core import Annotation, Segment

    rng = np.random.default_rng(seed)
    pools = {role: list(utterances[v]) for role, v in zip(("officer", "interpreter", "applicant"), voices)}
    for pool in pools.values():
        rng.shuffle(pool)
    used = dict.fromkeys(pools, 0)
    audio = np.zeros(int(600 * SR))
    reference = Annotation(uri=f"remix{seed}")
    t, end = 0.5, None
    for k, role in enumerate(PATTERN):
        u = pools[role][used[role] % len(pools[role])]
        used[role] += 1
        if end is not None:
            t = end - rng.uniform(0.3, 0.8) if rng.random() < 0.15 else end + rng.uniform(0.3, 1.0)
        start = int(t * SR)
        audio[start : start + u.size] += u
        reference[Segment(start / SR, (start + u.size) / SR), k] = role
        end = (start + u.size) / SR
    return audio[: int((end + 0.5) * SR)].astype(np.float32), reference


def der(reference, turns) -> float:
    from pyannote.core import Annotation, Segment
    from pyannote.metrics.diarization import DiarizationErrorRate

    hyp = Annotation(uri=reference.uri)
    for i, t in enumerate(turns):
        hyp[Segment(t.start, t.end), i] = t.speaker
    return 100 * DiarizationErrorRate(collar=0.25, skip_overlap=False)(reference, hyp)


def main() -> None:
    import warnings

    warnings.simplefilter("ignore")
    print(header("Diarization on new voice combinations of the interview mixtures"))
    utterances = clean_utterances()
    print("\nclean utterances per voice: " + ", ".join(f"{v} {len(u)}" for v, u in sorted(utterances.items())))
    catalog = ModelCatalog()
    shipped = Diarizer(catalog, DiarizeOptions())
    without = Diarizer(catalog, DiarizeOptions(edge_margin_db=None))
    counts = DiarizeOptions(num_speakers=3)
    print("\n| mixture | officer / interpreter / applicant | length (s) | noise | DER without run-on | DER as shipped |")
    print("|---|---|---|---|---|---|")
    totals: dict[str, list[float]] = {}
    for seed, voices in enumerate(COMBINATIONS):
        audio, reference = interview(utterances, voices, seed)
        for kind, snr in CONDITIONS:
            x = mixture(audio, kind, snr, zlib.crc32(f"remix{seed}|{kind}|{snr}".encode()))
            off, on = der(reference, without.diarize(x, counts).turns), der(reference, shipped.diarize(x, counts).turns)
            label = kind if snr is None else f"{kind} {snr} dB"
            totals.setdefault(label, []).append(on)
            print(f"| remix{seed} | {' / '.join(voices)} | {audio.size / SR:.0f} | {label} | {off:.2f} % | {on:.2f} % |", flush=True)
    print()
    for label, values in totals.items():
        print(f"- {label}: as shipped, mean {np.mean(values):.2f} %, worst {max(values):.2f} %")


if __name__ == "__main__":
    main()
