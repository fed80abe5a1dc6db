"""The QA report as JSON (every figure) and CSV (one row per interview, then the totals).

CSV oversight columns: ``heard_share`` (of the validated audio, the share its validating officers heard),
``attention_rates`` (each officer's recorded rate, 1 in N), ``attention_checks`` and ``attention_caught``,
``catch_rate``, ``pace_warnings`` (how many; in the totals row, the interviews with any).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from interview_assist.report import oversight
from interview_assist.report.metrics import NAME_OUTCOMES, QUALITY_OUTCOMES, Edits, Figures, InterviewReport, Outcomes, Speech, Totals

QUALITY_KINDS = ("loop", "stock_phrase", "no_speech", "gap", "language")


def _outcomes(o: Outcomes, outcomes: tuple[str, ...]) -> dict[str, int]:
    return {"raised": o.raised, **{k: o[k] for k in outcomes}}


def _edits(e: Edits) -> dict[str, Any]:
    return {
        "asr_words": e.asr_words, "word_edits": e.distance, "edit_rate": e.rate,
        "segments": e.segments, "edited_segments": e.edited_segments,
    }


def _speech(x: Speech) -> dict[str, Any]:
    return {"seconds": round(x.seconds, 3), "uncertain_seconds": round(x.uncertain, 3), "uncertain_share": x.uncertain_share}


def _figures(f: Figures) -> dict[str, Any]:
    return {
        "duration_seconds": f.duration,
        "segments": f.segments,
        "validated": f.validated,
        "validated_share": f.progress,
        "words": f.words,
        "mean_word_probability": f.mean_probability,
        "low_probability_words": f.low_probability_words,
        "name_flags": _outcomes(f.name_flags, NAME_OUTCOMES),
        "name_flags_by_reason": {k: _outcomes(v, NAME_OUTCOMES) for k, v in f.name_flags_by_reason.items()},
        "quality_flags": _outcomes(f.quality_flags, QUALITY_OUTCOMES),
        "quality_flags_by_kind": {k: _outcomes(v, QUALITY_OUTCOMES) for k, v in f.quality_flags_by_kind.items()},
        "edits": _edits(f.edits),
        "exports": f.exports,
        # Segment time per language; "uncertain": in segments with a language flag, whatever its decision.
        "speech_seconds": round(f.speech.seconds, 3),
        "speech_by_language": {k: _speech(v) for k, v in f.speech_by_language.items()},
        "uncertain_language_seconds": round(f.speech.uncertain, 3),
        "uncertain_language_share": f.speech.uncertain_share,
        "language_flags": _outcomes(f.language_flags, QUALITY_OUTCOMES),
    }


def interview_dict(r: InterviewReport) -> dict[str, Any]:
    return {
        "interview_id": r.interview_id,
        "audio_file": r.audio_file,
        "audio_sha256": r.audio_sha256,
        "model": r.model,
        "model_sha256": r.model_sha256,
        "denoised_windows": r.denoised_windows,
        "denoise_windows": r.windows,
        "transcribed_at": r.transcribed_at,
        **_figures(r),
        "edits_by_speaker": [
            {"speaker": x.speaker, "role": x.role, **_edits(x.edits)} for x in r.edits_by_speaker
        ],
        "languages_by_speaker": [
            {"speaker": x.speaker, "role": x.role, "language": x.language, **_speech(x.speech)}
            for x in r.languages_by_speaker
        ],
        "reviewers": [
            {"name": x.name, "actions": x.actions, "validated_segments": x.validated, "exports": x.exports,
             "review_seconds": round(x.seconds, 3), "first_action": x.first, "last_action": x.last}
            for x in r.reviewers
        ],
        "review_seconds": round(r.review_seconds, 3),
        "confidence_per_minute": list(r.confidence_per_minute),
        "flags_per_minute": list(r.flags_per_minute),
        "oversight": oversight.interview_dict(r.oversight),
    }


def totals_dict(t: Totals) -> dict[str, Any]:
    return {
        "interviews": t.interviews,
        **_figures(t),
        "edits_by_role": {k: _edits(v) for k, v in t.edits_by_role.items()},
        "review_seconds_by_reviewer": {k: round(v, 3) for k, v in t.review_seconds_by_reviewer.items()},
        "oversight_by_officer": {
            k: {"interviews": v.interviews, "validations": v.validations, "timed_validations": v.timed,
                "validations_faster_than_segment": v.fast, "attention_caught": v.caught, "attention_missed": v.missed,
                "catch_rate": v.catch_rate, "interviews_with_pace_warnings": v.with_warnings,
                "attention_rates": list(v.attention_rates)}
            for k, v in t.oversight_by_officer.items()
        },
        "interviews_with_pace_warnings": t.interviews_with_pace_warnings,
    }


def render_json(reports: list[InterviewReport], total: Totals | None) -> bytes:
    body: dict[str, Any] = {"report": "interview-assist QA confidence report", "interviews": [interview_dict(r) for r in reports]}
    if total is not None:
        body["totals"] = totals_dict(total)
    return (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


COLUMNS = (
    "interview_id", "audio_file", "audio_sha256", "model", "model_sha256", "denoised_windows", "denoise_windows",
    "duration_seconds", "segments", "validated", "words", "mean_word_probability",
    "low_probability_words",
    *[f"name_flags_{k}" for k in ("raised", *NAME_OUTCOMES)],
    *[f"{kind}_flags_{k}" for kind in QUALITY_KINDS for k in ("raised", *QUALITY_OUTCOMES)],
    "asr_words", "word_edits", "edit_rate", "edited_segments", "reviewers", "validated_by", "review_seconds", "exports",
    "speech_seconds", "languages", "speaker_languages", "uncertain_language_seconds", "uncertain_language_share",
    "heard_share", "attention_rates", "attention_checks", "attention_caught", "catch_rate", "pace_warnings",
)


def _rate(caught: int, missed: int) -> str | float:
    return "" if caught + missed == 0 else round(caught / (caught + missed), 4)


def _cell(text: str) -> str:
    """Text a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _seconds(items: Iterable[tuple[str, Speech]]) -> str:
    """"fr 120.3 s; en 98.1 s" from (label, Speech) pairs."""
    return "; ".join(f"{label} {x.seconds:.1f} s" for label, x in items)


