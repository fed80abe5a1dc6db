"""Monolingual interviews lose nothing: WER of the pipeline on interview-style recordings in one language.

- ``../shared/eval/names/names_v0*.wav``: officer and applicant dialogues in
  English (synthetic voices) with their exact script (gold reference);
- ``../shared/eval/interviews/interview_v0*.flac``: three real LibriSpeech
  voices in the turn pattern of an interpreted interview, all English. Their
  words are not part of the set, so the reference is *silver*: each turn of
  the construction record (``.json``: start and end in the mixture) cut out
  and transcribed alone by bare faster-whisper (beam 5, language detected),
  the per-turn oracle. What this measures is how far the pipeline's reading
  of the whole recording is from reading every turn alone.

Pipeline: ``transcribe(path, PipelineOptions())`` with diarization, models
loaded once. ``--base PATH`` runs the same on another checkout's ``src`` in a
subprocess (as benchmarks/codeswitch.py does), for a side-by-side of the code
before and after a change.

Usage: python benchmarks/monolingual.py [--base ../base]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import CACHE, EVAL, REPO, git_revision, header  # noqa: E402


def references() -> list[tuple[str, Path, list[str]]]:
    """(name, audio, reference texts) per file; the interview mixtures' come from the per-turn oracle."""
    out = []
    for wav in sorted((EVAL / "names").glob("names_v0*.wav")):
        lines = [line.split(":", 1)[1].strip() for line in wav.with_suffix(".txt").read_text().splitlines() if ":" in line]
        out.append((wav.stem, wav, [" ".join(lines)]))
    for flac in sorted((EVAL / "interviews").glob("interview_v0*.flac")):
        out.append((flac.stem, flac, [" ".join(oracle(flac))]))
    return out


def oracle(flac: Path) -> list[str]:
    """Each turn of the construction record transcribed alone (cached)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    cached = CACHE / f"{flac.stem}.turn_oracle.json"
    if cached.exists():
        return json.loads(cached.read_text())
    from faster_whisper import WhisperModel

    from interview_assist.audio.decode import load
    from interview_assist.core.models import ModelCatalog

    model = WhisperModel(str(ModelCatalog().get("whisper-base").directory), device="cpu", compute_type="int8", local_files_only=True)
    audio = load(flac)
    texts = []
    for turn in json.loads(flac.with_suffix(".json").read_text())["segments"]:
        clip = audio[int(turn["start"] * 16000) : int(turn["end"] * 16000)]
        segments, _ = model.transcribe(clip, beam_size=5, word_timestamps=True)
        texts.append(" ".join(s.text.strip() for s in segments))
    cached.write_text(json.dumps(texts))
    return texts


def run_pipeline(files) -> dict[str, str]:
    import interview_assist  # noqa: F401

    try:
        from interview_assist.asr.transcriber import AsrOptions, Transcriber
        from interview_assist.core.models import ModelCatalog
        from interview_assist.pipeline.run import PipelineOptions, transcribe
        from interview_assist.speakers.diarize import Diarizer
    except ImportError:  # a --base checkout from before the packages (issue 19): flat modules
        from interview_assist.asr import AsrOptions, Transcriber  # type: ignore[no-redef]
        from interview_assist.diarize import Diarizer  # type: ignore[no-redef]
        from interview_assist.models import ModelCatalog  # type: ignore[no-redef]
        from interview_assist.pipeline import PipelineOptions, transcribe  # type: ignore[no-redef]

    catalog = ModelCatalog()
    tr, d = Transcriber(catalog, "whisper-base", AsrOptions()), Diarizer(catalog)
    return {
        name: " ".join(s.text for s in transcribe(path, PipelineOptions(), catalog=catalog, transcriber=tr, diarizer=d).segments)
        for name, path, _ in files
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", type=Path, default=None)
    ap.add_argument("--json-out", type=Path, default=None, help=argparse.SUPPRESS)  # used by --base
    args = ap.parse_args()
    files = references()
    if args.json_out:
        args.json_out.write_text(json.dumps(run_pipeline(files)))
        return
    import jiwer

    from interview_assist.core.textnorm import normalise

    current = run_pipeline(files)
    base = None
    if args.base:
        out = CACHE / "monolingual.base.json"
        env = {**os.environ, "PYTHONPATH": str(args.base / "src"), "INTERVIEW_ASSIST_MODELS": str(REPO / "models")}
        subprocess.run([sys.executable, __file__, "--json-out", str(out)], env=env, check=True, cwd=REPO)
        base = json.loads(out.read_text())
    print(header("Monolingual interviews: WER of the pipeline, before and after"))
    print(f"commit {git_revision()}; names: gold script; interview mixtures: silver (each turn alone, bare faster-whisper)\n")
    print("| file | reference | words | WER before | WER now |")
    print("|---|---|---|---|---|")
    for name, _, refs in files:
        ref = normalise(" ".join(refs))
        now = jiwer.wer(ref, normalise(current[name]))
        before = f"{jiwer.wer(ref, normalise(base[name])):.3f}" if base else "-"
        kind = "gold" if name.startswith("names") else "silver"
        print(f"| {name} | {kind} | {len(ref.split())} | {before} | **{now:.3f}** |", flush=True)


if __name__ == "__main__":
    main()
