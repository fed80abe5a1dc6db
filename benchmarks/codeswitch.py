"""Code-switched interviews: language and WER of the pipeline against a per-turn oracle.

Files: ``../shared/eval/codeswitch/cs_v01`` and every mixture built by
``benchmarks/codeswitch_data.py`` (``benchmarks/.cache/codeswitch/*.ref.json``;
how each is made is described there), or the files named on the command
line (a name such as ``cs_r01``, or the path of a ``.flac`` with its
``.ref.json`` beside it). ``--quick``: cs_v01, cs_r01 and cs_s_es_en.

* **oracle**: each reference clip cut out (start..end) and transcribed alone
  by bare faster-whisper, ``WhisperModel(models/whisper-base, cpu, int8)
  .transcribe(clip, beam_size=5, word_timestamps=True)``, language detected
  per clip. Cached in ``.cache/codeswitch/NAME.oracle.json``, keyed by the
  sha256 of the model weights, of the audio and of the reference.
* **pipeline**: ``interview_assist.pipeline.run.transcribe(path, PipelineOptions(),
  transcriber=Transcriber(ModelCatalog(), "whisper-base", AsrOptions()),
  diarizer=Diarizer(ModelCatalog()))``: default options, diarization on;
  the models are loaded once. Its segments are kept in
  ``.cache/codeswitch/NAME.pipeline.LABEL.json`` for inspection.

Scoring, by time overlap with the reference clips:

* **language right**: of the reference speech that segments with text cover,
  the share covered by segments whose ``language`` is the clip's, summed over
  clips (speech-time weighted). **covered**: the share of the reference speech
  that segments with text cover at all (pauses inside a clip and edges that
  no word reaches are not covered; speech not transcribed shows in the WER).
  For the oracle, a clip counts whole when its detected language is right.
* **WER**: per clip, the pipeline's words whose midpoint (start+end)/2 falls
  in [start, end), joined, against the clip's text; corpus WER per file over
  its clips (jiwer, after ``interview_assist.core.textnorm.normalise``); the oracle
  likewise with its per-clip text. ratio = pipeline / oracle (target <= 1.1;
  language target >= 97 %). Words outside every clip are not scored; their
  number is shown as "stray words".
* Clips in a language whisper lacks (ku, om) are left out of both figures
  and reported apart: the share of their speech time covered by segments
  that carry a flag of kind "language".

The totals row pools every file (speech time for language, errors over
reference words for WER). "meets" is language >= 97 % and ratio <= 1.1.

``--base PATH`` also runs the pipeline of another checkout (``PATH/src``) in
a subprocess of this script (``PYTHONPATH=PATH/src``,
``INTERVIEW_ASSIST_MODELS=<this checkout>/models``; its gazetteer index is
built in .cache, not in PATH) and prints both tables and the two side by side.
``--no-current`` skips this checkout's pipeline (e.g. while it is being
rewritten).

Usage:
  .venv/bin/python benchmarks/codeswitch_data.py      # build the mixtures first
  .venv/bin/python benchmarks/codeswitch.py [NAME ...] [--quick] [--base ../base] [--no-current]
  .venv/bin/python benchmarks/codeswitch.py --cached base main   # score two runs' saved segments again
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import jiwer  # noqa: E402
from common import CACHE, EVAL, REPO, git_revision, header  # noqa: E402

SR = 16000
OUT = CACHE / "codeswitch"
MODELS = Path(os.environ.get("INTERVIEW_ASSIST_MODELS", REPO / "models"))
MODEL = "whisper-base"
LACKING = {"ku", "om"}  # languages whisper does not have
QUICK = ["cs_v01", "cs_r01", "cs_s_es_en"]
LANGUAGE_TARGET = 97.0
RATIO_TARGET = 1.1


# --------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------
def all_files() -> list[tuple[str, Path, Path]]:
    out = [("cs_v01", EVAL / "codeswitch" / "cs_v01.flac", EVAL / "codeswitch" / "cs_v01.ref.json")]
    for ref in sorted(OUT.glob("*.ref.json")):
        name = ref.name[: -len(".ref.json")]
        if (OUT / f"{name}.flac").exists():  # not a pipeline's output labelled "ref" (NAME.pipeline.ref.json)
            out.append((name, OUT / f"{name}.flac", ref))
    return out


def resolve(names: list[str]) -> list[tuple[str, Path, Path]]:
    known = {n: (n, f, r) for n, f, r in all_files()}
    out = []
    for name in names:
        if name in known:
            out.append(known[name])
            continue
        path = Path(name)
        if path.suffix == ".flac" and path.with_suffix("").with_suffix(".ref.json").exists():
            out.append((path.stem, path, path.with_suffix("").with_suffix(".ref.json")))
            continue
        raise SystemExit(f"unknown file {name!r} (known: {', '.join(known)}); build them with benchmarks/codeswitch_data.py")
    return out


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# --------------------------------------------------------------------------
# Oracle: each clip alone, bare faster-whisper
# --------------------------------------------------------------------------
class Oracle:
    def __init__(self) -> None:
        self._model = None
        self.model_sha = sha256(MODELS / MODEL / "model.bin")
        self.seconds = 0.0

    def model(self):
        if self._model is None:
            from faster_whisper import WhisperModel

            self._model = WhisperModel(str(MODELS / MODEL), device="cpu", compute_type="int8", local_files_only=True)
        return self._model

    def run(self, name: str, flac: Path, ref_path: Path) -> list[dict]:
        key = {"model_sha256": self.model_sha, "audio_sha256": sha256(flac), "ref_sha256": sha256(ref_path),
               "decode": "beam_size=5, word_timestamps=True, language detected"}
        cache = OUT / f"{name}.oracle.json"
        if cache.exists():
            doc = json.loads(cache.read_text())
            if doc.get("key") == key:
                return doc["clips"]
        from faster_whisper.audio import decode_audio

        started = time.perf_counter()
        audio = decode_audio(str(flac), sampling_rate=SR)
        clips = []
        for c in json.loads(ref_path.read_text())["clips"]:
            piece = audio[int(round(c["start"] * SR)) : int(round(c["end"] * SR))]
            segments, info = self.model().transcribe(piece, beam_size=5, word_timestamps=True)
            text = " ".join(s.text.strip() for s in segments)
            clips.append({"clip": c["clip"], "start": c["start"], "end": c["end"], "text": text,
                          "language": info.language, "language_probability": round(float(info.language_probability), 4)})
        elapsed = time.perf_counter() - started
        self.seconds += elapsed
        OUT.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps({"key": key, "seconds": round(elapsed, 1), "clips": clips}, ensure_ascii=False, indent=1) + "\n")
        return clips


# --------------------------------------------------------------------------
# Pipeline
# --------------------------------------------------------------------------
class Pipeline:
    def __init__(self) -> None:
        import inspect

        import interview_assist

        try:  # the layout of this checkout
            from interview_assist.asr.transcriber import AsrOptions, Transcriber
            from interview_assist.core.models import ModelCatalog
            from interview_assist.pipeline.run import PipelineOptions, transcribe
            from interview_assist.speakers.diarize import Diarizer
        except ImportError:  # a --base checkout from before the packages (flat modules)
            from interview_assist.asr import AsrOptions, Transcriber  # type: ignore[no-redef]
            from interview_assist.diarize import Diarizer  # type: ignore[no-redef]
            from interview_assist.models import ModelCatalog  # type: ignore[no-redef]
            from interview_assist.pipeline import PipelineOptions, transcribe  # type: ignore[no-redef]

        self.source = Path(interview_assist.__file__).resolve().parents[2]
        started = time.perf_counter()
        self.transcriber = Transcriber(ModelCatalog(), MODEL, AsrOptions())
        self.diarizer = Diarizer(ModelCatalog())
        self.kwargs = {}
        if "gazetteer" in inspect.signature(transcribe).parameters:
            from interview_assist.names.gazetteer import Gazetteer

            self.kwargs["gazetteer"] = Gazetteer.load()
        self.load_seconds = time.perf_counter() - started
        self.options = PipelineOptions()
        self._transcribe = transcribe

    def run(self, flac: Path) -> dict:
        started = time.perf_counter()
        t = self._transcribe(flac, self.options, transcriber=self.transcriber, diarizer=self.diarizer, **self.kwargs)
        elapsed = time.perf_counter() - started
        return {
            "seconds": round(elapsed, 1),
            "segments": [
                {"start": s.start, "end": s.end, "text": s.text, "language": s.language,
                 "speaker": getattr(s, "speaker", None),
                 "words": [[w.start, w.end, w.text, w.probability] for w in s.words]}
                for s in t.segments
            ],
            "flags": [{"kind": f.kind, "reason": f.reason, "segment": f.segment} for f in t.flags],
        }


def revision_of(checkout: Path) -> str:
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], capture_output=True, text=True, cwd=checkout).stdout.strip()
        except OSError:
            return ""

    rev = git("rev-parse", "--short", "HEAD") or "?"
    dirty = git("status", "--porcelain", "--", "src")
    return rev + (" + uncommitted changes in src/" if dirty else "")


# --------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------
def covered(start: float, end: float, spans: list[tuple[float, float]]) -> float:
    """Seconds of [start, end) covered by the union of spans."""
    cut = sorted((max(a, start), min(b, end)) for a, b in spans if b > start and a < end)
    total, reach = 0.0, start
    for a, b in cut:
        a = max(a, reach)
        if b > a:
            total += b - a
            reach = b
    return total


def normalised(text: str) -> str:
    try:
        from interview_assist.core.textnorm import normalise
    except ImportError:  # a --base checkout from before the packages
        from interview_assist.textnorm import normalise  # type: ignore[no-redef]

    return normalise(text)


def counts(refs: list[str], hyps: list[str]) -> tuple[int, int]:
    """(errors, reference words) of a corpus."""
    if not refs:
        return 0, 0
    out = jiwer.process_words([normalised(r) for r in refs], [normalised(h) or "<empty>" for h in hyps])
    return out.substitutions + out.deletions + out.insertions, out.substitutions + out.deletions + out.hits


def score(ref: dict, oracle: list[dict], result: dict | None) -> dict:
    clips = ref["clips"]
    scored = [i for i, c in enumerate(clips) if c["language"] not in LACKING]
    lacking = [i for i, c in enumerate(clips) if c["language"] in LACKING]
    seconds = sum(clips[i]["end"] - clips[i]["start"] for i in scored)
    row = {"duration": ref["duration_s"], "clips": len(clips), "speech": seconds,
           "lacking_clips": len(lacking), "lacking_speech": sum(clips[i]["end"] - clips[i]["start"] for i in lacking)}
    # Oracle
    o_right = sum(clips[i]["end"] - clips[i]["start"] for i in scored if oracle[i]["language"] == clips[i]["language"])
    row["oracle_lang"] = o_right, seconds
    row["oracle_wer"] = counts([clips[i]["text"] for i in scored], [oracle[i]["text"] for i in scored])
    row["oracle_lacking_langs"] = sorted({oracle[i]["language"] for i in lacking})
    if result is None or "error" in result:
        row["error"] = (result or {}).get("error", "not run")
        return row
    segments = result["segments"]
    words = [(w[0], w[1], w[2]) for s in segments for w in s["words"]]
    by_lang: dict[str, list[tuple[float, float]]] = {}
    for s in segments:
        if s["text"].strip():
            by_lang.setdefault(s["language"], []).append((s["start"], s["end"]))
    any_lang = [span for spans in by_lang.values() for span in spans]
    right = {i: covered(clips[i]["start"], clips[i]["end"], by_lang.get(clips[i]["language"], [])) for i in scored}
    heard = {i: covered(clips[i]["start"], clips[i]["end"], any_lang) for i in scored}
    row["lang"] = sum(right.values()), sum(heard.values())
    row["coverage"] = sum(heard.values()), seconds
    hyps, used = {}, 0
    for i, c in enumerate(clips):
        inside = [w for w in words if c["start"] <= (w[0] + w[1]) / 2 < c["end"]]
        used += len(inside)
        hyps[i] = " ".join(w[2].strip() for w in inside)
    row["stray_words"] = len(words) - used
    row["wer"] = counts([clips[i]["text"] for i in scored], [hyps[i] for i in scored])
    # Details: short clips and mid-turn switches
    for label, pick in (("short", lambda c: c["end"] - c["start"] < 2.0), ("switch", lambda c: c["mid_turn_switch"])):
        idx = [i for i in scored if pick(clips[i])]
        row[f"lang_{label}"] = sum(right[i] for i in idx), sum(heard[i] for i in idx)
        row[f"oracle_lang_{label}"] = (sum(clips[i]["end"] - clips[i]["start"] for i in idx if oracle[i]["language"] == clips[i]["language"]),
                                       sum(clips[i]["end"] - clips[i]["start"] for i in idx))
    flagged = {f["segment"] for f in result["flags"] if f["kind"] == "language"}
    flag_spans = [(segments[k]["start"], segments[k]["end"]) for k in flagged if 0 <= k < len(segments)]
    row["lacking_flagged"] = sum(covered(clips[i]["start"], clips[i]["end"], flag_spans) for i in lacking)
    given: dict[str, float] = {}
    for i in lacking:
        for lang, spans in by_lang.items():
            given[lang] = given.get(lang, 0.0) + covered(clips[i]["start"], clips[i]["end"], spans)
    row["lacking_langs"] = {k: v for k, v in sorted(given.items(), key=lambda kv: -kv[1]) if v > 0}
    row["language_flags"] = sum(1 for f in result["flags"] if f["kind"] == "language")
    row["seconds"] = result.get("seconds")
    return row


def pct(pair: tuple[float, float]) -> float | None:
    return 100.0 * pair[0] / pair[1] if pair[1] else None


def rate(pair: tuple[int, int]) -> float | None:
    return pair[0] / pair[1] if pair[1] else None


def fmt(value: float | None, spec: str, suffix: str = "") -> str:
    return "-" if value is None else f"{value:{spec}}{suffix}"


def add(a: tuple, b: tuple) -> tuple:
    return tuple(x + y for x, y in zip(a, b))


def table(rows: dict[str, dict]) -> str:
    lines = [
        "| file | duration (s) | clips | language right | WER pipeline | WER oracle | ratio | oracle language right "
        "| meets | lacking-language clips: speech flagged \"language\" | stray words | pipeline (s) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    total = {"duration": 0.0, "clips": 0, "lang": (0.0, 0.0), "wer": (0, 0), "oracle_wer": (0, 0), "oracle_lang": (0.0, 0.0),
             "lacking_flagged": 0.0, "lacking_speech": 0.0, "stray": 0, "seconds": 0.0, "meets": 0, "scored": 0}
    for name, r in rows.items():
        total["duration"] += r["duration"]
        total["clips"] += r["clips"]
        total["oracle_wer"] = add(total["oracle_wer"], r["oracle_wer"])
        total["oracle_lang"] = add(total["oracle_lang"], r["oracle_lang"])
        o_wer = rate(r["oracle_wer"])
        lack = "-"
        if "error" in r:
            lines.append(f"| {name} | {r['duration']:.1f} | {r['clips']} | failed: {r['error'][:80]} | | {fmt(o_wer, '.3f')} | | "
                         f"{fmt(pct(r['oracle_lang']), '.1f', ' %')} | | | | |")
            continue
        lang, wer = pct(r["lang"]), rate(r["wer"])
        ratio = wer / o_wer if wer is not None and o_wer else None
        meets = lang is not None and lang >= LANGUAGE_TARGET and ratio is not None and ratio <= RATIO_TARGET
        if r["lacking_clips"]:
            lack = f"{100 * r['lacking_flagged'] / r['lacking_speech']:.0f} % of {r['lacking_speech']:.0f} s ({r['lacking_clips']} clips)"
            total["lacking_flagged"] += r["lacking_flagged"]
            total["lacking_speech"] += r["lacking_speech"]
        total["lang"] = add(total["lang"], r["lang"])
        total["wer"] = add(total["wer"], r["wer"])
        total["stray"] += r["stray_words"]
        total["seconds"] += r["seconds"] or 0.0
        total["meets"] += meets
        total["scored"] += 1
        lines.append(
            f"| {name} | {r['duration']:.1f} | {r['clips']} | {fmt(lang, '.1f', ' %')} ({fmt(pct(r['coverage']), '.0f', ' %')} covered) | {fmt(wer, '.3f')} | {fmt(o_wer, '.3f')} | "
            f"{fmt(ratio, '.2f')} | {fmt(pct(r['oracle_lang']), '.1f', ' %')} | {'✓' if meets else '✗'} | {lack} | "
            f"{r['stray_words']} | {fmt(r['seconds'], '.0f')} |"
        )
    t_wer, t_owe = rate(total["wer"]), rate(total["oracle_wer"])
    t_ratio = t_wer / t_owe if t_wer is not None and t_owe else None
    t_lack = (f"{100 * total['lacking_flagged'] / total['lacking_speech']:.0f} % of {total['lacking_speech']:.0f} s"
              if total["lacking_speech"] else "-")
    lines.append(
        f"| **all {len(rows)}** | {total['duration']:.0f} | {total['clips']} | **{fmt(pct(total['lang']), '.1f', ' %')}** | "
        f"**{fmt(t_wer, '.3f')}** | {fmt(t_owe, '.3f')} | **{fmt(t_ratio, '.2f')}** | {fmt(pct(total['oracle_lang']), '.1f', ' %')} | "
        f"{total['meets']}/{total['scored']} | {t_lack} | {total['stray']} | {total['seconds']:.0f} |"
    )
    return "\n".join(lines)


def details(rows: dict[str, dict]) -> str:
    lines = ["| file | language right, clips < 2 s (oracle) | language right, mid-turn switch clips (oracle) "
             "| lacking-language clips: languages the segments gave them (oracle's) | \"language\" flags |",
             "|---|---|---|---|---|"]
    for name, r in rows.items():
        if "error" in r:
            continue
        def both(key: str) -> str:
            p, o = pct(r[key]), pct(r["oracle_" + key])
            return "-" if p is None else f"{p:.0f} % ({o:.0f} %) of {r[key][1]:.1f} s"
        given = ", ".join(f"{k or '(none)'} {v:.0f} s" for k, v in r["lacking_langs"].items()) if r["lacking_clips"] else "-"
        if r["lacking_clips"]:
            given += f" ({', '.join(r['oracle_lacking_langs'])})"
        lines.append(f"| {name} | {both('lang_short')} | {both('lang_switch')} | {given} | {r['language_flags']} |")
    return "\n".join(lines)


def oracle_by_language(files, refs, oracles) -> str:
    """The oracle per language, over all files: is each voice a fair test?"""
    per: dict[str, dict] = {}
    for name, _, _ in files:
        for c, o in zip(refs[name]["clips"], oracles[name]):
            d = per.setdefault(c["language"], {"refs": [], "hyps": [], "right": 0.0, "seconds": 0.0, "files": set(), "kinds": set()})
            d["refs"].append(c["text"])
            d["hyps"].append(o["text"])
            d["seconds"] += c["end"] - c["start"]
            d["right"] += (c["end"] - c["start"]) * (o["language"] == c["language"])
            d["files"].add(name)
            d["kinds"].add("synthetic" if c["clip"].startswith("espeak") else "real")
    lines = ["| language | voices | files | clips | speech (s) | oracle WER | oracle language right |", "|---|---|---|---|---|---|---|"]
    for lang, d in sorted(per.items(), key=lambda kv: -kv[1]["seconds"]):
        wer = "- (not in whisper)" if lang in LACKING else fmt(rate(counts(d["refs"], d["hyps"])), ".3f")
        lines.append(f"| {lang} | {' + '.join(sorted(d['kinds']))} | {len(d['files'])} | {len(d['refs'])} | {d['seconds']:.0f} | "
                     f"{wer} | {100 * d['right'] / d['seconds']:.1f} % |")
    return "\n".join(lines)


# --------------------------------------------------------------------------
def run_pipeline(files) -> tuple[dict, str, float]:
    try:
        pipe = Pipeline()
    except Exception as exc:  # the checkout may be mid-rewrite
        return {n: {"error": f"load: {type(exc).__name__}: {exc}"} for n, _, _ in files}, "?", 0.0
    label = pipe.source.name
    print(f"pipeline: {pipe.source}/src, revision {revision_of(pipe.source)}; models loaded in {pipe.load_seconds:.0f} s", flush=True)
    results = {}
    for name, flac, _ in files:
        try:
            results[name] = pipe.run(flac)
        except Exception as exc:
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
        (OUT / f"{name}.pipeline.{label}.json").write_text(json.dumps(results[name], ensure_ascii=False) + "\n")
        r = results[name]
        print(f"  {name}: {'failed: ' + r['error'] if 'error' in r else str(r['seconds']) + ' s'}", file=sys.stderr, flush=True)
    return results, str(pipe.source), pipe.load_seconds


def saved(label: str, files) -> dict[str, dict]:
    """The results a run labelled ``label`` wrote (NAME.pipeline.LABEL.json), by file; an error where it wrote none."""
    out = {}
    for name, _, _ in files:
        path = OUT / f"{name}.pipeline.{label}.json"
        out[name] = json.loads(path.read_text()) if path.exists() else {"error": f"no {path.name}"}
    return out


def side_by_side(base: dict[str, dict], current: dict[str, dict], base_label: str, current_label: str) -> str:
    lines = [f"| file | language right: {base_label} → {current_label} | WER: {base_label} → {current_label} | WER oracle | ratio: {base_label} → {current_label} |",
             "|---|---|---|---|---|"]
    for name in base:
        b, c = base[name], current.get(name, {"error": "not run"})
        def cell(r, f, spec):
            return "failed" if "error" in r else fmt(f(r), spec)
        o = rate(b["oracle_wer"])
        lang = lambda r: pct(r["lang"])  # noqa: E731
        wer = lambda r: rate(r["wer"])  # noqa: E731
        ratio = lambda r: (rate(r["wer"]) / o) if o and rate(r["wer"]) is not None else None  # noqa: E731
        lines.append(f"| {name} | {cell(b, lang, '.1f')} → {cell(c, lang, '.1f')} | {cell(b, wer, '.3f')} → {cell(c, wer, '.3f')} | "
                     f"{fmt(o, '.3f')} | {cell(b, ratio, '.2f')} → {cell(c, ratio, '.2f')} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("names", nargs="*", help="files to score (default: cs_v01 and every built mixture)")
    ap.add_argument("--quick", action="store_true", help="only " + ", ".join(QUICK))
    ap.add_argument("--base", type=Path, help="also run the pipeline of the checkout at PATH (its src/)")
    ap.add_argument("--no-current", action="store_true", help="do not run this checkout's pipeline")
    ap.add_argument("--rows-json", type=Path, help=argparse.SUPPRESS)  # the --base child writes its rows here
    ap.add_argument("--cached", nargs="+", metavar="LABEL",
                    help="score the segments earlier runs wrote (NAME.pipeline.LABEL.json) instead of running a pipeline; "
                         "two labels side by side (file names go before --cached, which takes every word after it)")
    args = ap.parse_args()
    started = time.perf_counter()
    files = resolve(QUICK if args.quick else args.names) if (args.quick or args.names) else all_files()
    refs = {name: json.loads(ref.read_text()) for name, _, ref in files}

    oracle = Oracle()
    oracles = {}
    for name, flac, ref in files:
        oracles[name] = oracle.run(name, flac, ref)
    oracle_seconds = oracle.seconds
    if not args.rows_json:
        print(f"Oracle (each clip alone, bare faster-whisper {MODEL}, beam 5, language detected), per language over "
              f"{len(files)} files; computed in {oracle_seconds:.0f} s (0 = all cached):\n")
        print(oracle_by_language(files, refs, oracles) + "\n", flush=True)

    if args.cached:
        scored = {}
        for label in args.cached:
            results = saved(label, files)
            scored[label] = {name: score(refs[name], oracles[name], results[name]) for name, _, _ in files}
            print(header(f"Code-switched interviews: the run labelled {label} (segments as it wrote them) vs per-turn oracle"))
            print(table(scored[label]) + "\n")
            print(details(scored[label]) + "\n")
        if len(scored) == 2:
            (la, a), (lb, b) = scored.items()
            print(f"### Side by side: {la} → {lb}\n")
            print(side_by_side(a, b, la, lb))
        return

    base_rows = None
    if args.base:
        base = args.base.resolve()
        gaz = OUT / f"gazetteers-{base.name}"  # its index is built here, not in the other checkout
        if not (gaz / "places.tsv.gz").exists() and (base / "gazetteers").is_dir():
            shutil.copytree(base / "gazetteers", gaz, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".index"))
        env = dict(os.environ, PYTHONPATH=str(base / "src"), INTERVIEW_ASSIST_MODELS=str(MODELS),
                   INTERVIEW_ASSIST_GAZETTEERS=str(gaz))
        with tempfile.NamedTemporaryFile(suffix=".json") as tmp:
            subprocess.run([sys.executable, __file__, *[str(f) for _, f, _ in files], "--rows-json", tmp.name],
                           env=env, check=True, cwd=REPO)
            base_rows = json.loads(Path(tmp.name).read_text())
        print()

    current_rows = None
    if not args.no_current:
        import_started = time.perf_counter()
        results, source, load_seconds = run_pipeline(files)
        current_rows = {name: score(refs[name], oracles[name], results.get(name)) for name, _, _ in files}
        label = f"{Path(source).name}" if source != "?" else "?"
        rev = revision_of(Path(source)) if source != "?" else "?"
        pipeline_seconds = time.perf_counter() - import_started
        if args.rows_json:
            args.rows_json.write_text(json.dumps(current_rows))
        print(header(f"Code-switched interviews: pipeline ({label}, {rev}) vs per-turn oracle"))
        print(f"Scored by {Path(__file__).name} at revision {git_revision()} of {REPO.name}; pipeline from {source}/src "
              f"(revision {rev}); {MODEL}, PipelineOptions() defaults, diarization on. Oracle: each clip alone, bare "
              f"faster-whisper, beam 5, language detected (model sha256 {oracle.model_sha[:12]}).\n")
        print(table(current_rows))
        print()
        print(details(current_rows))
        print(f"\nTimes: oracle {oracle_seconds:.0f} s (0 = cached), pipeline {pipeline_seconds:.0f} s "
              f"(models {load_seconds:.0f} s), total {time.perf_counter() - started:.0f} s.\n", flush=True)

    if base_rows is not None and current_rows is not None:
        print(f"### Side by side: {args.base.resolve().name} → {REPO.name}\n")
        print(side_by_side(base_rows, current_rows, args.base.resolve().name, REPO.name))


if __name__ == "__main__":
    main()
