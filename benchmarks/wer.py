"""WER on the real ASR clips, per language: `transcribe` against bare faster-whisper.

Same model, compute type and beam size on both sides; bare faster-whisper is
the sequential ``WhisperModel.transcribe`` with word timestamps, detecting the
language itself, as the pipeline does. WER is corpus-level per language
(errors over all reference words), after the normaliser stated in
``interview_assist.core.textnorm`` (lower case, punctuation removed, apostrophes
and hyphens split, accents kept).

Usage: python benchmarks/wer.py [--models whisper-base tiny.en]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import jiwer  # noqa: E402
from common import EVAL, header  # noqa: E402
from faster_whisper import WhisperModel  # noqa: E402

import interview_assist  # noqa: E402,F401
from interview_assist.asr.transcriber import AsrOptions, Transcriber  # noqa: E402
from interview_assist.core.models import ModelCatalog  # noqa: E402
from interview_assist.core.textnorm import normalise  # noqa: E402
from interview_assist.pipeline.run import PipelineOptions, transcribe  # noqa: E402

CLIPS = {
    "en": ["jfk.flac", "harvard_osr_0030.wav", *[f"fleurs-en-00{i}.ogg" for i in range(5)]],
    "fr": [f"fleurs-fr-00{i}.ogg" for i in range(5)],
}


def corpus_wer(refs: list[str], hyps: list[str]) -> float:
    return jiwer.wer([normalise(r) for r in refs], [normalise(h) or "<empty>" for h in hyps])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", nargs="+", default=["whisper-base", "tiny.en"])
    args = ap.parse_args()
    catalog = ModelCatalog()
    print(header("WER on the real ASR clips (../shared/eval/asr)"))
    print("| model | language | clips | words | bare faster-whisper | transcribe (denoise auto) | transcribe (denoise off) |")
    print("|---|---|---|---|---|---|---|")
    for name in args.models:
        spec = catalog.get(name)
        tr = Transcriber(catalog, name, AsrOptions())
        bare = WhisperModel(str(spec.directory), device="cpu", compute_type="int8", cpu_threads=tr.options.threads(), local_files_only=True)
        for lang, clips in CLIPS.items():
            if spec.english_only and lang != "en":
                continue
            refs, bare_h, auto_h, off_h = [], [], [], []
            for clip in clips:
                path = EVAL / "asr" / clip
                refs.append(path.with_suffix(".txt").read_text())
                segments, _ = bare.transcribe(str(path), beam_size=5, word_timestamps=True)
                bare_h.append(" ".join(s.text for s in segments))
                for mode, out in (("auto", auto_h), ("off", off_h)):
                    t = transcribe(path, PipelineOptions(denoise=mode), catalog=catalog, transcriber=tr)
                    out.append(" ".join(s.text for s in t.segments))
            words = sum(len(normalise(r).split()) for r in refs)
            print(
                f"| {name} | {lang} | {len(clips)} | {words} | {corpus_wer(refs, bare_h):.3f} | "
                f"**{corpus_wer(refs, auto_h):.3f}** | {corpus_wer(refs, off_h):.3f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
