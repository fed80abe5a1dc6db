"""Proper nouns: accuracy with and without the case glossary, flag recall,
false flags per minute, the right name among the top-3 suggestions, and
whether suggestions are worth a key: the share of suggestions that are the
right name, and the flags whose suggestions are all wrong.

Runs on every dialogue with a ``.names.tsv`` reference in ../shared/eval/names
(or the folders given), in three conditions:

- no glossary: gazetteers only, no biasing;
- glossary, not biased: the case glossary for detection and suggestions only;
- glossary, biased: the glossary also passed to Whisper as hotwords (the
  default whenever a glossary is given).

The glossary of a dialogue is its list of names (the case file is taken to
hold them). Then the interview mixtures of ../shared/eval/interviews
(transcribed as ``transcribe`` does, with diarization, no glossary), scored
against the names of benchmarks/names_interviews.tsv; then the real ASR
clips (no names reference): flags per minute, how many of them sit on words
the ASR got right, and the suggestions they offer.

The suggestion figures run on the code imported: to measure an earlier
commit side by side, put its ``src`` first on PYTHONPATH (its own gazetteers
come with it).

Also: gazetteer load time (index cached) and flagging time on a 3-hour
transcript (the interview transcripts of the names dialogues repeated).

Usage: python benchmarks/names.py [DIR ...] [--model whisper-base]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import EVAL, header  # noqa: E402
from names_scoring import Score, read_reference, read_timed_names, score, score_by_time  # noqa: E402

from interview_assist.asr.transcriber import AsrOptions, Transcriber  # noqa: E402
from interview_assist.core.models import ModelCatalog  # noqa: E402
from interview_assist.core.textnorm import normalise  # noqa: E402
from interview_assist.core.transcript import GlossaryEntry  # noqa: E402
from interview_assist.names.detect import NameFinder, NameOptions  # noqa: E402
from interview_assist.names.gazetteer import Gazetteer  # noqa: E402
from interview_assist.names.glossary import list_word_keys  # noqa: E402
from interview_assist.pipeline.run import PipelineOptions, transcribe  # noqa: E402

CONDITIONS = (("no glossary", False, False), ("glossary, not biased", True, False), ("glossary, biased", True, True))


def pct(a: int, b: int) -> str:
    return f"{a}/{b} ({100 * a / b:.0f}%)" if b else "-"


def suggestion_row(name: str, s: Score, show_offered: bool = True) -> str:
    share = f"{s.right_suggestions}/{s.suggestions} ({100 * s.right_suggestions / s.suggestions:.0f}%)" if s.suggestions else "0"
    return (f"| {name} | {s.flags} | {s.suggestions} | {share} | {s.flags_suggesting} | {pct(s.flags_all_wrong, s.flags)} | "
            f"{pct(s.right_offered, s.misrecognised) if show_offered else '-'} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dirs", nargs="*", type=Path, default=[EVAL / "names"])
    ap.add_argument("--model", default=None)
    args = ap.parse_args()
    stems = sorted(p.with_name(p.name.removesuffix(".names.tsv")) for d in args.dirs for p in d.glob("*.names.tsv"))

    t0 = time.perf_counter()
    gazetteer = Gazetteer.load()
    load_s = time.perf_counter() - t0
    transcriber = Transcriber(ModelCatalog(), args.model, AsrOptions())
    print(header("Proper nouns"))
    print(f"{len(stems)} dialogues ({', '.join(s.name for s in stems)}), model {transcriber.spec.name}, denoise auto, no diarization\n")

    totals = {c[0]: Score(0.0) for c in CONDITIONS}
    transcripts = []
    for stem in stems:
        ref = read_reference(stem)
        audio = stem.with_suffix(".wav")
        for name, use_glossary, bias in CONDITIONS:
            glossary = tuple(GlossaryEntry(t, k) for t, k in ref.glossary) if use_glossary else ()
            opts = PipelineOptions(diarize=False, names=NameOptions(bias=bias))
            t = transcribe(audio, opts, transcriber=transcriber, gazetteer=gazetteer, glossary=glossary)
            s = score(t, ref, list_word_keys(glossary) if bias else set(), gazetteer)
            totals[name].add(s)
            if name == "no glossary":
                transcripts.append(t)
            print(f"- {stem.name} / {name}: recognised {s.recognised}/{s.occurrences}, caught {pct(s.caught, s.misrecognised)}, "
                  f"top-3 {pct(s.top3, s.misrecognised)}, flags {s.flags}, false {s.false_strict} strict / {s.false_lenient} lenient "
                  f"({s.false_known_place} on known places, doubted)")
            for m in s.missed:
                print(f"    missed: {m}")
            for m in s.no_top3:
                print(f"    not in top 3: {m}")
            for m in s.false_texts:
                print(f"    false flag: {m}")
            sys.stdout.flush()

    print("\nSuggestions: offered, right (share of those offered), flags offering some, flags whose suggestions are all wrong "
          "(share of all flags), misrecognised names whose flag offers the right name (anywhere in its list):\n")
    print("| condition | flags | suggestions offered | right | flags with suggestions | all wrong | right name offered |")
    print("|---|---|---|---|---|---|---|")
    for name, *_ in CONDITIONS:
        print(suggestion_row(name, totals[name], show_offered=True))
    for name, *_ in CONDITIONS:
        for w in totals[name].wrong_texts:
            print(f"    {name}: all wrong: {w}")

    print("\n| condition | (a) names recognised | (b) misrecognised names flagged | (c) false flags / min, strict (lenient) | (d) right name in top 3 | list words inserted elsewhere, flagged |")
    print("|---|---|---|---|---|---|")
    for name, *_ in CONDITIONS:
        s = totals[name]
        ins = pct(s.inserted_flagged, s.inserted_list_words) if name.endswith("biased") and "not" not in name else "-"
        print(f"| {name} | {pct(s.recognised, s.occurrences)} | {pct(s.caught, s.misrecognised)} | "
              f"{s.false_strict / s.minutes:.2f} ({s.false_lenient / s.minutes:.2f}) | {pct(s.top3, s.misrecognised)} | {ins} |")

    # The interview mixtures: real voices, names known by time (benchmarks/names_interviews.tsv).
    timed = read_timed_names(Path(__file__).with_name("names_interviews.tsv"))
    mixtures = Score(0.0)
    for audio in sorted((EVAL / "interviews").glob("*.flac")):
        t = transcribe(audio, PipelineOptions(), transcriber=transcriber, gazetteer=gazetteer)
        s = score_by_time(t, timed.get(audio.stem, []), gazetteer)
        mixtures.add(s)
        print(f"- {audio.stem}: {s.flags} flags ({s.flags / s.minutes:.2f}/min), {s.suggestions} suggestions, {s.right_suggestions} right, "
              f"{s.flags_all_wrong} flags with only wrong ones")
        for f in t.name_flags:
            sugs = "; ".join(f"{x.text} ({getattr(x, 'reason', '') or x.source})" for x in f.suggestions)
            print(f"    {f.start:6.1f} {f.text!r} [{', '.join(f.reasons)}] -> {sugs or '(none)'}")
    print("\n| recordings | flags | suggestions offered | right | flags with suggestions | all wrong | right name offered |")
    print("|---|---|---|---|---|---|---|")
    print(suggestion_row(f"interview mixtures ({mixtures.minutes:.1f} min, no glossary)", mixtures, show_offered=False))

    # Real clips: no names reference; flags per minute, and those on words the ASR got right.
    flags = right = offered = suggesting = 0
    minutes = 0.0
    for audio in sorted((EVAL / "asr").glob("*")):
        if audio.suffix not in (".ogg", ".wav", ".flac", ".mp3") or not audio.with_suffix(".txt").exists():
            continue
        t = transcribe(audio, PipelineOptions(diarize=False), transcriber=transcriber, gazetteer=gazetteer)
        ref_words = set(normalise(audio.with_suffix(".txt").read_text()).split())
        minutes += t.duration / 60
        for f in t.name_flags:
            flags += 1
            right += all(w in ref_words for w in normalise(f.text).split())
            offered += len(f.suggestions)
            suggesting += bool(f.suggestions)
            sugs = "; ".join(f"{x.text} ({getattr(x, 'reason', '') or x.source})" for x in f.suggestions)
            print(f"    {audio.name} {f.text!r} [{', '.join(f.reasons)}] -> {sugs or '(none)'}")
    print(f"\nReal ASR clips ({EVAL / 'asr'}, {minutes:.1f} min, no glossary): {flags / minutes:.2f} flags/min, "
          f"{right / minutes:.2f}/min on words the reference also has (correct proper nouns among them); "
          f"{suggesting} of {flags} flags offer suggestions, {offered} in all")

    # Speed: a 3-hour transcript, flagged with a case glossary.
    long = []
    offset = 0.0
    while offset < 3 * 3600:
        for t in transcripts:
            long += [replace(s, start=s.start + offset, end=s.end + offset, words=tuple(replace(w, start=w.start + offset, end=w.end + offset) for w in s.words)) for s in t.segments]
            offset += t.duration
    glossary = tuple(GlossaryEntry(t, k) for stem in stems for t, k in read_reference(stem).glossary)
    t0 = time.perf_counter()
    n = len(NameFinder(gazetteer, glossary).flag(long))
    flag_s = time.perf_counter() - t0
    print(f"\nGazetteer: {len(gazetteer)} names, loaded in {load_s:.2f} s (index cached). "
          f"Flagging a {offset / 3600:.1f} h transcript ({sum(len(s.words) for s in long)} words, glossary of {len(glossary)}): "
          f"{flag_s:.2f} s, {n} flags")


if __name__ == "__main__":
    main()
