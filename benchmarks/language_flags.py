"""Speech in the wrong language, and whether a "language" flag tells the officer.

A segment decoded in a language its speaker did not speak is most often a
translation that reads well: the worst error the pipeline can make, unless
its "language" flag ("this text may be a translation or invented") is on it.
For every code-switched file of ``benchmarks/codeswitch.py`` (the same files,
references and pipeline), by time overlap with the reference clips in a
language whisper has:

* **wrong**: reference speech covered by segments with text in another
  language than the clip's; **flagged**: the part of it covered by such
  segments that carry a "language" flag; **unflagged** is the rest, the
  silent translations;
* **right**: reference speech covered by segments in the clip's language;
  **flagged**: the part of it a "language" flag asks the officer to check
  for nothing (a flag too many teaches the officer to clear flags unread).

No oracle is needed: these are the pipeline's own figures. The pipeline's
segments are written to ``.cache/codeswitch/NAME.pipeline.LABEL.json``, as
``codeswitch.py`` writes them (LABEL: the checkout's folder name).

Usage::

  .venv/bin/python benchmarks/language_flags.py [NAME ...]            # this checkout's pipeline
  .venv/bin/python benchmarks/language_flags.py --source ../base      # another checkout's src/
  .venv/bin/python benchmarks/language_flags.py --cached main base    # score what runs wrote, side by side
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from codeswitch import LACKING, MODELS, all_files, covered, pct, rate, resolve, run_pipeline, saved  # noqa: E402
from codeswitch import score as scored  # noqa: E402
from common import REPO, git_revision, header  # noqa: E402


def score(ref: dict, result: dict) -> dict[str, float]:
    """Seconds of reference speech: wrong language, of it flagged; right language, of it flagged."""
    segments = [(k, s) for k, s in enumerate(result["segments"]) if s["text"].strip()]
    flagged = {f["segment"] for f in result["flags"] if f["kind"] == "language"}
    out = {"wrong": 0.0, "wrong_flagged": 0.0, "right": 0.0, "right_flagged": 0.0, "speech": 0.0}
    for clip in ref["clips"]:
        if clip["language"] in LACKING:
            continue
        a, b = clip["start"], clip["end"]
        out["speech"] += b - a
        for kind, same in (("right", True), ("wrong", False)):
            spans = [(k, s) for k, s in segments if (s["language"] == clip["language"]) == same]
            out[kind] += covered(a, b, [(s["start"], s["end"]) for _, s in spans])
            out[f"{kind}_flagged"] += covered(a, b, [(s["start"], s["end"]) for k, s in spans if k in flagged])
    # The pipeline's own language-right share and WER, as codeswitch.py scores them (its oracle
    # columns are not used here: the reference stands in for the oracle).
    row = scored(ref, [dict(c, language_probability=1.0) for c in ref["clips"]], result)
    out["language_right"], out["errors"], out["words"] = pct(row["lang"]) or 0.0, *row["wer"]
    return out


def share(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "-"


def table(rows: dict[str, dict[str, float]], label: str) -> str:
    lines = [f"| file ({label}) | speech (s) | wrong language (s) | of it flagged | unflagged (s) | right language (s) | of it flagged |",
             "|---|---|---|---|---|---|---|"]
    total = dict.fromkeys(("speech", "wrong", "wrong_flagged", "right", "right_flagged"), 0.0)
    for name, r in rows.items():
        for k in total:
            total[k] += r[k]
        lines.append(f"| {name} | {r['speech']:.0f} | {r['wrong']:.1f} | {share(r['wrong_flagged'], r['wrong'])} | "
                     f"{r['wrong'] - r['wrong_flagged']:.1f} | {r['right']:.0f} | {share(r['right_flagged'], r['right'])} |")
    t = total
    lines.append(f"| **all {len(rows)}** | {t['speech']:.0f} | **{t['wrong']:.1f}** | **{share(t['wrong_flagged'], t['wrong'])}** | "
                 f"**{t['wrong'] - t['wrong_flagged']:.1f}** | {t['right']:.0f} | **{share(t['right_flagged'], t['right'])}** |")
    return "\n".join(lines)


def side_by_side(a: dict[str, dict[str, float]], b: dict[str, dict[str, float]], la: str, lb: str) -> str:
    lines = [f"| file | language right: {la} → {lb} | WER | wrong language (s) | unflagged (s) | right language flagged (s) |",
             "|---|---|---|---|---|---|"]
    for name in a:
        if name not in b:
            continue
        x, y = a[name], b[name]
        lines.append(f"| {name} | {x['language_right']:.1f} → {y['language_right']:.1f} % | {rate((x['errors'], x['words'])):.3f} → "
                     f"{rate((y['errors'], y['words'])):.3f} | {x['wrong']:.1f} → {y['wrong']:.1f} | {x['wrong'] - x['wrong_flagged']:.1f} → "
                     f"{y['wrong'] - y['wrong_flagged']:.1f} | {x['right_flagged']:.1f} → {y['right_flagged']:.1f} |")
    return "\n".join(lines)


def cached(label: str, files) -> dict[str, dict[str, float]]:
    results = saved(label, files)
    return {name: score(json.loads(ref.read_text()), results[name]) for name, _, ref in files if "error" not in results[name]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("names", nargs="*", help="files (default: cs_v01 and every built mixture)")
    ap.add_argument("--source", type=Path, help="run the pipeline of the checkout at PATH (its src/) instead of this one")
    ap.add_argument("--cached", nargs="+", metavar="LABEL",
                    help="only score the runs labelled so (one table, or two side by side; file names go before --cached)")
    args = ap.parse_args()
    files = resolve(args.names) if args.names else all_files()
    if args.source is not None:
        source = args.source.resolve()
        env = dict(os.environ, PYTHONPATH=str(source / "src"), INTERVIEW_ASSIST_MODELS=str(MODELS),
                   INTERVIEW_ASSIST_GAZETTEERS=str(REPO / "gazetteers"))
        subprocess.run([sys.executable, __file__, *[n for n, _, _ in files]], env=env, check=True)
        return
    print(header("Speech in the wrong language, and its \"language\" flags"))
    print(f"Scored by {Path(__file__).name} at revision {git_revision()}.\n")
    if args.cached:
        runs = {label: cached(label, files) for label in args.cached}
    else:
        results, source, _ = run_pipeline(files)
        label = Path(source).name
        runs = {label: {name: score(json.loads(ref.read_text()), results[name]) for name, _, ref in files if "error" not in results[name]}}
    for label, rows in runs.items():
        print(table(rows, label) + "\n")
    if len(runs) == 2:
        (la, a), (lb, b) = runs.items()
        print(side_by_side(a, b, la, lb))


if __name__ == "__main__":
    main()