def _row(r: Figures, ident: Any, audio: str, reviewers: str, review_seconds: float) -> dict[str, Any]:
    row: dict[str, Any] = {
        "interview_id": ident, "audio_file": _cell(audio), "duration_seconds": round(r.duration, 3),
        "segments": r.segments, "validated": r.validated, "words": r.words,
        "mean_word_probability": "" if r.mean_probability is None else round(r.mean_probability, 4),
        "low_probability_words": r.low_probability_words, "name_flags_raised": r.name_flags.raised,
        "asr_words": r.edits.asr_words, "word_edits": r.edits.distance,
        "edit_rate": "" if r.edits.rate is None else round(r.edits.rate, 4),
        "edited_segments": r.edits.edited_segments, "reviewers": _cell(reviewers),
        "review_seconds": round(review_seconds, 1), "exports": r.exports,
        "speech_seconds": round(r.speech.seconds, 3), "languages": _cell(_seconds(r.speech_by_language.items())),
        "uncertain_language_seconds": round(r.speech.uncertain, 3),
        "uncertain_language_share": "" if r.speech.uncertain_share is None else round(r.speech.uncertain_share, 4),
    }
    for k in NAME_OUTCOMES:
        row[f"name_flags_{k}"] = r.name_flags[k]
    for kind in QUALITY_KINDS:
        o = r.quality_flags_by_kind.get(kind, Outcomes())
        row[f"{kind}_flags_raised"] = o.raised
        for k in QUALITY_OUTCOMES:
            row[f"{kind}_flags_{k}"] = o[k]
    return row


def render_csv(reports: list[InterviewReport], total: Totals | None) -> bytes:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in reports:
        w.writerow(
            _row(r, r.interview_id, r.audio_file, ";".join(x.name for x in r.reviewers), r.review_seconds)
            | {
                "audio_sha256": r.audio_sha256, "model": _cell(r.model), "model_sha256": r.model_sha256,
                "denoised_windows": r.denoised_windows, "denoise_windows": r.windows,
                # Who the validated segments stand validated by: "A. Officer=12;B. Second=3".
                "validated_by": _cell(";".join(f"{x.name}={x.validated}" for x in r.reviewers if x.validated)),
                # "S1 officer en 7.6 s; S2 interpreter ti 11.4 s".
                "speaker_languages": _cell(_seconds(
                    (" ".join(filter(None, (x.speaker, x.role, x.language))), x.speech) for x in r.languages_by_speaker
                )),
                "heard_share": "" if r.oversight.heard_share is None else round(r.oversight.heard_share, 4),
                # The attention-check rate (1 in N) each officer's session recorded: "officer.a=50".
                "attention_rates": _cell(";".join(f"{o.name}={o.policy.attention_rate}" for o in r.oversight.officers
                                                  if o.policy_recorded)),
                "attention_checks": r.oversight.caught + r.oversight.missed, "attention_caught": r.oversight.caught,
                "catch_rate": _rate(r.oversight.caught, r.oversight.missed),
                "pace_warnings": len(r.oversight.warnings),
            }
        )
    if total is not None:
        officers = total.oversight_by_officer.values()
        caught, missed = sum(o.caught for o in officers), sum(o.missed for o in officers)
        w.writerow(_row(total, "all", f"{total.interviews} interviews", ";".join(total.review_seconds_by_reviewer),
                        sum(total.review_seconds_by_reviewer.values()))
                   | {"attention_checks": caught + missed, "attention_caught": caught,
                      "catch_rate": _rate(caught, missed), "pace_warnings": total.interviews_with_pace_warnings})
    return out.getvalue().encode("utf-8")
