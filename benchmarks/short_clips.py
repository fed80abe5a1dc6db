"""Short turns read with more or less silence after them.

Every reference clip of the code-switched interviews (``benchmarks/codeswitch.py``'s
files: cs_v01 and the mixtures ``codeswitch_data.py`` builds) whose length is in
[MIN, MAX) seconds and whose language whisper has, cut out with 0.15 s either
side, is encoded followed by some silence, then its language is detected and it
is decoded in its reference language, alone (not in a batch, so what depends on
a batch's other clips does not show), with the pipeline's decoding settings
(beam 5, temperature 0). Each padding is scored side by side on the same clips:

- ``+Ns``: the clip's length plus N s of silence (the pipeline used +2 s for
  every clip before the short-clip padding);
- ``minNs``: the clip's length plus 2 s, at least N s;
- ``30s``: Whisper's own 30 s window, as bare faster-whisper and the oracle read.

A padding ending in ``s`` is zeros after the clip's features (faster-whisper's
batched pipeline pads so); ending in ``a`` (``+2a``, ``30a``), silent audio after
the clip, whose features are Whisper's own silence.

Printed: how many clips detection gives their own language, and the errors
against the reference words (normaliser of ``textnorm``), with each clip's
errors capped at twice its words (a loop of "yes yes yes ..." counts as two
wrong words a word, not as fifty), and uncapped.

Usage: python benchmarks/short_clips.py [--min 0] [--max 2.5] [--pads +2s,+4s,30s,+2a] [--show]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import jiwer  # noqa: E402
import numpy as np  # noqa: E402
from codeswitch import all_files  # noqa: E402
from common import git_revision, header  # noqa: E402
from faster_whisper.audio import pad_or_trim  # noqa: E402

from interview_assist.asr.transcriber import AsrOptions, Transcriber, _storage  # noqa: E402
from interview_assist.audio.decode import load  # noqa: E402
from interview_assist.core.models import ModelCatalog  # noqa: E402
from interview_assist.core.spans import seconds_to_samples  # noqa: E402
from interview_assist.core.textnorm import normalise  # noqa: E402

WHISPER_HAS = ("en", "fr", "es", "it")
EDGE_SECONDS = 0.15


def frames_for(pad: str, frames: int) -> int:
    """Feature frames (100 a second) of the window for a clip of ``frames``, with padding ``pad``
    (its last letter, ``s`` or ``a``, says how the silence is made: see :func:`window`)."""
    pad = pad[:-1] + "s"
    if pad == "30s":
        return 3000
    if pad.startswith("+"):
        return min(3000, frames + int(float(pad[1:-1]) * 100))
    if pad.startswith("min"):
        return min(3000, max(frames + 200, int(float(pad[3:-1]) * 100)))
    raise SystemExit(f"unknown padding {pad!r}: +Ns, minNs or 30s")


def window(model, piece: np.ndarray, features: np.ndarray, pad: str, length: int) -> np.ndarray:
    """The features of ``piece`` over ``length`` frames. ``+2s``: zeros after the clip's features, as
    faster-whisper's batched pipeline pads (and the pipeline did before 2026-12-07); ``+2a``:
    the features of the clip with silent audio after it, as Whisper's own 30 s windows end."""
    if pad.endswith("a"):
        return model.feature_extractor(np.pad(piece, (0, max(0, length * 160 - len(piece)))))[..., :length]
    return pad_or_trim(features, length)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--min", type=float, default=0.0, help="shortest clip, seconds (default 0)")
    ap.add_argument("--max", type=float, default=2.5, help="clips shorter than this, seconds (default 2.5)")
    ap.add_argument("--pads", default="+2s,+4s,30s", help="paddings to compare, comma-separated")
    ap.add_argument("--show", action="store_true", help="print each clip whose text differs between paddings")
    args = ap.parse_args()
    pads = args.pads.split(",")
    tr = Transcriber(ModelCatalog(), "whisper-base", AsrOptions())
    model = tr.model
    # (group, pad) -> [language right, clips, errors capped, errors, words]
    tally: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    shown = []
    for name, flac, ref_path in all_files():
        ref = json.loads(ref_path.read_text())
        clips = [c for c in ref["clips"] if args.min <= c["end"] - c["start"] < args.max and c["language"] in WHISPER_HAS]
        if not clips:
            continue
        audio = load(str(flac))
        noisy = any(k in name for k in ("white", "brown", "pink"))
        for c in clips:
            piece = audio[seconds_to_samples(max(0.0, c["start"] - EDGE_SECONDS)) : seconds_to_samples(c["end"] + EDGE_SECONDS)]
            features = model.feature_extractor(piece)[..., :-1]
            words = normalise(c["text"])
            n = len(words.split())
            texts = []
            for pad in pads:
                length = frames_for(pad, features.shape[-1])
                length += length % 2
                encoded = np.array(model.model.encode(_storage(window(model, piece, features, pad, length)[None]), to_cpu=False))[0]
                heard = tr.detect(encoded)
                (reading,) = tr.decode([(encoded, c["language"], len(piece) / 16000)])
                hyp = normalise(" ".join(s.text for s in reading.segments))
                texts.append(hyp)
                e = jiwer.process_words(words, hyp) if words else None
                errors = e.substitutions + e.deletions + e.insertions if e else len(hyp.split())
                for group in ("all", c["language"], "noisy" if noisy else "clean", "3 words or fewer" if n <= 3 else "more words"):
                    t = tally[(group, pad)]
                    t[0] += heard.best[0] == c["language"]
                    t[1] += 1
                    t[2] += min(errors, 2 * n)
                    t[3] += errors
                    t[4] += n
            if len(set(texts)) > 1:
                shown.append((name, c["text"], texts))
    print(header("Short clips and the silence after them"))
    print(f"commit {git_revision()}; whisper-base, int8; clips of {args.min}-{args.max} s\n")
    print("| clips | padding | language right | errors (capped) | errors | words |")
    print("|---|---|---|---|---|---|")
    for group in sorted({g for g, _ in tally}, key=lambda g: (g != "all", g)):
        for pad in pads:
            right, clips, capped, errors, words = tally[(group, pad)]
            print(f"| {group} | {pad} | {right}/{clips} | {capped} | {errors} | {words} |")
    if args.show:
        print()
        for name, text, texts in shown:
            print(f"{name}: {text!r}")
            for pad, hyp in zip(pads, texts):
                print(f"   {pad:>6}: {hyp[:100]}")


if __name__ == "__main__":
    main()
