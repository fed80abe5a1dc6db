"""What each way of decoding turns costs: alone in 30 s windows, packed, or alone at their own length.

Whisper's encoder reads 30 s; decoding every turn alone in a window of its own
multiplies that work. Three ways to decode the same units of speech (each
one speaker's turn, as the pipeline cuts them: the VAD's speech cut at the
diarization's changes of speaker) in the same languages (as the pipeline
chooses them), side by side in one run:

The units are those the pipeline decodes: a turn that switches language is
split where it does.

- **alone, 30 s**: each unit in a window of its own, padded to 30 s (what
  faster-whisper does with any chunk);
- **packed**: units of the same language packed into shared windows of up to
  30 s (neighbours with the pause between them, others joined with 0.3 s of
  silence), the word times mapped back to each unit;
- **alone, own length** (shipped): each unit encoded at its own length with
  2 s of silence after it.

Encoder and decoder time only (models loaded, features included), and WER
against the reference turns of code-switched interviews (``*.ref.json`` as
in ../shared/eval/codeswitch: the words whose midpoint falls in a turn).

Usage: python benchmarks/decode_choices.py [FILE.flac ...]   (each with FILE.ref.json beside it)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import jiwer  # noqa: E402
import numpy as np  # noqa: E402
from common import EVAL, git_revision, header  # noqa: E402
from faster_whisper.audio import pad_or_trim  # noqa: E402

import interview_assist  # noqa: E402,F401
from interview_assist.asr.decoding import TurnDecoder  # noqa: E402
from interview_assist.asr.switches import clip  # noqa: E402
from interview_assist.asr.transcriber import AsrOptions, Transcriber, _storage  # noqa: E402
from interview_assist.asr.units import speech_units  # noqa: E402
from interview_assist.asr.word_times import placed  # noqa: E402
from interview_assist.audio.decode import load  # noqa: E402
from interview_assist.audio.vad import speech_spans  # noqa: E402
from interview_assist.core.models import ModelCatalog  # noqa: E402
from interview_assist.core.spans import Span, seconds_to_samples  # noqa: E402
from interview_assist.core.textnorm import normalise  # noqa: E402
from interview_assist.speakers.diarize import Diarizer
from interview_assist.speakers.options import DiarizeOptions  # noqa: E402

GAP = 0.3


@dataclass(frozen=True)
class Run:
    packed: Span
    real: Span


def encode_30(tr: Transcriber, clips: list[np.ndarray]) -> list[np.ndarray]:
    """Each clip padded to 30 s, as faster-whisper encodes any chunk."""
    out = []
    for k in range(0, len(clips), tr.options.batch_size):
        feats = np.stack([pad_or_trim(tr.model.feature_extractor(c)[..., :-1]) for c in clips[k : k + tr.options.batch_size]])
        out += list(np.array(tr.model.model.encode(_storage(feats), to_cpu=False)))
    return out


def pack(order: list[int], units) -> list[list[Run]]:
    """Units (indices, in time order) into windows of up to 30 s; neighbours keep the pause between them."""
    packs: list[list[list]] = []  # runs as [packed start, real start, real end, last unit]
    for i in order:
        span = units[i].span
        if packs:
            runs = packs[-1]
            ps, rs, re_, last = runs[-1]
            length = ps + re_ - rs
            if last == i - 1 and ps + span.end - rs <= 30.0:
                runs[-1] = [ps, rs, span.end, i]
                continue
            if length + GAP + span.duration <= 30.0:
                runs.append([length + GAP, span.start, span.end, i])
                continue
        packs.append([[0.0, span.start, span.end, i]])
    return [[Run(Span(ps, ps + re_ - rs), Span(rs, re_)) for ps, rs, re_, _ in runs] for runs in packs]


def packed_audio(audio: np.ndarray, runs: list[Run]) -> np.ndarray:
    parts, at = [], 0
    for r in runs:
        gap = seconds_to_samples(r.packed.start) - at
        if gap > 0:
            parts.append(np.zeros(gap, dtype=np.float32))
            at += gap
        piece = audio[seconds_to_samples(r.real.start) : seconds_to_samples(r.real.end)]
        parts.append(piece)
        at += piece.size
    return np.concatenate(parts)


def words_alone(tr, audio, units, languages, encoder) -> list:
    encoded = encoder(tr, [clip(audio, u.span) for u in units])
    out = []
    for u, segs in zip(units, (r.segments for r in tr.decode([(e, lang, u.span.duration) for e, lang, u in zip(encoded, languages, units)]))):
        out += [w for s in placed(segs, u.span) for w in s.words]
    return out


def words_packed(tr, audio, units, languages) -> list:
    out = []
    for language in dict.fromkeys(languages):
        order = [i for i, lang in enumerate(languages) if lang == language]
        runs = pack(order, units)
        clips = [packed_audio(audio, r) for r in runs]
        encoded = encode_30(tr, clips)
        for rs, segs in zip(runs, (r.segments for r in tr.decode([(e, language, len(c) / 16000) for e, c in zip(encoded, clips)]))):
            for s in segs:
                for w in s.words:
                    mid = (w.start + w.end) / 2
                    r = min(rs, key=lambda r: 0.0 if r.packed.start <= mid <= r.packed.end else min(abs(mid - r.packed.start), abs(mid - r.packed.end)))
                    shift = r.real.start - r.packed.start
                    out.append(replace(w, start=w.start + shift, end=w.end + shift))
    return out


def wer(ref, words) -> float:
    refs, hyps = [], []
    for c in ref["clips"]:
        if c["language"] in ("ku", "om"):
            continue
        refs.append(normalise(c["text"]))
        hyps.append(normalise("".join(w.text for w in words if c["start"] <= (w.start + w.end) / 2 < c["end"])) or "<empty>")
    return jiwer.wer(refs, hyps)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="*", type=Path)
    args = ap.parse_args()
    files = args.files or [EVAL / "codeswitch" / "cs_v01.flac"]
    catalog = ModelCatalog()
    tr = Transcriber(catalog, "whisper-base", AsrOptions())
    diarizer = Diarizer(catalog)
    print(header("Decoding turns: alone in 30 s windows, packed, or alone at their own length"))
    print(f"commit {git_revision()}; encoder + decoder seconds, models loaded; WER against the reference turns\n")
    print("| file | units | alone, 30 s: s | WER | packed: s | WER | alone, own length: s | WER |")
    print("|---|---|---|---|---|---|---|---|")
    for path in files:
        ref = json.loads(path.with_name(path.name.replace(".flac", ".ref.json")).read_text())
        audio = load(path)
        turns = diarizer.diarize(audio, DiarizeOptions(num_speakers=3)).exclusive
        planned = TurnDecoder(tr).plan(audio, speech_units(speech_spans(audio), turns))
        units = [u for u, _ in planned]
        languages = [c.language for _, c in planned]
        cells = []
        for run in (
            lambda: words_alone(tr, audio, units, languages, encode_30),
            lambda: words_packed(tr, audio, units, languages),
            lambda: words_alone(tr, audio, units, languages, Transcriber.encode),
        ):
            t = time.perf_counter()
            words = run()
            cells.append(f"{time.perf_counter() - t:.1f} | {wer(ref, words):.3f}")
        print(f"| {path.stem} | {len(units)} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
