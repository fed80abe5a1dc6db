"""Diarization error rate and speed, with the known number of speakers.

DER from pyannote.metrics, overlapped speech included, at collar 0.25 s
(pyannote.metrics' ``collar``: half before and half after each reference
boundary) and at collar 0, on the real clips of ../shared/eval/diarization
(the stereo clip mixed down) and the three-party interview mixtures of
../shared/eval/interviews. The speaker count is the reference's.

Timing: diarization alone (the models loaded once, not timed), on the files
as they are; real-time factor = processing seconds / audio seconds.

Usage: python benchmarks/diarization.py [--step 0.25] [--max-pause 2.0] [--edge-margin 10] [--apply] [FILES...]
  --apply  also run pyannote's own SpeakerDiarization.apply with the same
           models, for comparison.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import EVAL, header  # noqa: E402

import interview_assist  # noqa: E402,F401
from interview_assist.audio.decode import load  # noqa: E402
from interview_assist.core.models import ModelCatalog  # noqa: E402
from interview_assist.speakers.diarize import Diarizer
from interview_assist.speakers.options import DiarizeOptions  # noqa: E402


def reference(path: Path):
    from pyannote.core import Annotation, Segment

    ann = Annotation(uri=path.stem)
    for line in path.read_text().splitlines():
        f = line.split()
        if f and f[0] == "SPEAKER":
            start, dur = float(f[3]), float(f[4])
            ann[Segment(start, start + dur), len(ann)] = f[7]
    return ann


def annotation(turns, uri):
    from pyannote.core import Annotation, Segment

    ann = Annotation(uri=uri)
    for i, t in enumerate(turns):
        ann[Segment(t.start, t.end), i] = t.speaker
    return ann


def der(ref, hyp, collar):
    from pyannote.metrics.diarization import DiarizationErrorRate

    return DiarizationErrorRate(collar=collar, skip_overlap=False)(ref, hyp)


def files(selected):
    out = sorted((EVAL / "diarization").glob("*.rttm")) + sorted((EVAL / "interviews").glob("*.rttm"))
    if selected:
        out = [p for p in out if p.stem in selected]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--step", type=float, default=DiarizeOptions().segmentation_step)
    ap.add_argument("--max-pause", type=float, default=DiarizeOptions().max_pause_in_turn)
    ap.add_argument("--pad", type=float, default=DiarizeOptions().turn_padding)
    ap.add_argument("--edge-margin", type=float, default=DiarizeOptions().edge_margin_db, help="dB; a negative value turns edge extension off")
    ap.add_argument("--apply", action="store_true")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    edge = None if args.edge_margin is None or args.edge_margin < 0 else args.edge_margin
    print(header("Diarization: DER with the known speaker count, and speed"))
    print(f"\nsegmentation step {args.step}, pauses of up to {args.max_pause} s kept inside a turn, turns padded by {args.pad} s, "
          f"edges run on over sound {edge} dB above the background\n")
    print("| file | audio (s) | speakers | DER collar 0.25 | DER collar 0 | RTF |" + (" apply DER 0.25 / 0 | apply RTF |" if args.apply else ""))
    print("|---|---|---|---|---|---|" + ("---|---|" if args.apply else ""))
    catalog = ModelCatalog()
    totals = {}
    for rttm in files(args.files):
        ref = reference(rttm)
        audio_path = next(p for p in rttm.parent.glob(rttm.stem + ".*") if p.suffix in (".wav", ".flac"))
        audio = load(audio_path)
        n = len(ref.labels())
        d = Diarizer(catalog, DiarizeOptions(num_speakers=n, segmentation_step=args.step, max_pause_in_turn=args.max_pause, turn_padding=args.pad, edge_margin_db=edge))
        t0 = time.perf_counter()
        result = d.diarize(audio)
        took = time.perf_counter() - t0
        hyp = annotation(result.turns, rttm.stem)
        secs = audio.size / 16000
        row = f"| {rttm.stem} | {secs:.0f} | {n} | {100 * der(ref, hyp, 0.25):.2f} % | {100 * der(ref, hyp, 0.0):.2f} % | {took / secs:.3f} |"
        group = "interviews" if rttm.parent.name == "interviews" else ("ami" if rttm.stem.startswith("ami") else rttm.stem)
        totals.setdefault(group, []).append((ref, hyp))
        if args.apply:
            import torch

            t0 = time.perf_counter()
            out = d.pipeline.apply({"waveform": torch.from_numpy(audio)[None], "sample_rate": 16000, "uri": rttm.stem}, num_speakers=n)
            took2 = time.perf_counter() - t0
            h2 = out.speaker_diarization
            row += f" {100 * der(ref, h2, 0.25):.2f} % / {100 * der(ref, h2, 0.0):.2f} % | {took2 / secs:.3f} |"
        print(row, flush=True)
    from pyannote.metrics.diarization import DiarizationErrorRate

    print()
    for group, pairs in totals.items():
        vals = []
        for collar in (0.25, 0.0):
            metric = DiarizationErrorRate(collar=collar, skip_overlap=False)
            for ref, hyp in pairs:
                metric(ref, hyp)
            vals.append(100 * abs(metric))
        print(f"- {group}: DER over {len(pairs)} file(s), pooled: {vals[0]:.2f} % (collar 0.25), {vals[1]:.2f} % (collar 0)")


if __name__ == "__main__":
    main()
