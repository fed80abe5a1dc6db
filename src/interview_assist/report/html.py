"""The QA report as one self-contained HTML page: inline CSS and inline SVG plots.

It loads nothing from anywhere (no script, no font, no image file), so it
opens offline and can be archived as it is.
"""

from __future__ import annotations

from html import escape

from interview_assist.core.spans import format_timestamp
from interview_assist.core.transcript import NAME_REASONS
from interview_assist.report import plots
from interview_assist.report.metrics import (
    LOW_PROBABILITY,
    NAME_OUTCOMES,
    QUALITY_OUTCOMES,
    Edits,
    InterviewReport,
    Outcomes,
    Speech,
    Totals,
)
from interview_assist.report.timing import IDLE_SECONDS

QUALITY_NAMES = {
    "stock_phrase": "hallucination: invented stock phrase",
    "loop": "hallucination: repeated loop",
    "no_speech": "text where no speech was detected",
    "gap": "speech dropped without a word (gap)",
    "language": "language in doubt (not recognised with confidence, heard in another language in part, heard from one speaker alone, or not one the speech model knows)",
}
CSS = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
h1 { font-size: 1.5em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; } h3 { margin-bottom: .3em; }
table { border-collapse: collapse; margin: .5em 0 1em; } th, td { border: 1px solid #ccc; padding: .2em .6em; }
th { background: #f2f2f2; text-align: left; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: bold; } .note { color: #555; font-size: .9em; } figure { margin: .5em 0; }
.warn { background: #fff3cd; border-left: 4px solid #d39e00; padding: .3em .6em; }
"""


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f} %"


def _num(x: float | None, digits: int = 3) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _table(header: list[str], rows: list[list[str]], total: list[str] | None = None) -> str:
    def cells(row: list[str], tag: str = "td") -> str:
        return "".join(
            f'<{tag} class="n">{escape(c)}</{tag}>' if tag == "td" and _numeric(c) else f"<{tag}>{escape(c)}</{tag}>"
            for c in row
        )

    body = "".join(f"<tr>{cells(r)}</tr>" for r in rows)
    if total is not None:
        body += f'<tr class="total">{cells(total)}</tr>'
    return f"<table><tr>{cells(header, 'th')}</tr>{body}</table>"


def _numeric(text: str) -> bool:
    return bool(text) and (text[0].isdigit() or text == "-") and " " not in text.rstrip(" %")


def _flag_tables(name: Outcomes, by_reason: dict[str, Outcomes], by_kind: dict[str, Outcomes]) -> str:
    rows = [[NAME_REASONS.get(k, k), str(o.raised), *[str(o[x]) for x in NAME_OUTCOMES]] for k, o in by_reason.items()]
    out = "<h3>Name flags, by reason</h3>"
    out += '<p class="note">A flag with several reasons counts under each; the total counts each flag once.</p>'
    out += _table(["reason", "raised", *NAME_OUTCOMES], rows, ["all name flags", str(name.raised), *[str(name[x]) for x in NAME_OUTCOMES]])
    kinds = {k: by_kind.get(k, Outcomes()) for k in QUALITY_NAMES} | by_kind
    rows = [[QUALITY_NAMES.get(k, k), str(o.raised), *[str(o[x]) for x in QUALITY_OUTCOMES]] for k, o in kinds.items()]
    total = sum(kinds.values(), Outcomes())
    out += "<h3>Hallucination, loop, gap and language flags</h3>"
    out += _table(["kind", "raised", *QUALITY_OUTCOMES], rows, ["all", str(total.raised), *[str(total[x]) for x in QUALITY_OUTCOMES]])
    return out


def _edit_row(label: str, e: Edits) -> list[str]:
    return [label, str(e.segments), str(e.edited_segments), str(e.asr_words), str(e.distance), _pct(e.rate)]


EDIT_HEADER = ["speaker", "segments", "edited segments", "ASR words", "word edits", "edit rate"]
SPEECH_HEADER = ["speech (s)", "share of speech", "language in doubt (s)", "in doubt"]


def _speech_cells(x: Speech, whole: Speech) -> list[str]:
    return [f"{x.seconds:.1f}", _pct(x.seconds / whole.seconds if whole.seconds else None), f"{x.uncertain:.1f}",
            _pct(x.uncertain_share)]


def _in_doubt(x: Speech) -> str:
    return f"{x.uncertain:.1f} s of {x.seconds:.1f} s ({_pct(x.uncertain_share)})"


def _language_flags(o: Outcomes) -> str:
    decided = ", ".join(f"{o[k]} {k}" for k in QUALITY_OUTCOMES)
    return f'<p class="note">Language flags: {o.raised} raised ({decided}). A segment counts as in doubt while it ' \
           "carries a language flag, whatever was decided about it.</p>"


def _languages(r: InterviewReport) -> str:
    """The table "Languages by speaker", its note and its plot."""
    out = "<h3>Languages by speaker</h3>"
    rows = [[x.speaker, x.role or "-", x.language, *_speech_cells(x.speech, r.speech)] for x in r.languages_by_speaker]
    out += _table(["speaker", "role", "language", *SPEECH_HEADER], rows, ["all", "", "", *_speech_cells(r.speech, r.speech)])
    out += _language_flags(r.language_flags)
    if r.languages_by_speaker:
        roles = {x.speaker: x.role for x in r.languages_by_speaker}
        seconds = [
            {x.language: (x.speech.seconds, x.speech.uncertain) for x in r.languages_by_speaker if x.speaker == sp}
            for sp in roles
        ]
        labels = [f"{sp} ({role})" if role else sp for sp, role in roles.items()]
        out += "<figure>" + plots.speech_by_language(labels, list(r.speech_by_language), seconds) + "</figure>"
    return out


def _interview(r: InterviewReport) -> str:
    out = f"<h2 id=\"interview-{r.interview_id}\">Interview {r.interview_id}: {escape(r.audio_file)}</h2>"
    per_min = r.name_flags.raised + r.quality_flags.raised
    out += _table(
        ["measure", "value"],
        [
            ["transcribed at", r.transcribed_at],
            ["recording sha256", r.audio_sha256],
            ["speech model", f"{r.model} (sha256 {r.model_sha256})"],
            ["denoised", f"{r.denoised_windows} of {r.windows} windows" if r.windows else "not denoised"],
            ["duration", format_timestamp(r.duration)],
            ["segments validated", f"{r.validated} / {r.segments} ({_pct(r.progress)})"],
            ["words", str(r.words)],
            ["mean word probability", _num(r.mean_probability)],
            [f"words below probability {LOW_PROBABILITY}", f"{r.low_probability_words} ({_pct(r.low_probability_words / r.words if r.words else None)})"],
            ["flags per minute", _num(per_min / r.minutes if r.minutes else None, 2)],
            ["edit rate", _pct(r.edits.rate)],
            ["speech (segment time)", f"{r.speech.seconds:.1f} s"],
            ["languages", "; ".join(f"{k} {v.seconds:.1f} s" for k, v in r.speech_by_language.items()) or "-"],
            ["language in doubt", _in_doubt(r.speech)],
            ["review time", f"{r.review_seconds / 60:.1f} min"],
            ["exports", str(r.exports)],
        ],
    )
    out += "<h3>Confidence along the recording</h3><figure>" + plots.confidence_timeline(
        list(r.confidence_per_minute), LOW_PROBABILITY
    ) + "</figure>"
    out += "<h3>Flags per minute</h3><figure>" + plots.flags_per_minute(list(r.flags_per_minute)) + "</figure>"
    out += _flag_tables(r.name_flags, r.name_flags_by_reason, r.quality_flags_by_kind)
    out += _languages(r)
    out += "<h3>Edit rate per speaker</h3>"
    out += _table(EDIT_HEADER, [_edit_row(x.label, x.edits) for x in r.edits_by_speaker], _edit_row("all", r.edits))
    rated = [(x.label, x.edits.rate) for x in r.edits_by_speaker if x.edits.rate is not None]
    if rated:
        out += "<figure>" + plots.bars([label for label, _ in rated], [rate for _, rate in rated], "edit rate (word edits / ASR words)") + "</figure>"
    out += "<h3>Reviewers</h3>"
    if r.reviewers:
        out += _table(
            ["reviewer", "actions", "segments validated", "exports", "review time", "first action", "last action"],
            [[x.name, str(x.actions), str(x.validated), str(x.exports), f"{x.seconds / 60:.1f} min", x.first, x.last]
             for x in r.reviewers],
        )
    else:
        out += "<p>Nobody has reviewed this interview yet.</p>"
    out += _oversight(r)
    return out


def _oversight(r: InterviewReport) -> str:
    """What the officers heard, their attention checks and their pace, with the policy each worked under."""
    x = r.oversight
    out = "<h3>Human oversight: listening, attention, pace</h3>"
    if not x.officers:
        return out + "<p>No review recorded yet.</p>"
    out += "".join(f'<p class="warn">&#9888; Pace warning: {escape(w)}</p>' for w in x.warnings)
    if not x.warnings:
        out += '<p class="note">No pace warning.</p>'
    heard = f"{x.heard_seconds:.1f} s of {x.validated_seconds:.1f} s ({_pct(x.heard_share)})" if x.validated_seconds else "-"
    out += _table(["measure", "value"], [["validated audio heard by the officer who validated it", heard]])
    rows = []
    for o in x.officers:
        rows.append([
            o.name, str(len(o.validations)), format_timestamp(o.validated_seconds), f"{o.review_seconds / 60:.1f} min",
            _num(o.review_ratio, 2), f"{o.fast} of {o.timed}", _pct(o.heard_mean),
            f"{o.heard_in_full} of {len(o.validations)}", f"{o.needed_audio} ({o.noted} with a reason)",
            f"{o.plays} ({o.failed_plays} failed)", f"{o.caught} of {o.checks} ({_pct(o.catch_rate)})" if o.checks else "none",
        ])
    out += _table(
        ["officer", "validations", "audio validated", "review time", "review / audio", "faster than the segment",
         "mean share heard", "heard in full", "needing the audio", "plays", "attention checks caught"], rows,
    )
    policies: dict[tuple[str, bool], list[str]] = {}  # officers under the same policy share one line
    for o in x.officers:
        policies.setdefault((o.policy.describe(), o.policy_recorded), []).append(o.name)
    for (described, recorded), names in policies.items():
        source = "as recorded with their review sessions" if recorded else "not recorded (an older review): the defaults"
        out += f'<p class="note">Oversight policy of {escape(", ".join(names))} ({source}): {escape(described)}.</p>'
    timed = [(o.name, [((v.start or 0.0) / 60, v.spent, v.duration) for v in o.validations
                       if v.spent is not None and v.duration is not None]) for o in x.officers]
    if any(points for _, points in timed):
        out += "<h3>Seconds spent per validated segment</h3><figure>" + plots.seconds_per_validation(
            [(n, pts) for n, pts in timed if pts]) + "</figure>"
    by_officer: dict[str, list[tuple[float, float, float]]] = {}
    for seg in x.segments:
        if seg.heard is not None:
            by_officer.setdefault(seg.validated_by, []).append((seg.start / 60, (seg.end - seg.start) / 60, seg.heard))
    if by_officer:
        needed = max((o.policy.heard_share for o in x.officers), default=0.8)
        out += "<h3>Heard coverage of the validated segments</h3><figure>" + plots.heard_along(
            list(by_officer.items()), needed) + "</figure>"
    return out


def _overview(reports: list[InterviewReport], t: Totals) -> str:
    out = "<h2>All interviews</h2>"
    rows = [
        [str(r.interview_id), r.audio_file, format_timestamp(r.duration), f"{r.validated} / {r.segments}",
         _num(r.mean_probability), _num((r.name_flags.raised + r.quality_flags.raised) / r.minutes if r.minutes else None, 2),
         _pct(r.edits.rate), _pct(r.speech.uncertain_share), f"{r.review_seconds / 60:.1f}"]
        for r in reports
    ]
    minutes = t.duration / 60
    total = ["all", f"{t.interviews} interviews", format_timestamp(t.duration), f"{t.validated} / {t.segments}",
             _num(t.mean_probability), _num((t.name_flags.raised + t.quality_flags.raised) / minutes if minutes else None, 2),
             _pct(t.edits.rate), _pct(t.speech.uncertain_share), f"{sum(t.review_seconds_by_reviewer.values()) / 60:.1f}"]
    out += _table(["id", "recording", "duration", "validated", "mean word probability", "flags / min", "edit rate",
                   "language in doubt", "review min"], rows, total)
    labels = [f"#{r.interview_id}" for r in reports]
    out += "<h3>Mean word probability per interview</h3><figure>" + plots.bars(
        labels, [r.mean_probability or 0.0 for r in reports], "mean word probability") + "</figure>"
    out += "<h3>Flags per minute per interview</h3><figure>" + plots.bars(
        labels, [(r.name_flags.raised + r.quality_flags.raised) / r.minutes if r.minutes else 0.0 for r in reports],
        "flags per minute of audio") + "</figure>"
    out += _flag_tables(t.name_flags, t.name_flags_by_reason, t.quality_flags_by_kind)
    out += "<h3>Speech per language</h3>"
    out += _table(["language", *SPEECH_HEADER], [[k, *_speech_cells(v, t.speech)] for k, v in t.speech_by_language.items()],
                  ["all", *_speech_cells(t.speech, t.speech)])
    out += _language_flags(t.language_flags)
    out += "<h3>Edit rate per role</h3>"
    out += _table(["role", *EDIT_HEADER[1:]], [_edit_row(k, e) for k, e in t.edits_by_role.items()], _edit_row("all", t.edits))
    rated = [(k, e.rate) for k, e in t.edits_by_role.items() if e.rate is not None]
    if rated:
        out += "<figure>" + plots.bars([k for k, _ in rated], [v for _, v in rated], "edit rate (word edits / ASR words)") + "</figure>"
    out += "<h3>Review time per reviewer</h3>"
    out += _table(["reviewer", "review time"], [[k, f"{v / 60:.1f} min"] for k, v in t.review_seconds_by_reviewer.items()])
    out += "<h3>Attention and pace per officer</h3>"
    out += f'<p class="note">Interviews with a pace warning: {t.interviews_with_pace_warnings} of {t.interviews}.</p>'
    out += _table(
        ["officer", "interviews", "validations", "faster than the segment", "attention checks caught", "catch rate",
         "interviews with a pace warning", "attention-check rate (1 in N)"],
        [[k, str(v.interviews), str(v.validations), f"{v.fast} of {v.timed}", f"{v.caught} of {v.caught + v.missed}",
          _pct(v.catch_rate), str(v.with_warnings), ", ".join(map(str, v.attention_rates)) or "not recorded"]
         for k, v in t.oversight_by_officer.items()],
    )
    return out


METHOD = f"""<h2>How the figures are computed</h2><ul class="note">
<li>Mean word probability: the mean of the speech recogniser's word probabilities.</li>
<li>Edit rate: word-level edit distance between the recogniser's text and the text that stands after review
(edits and name decisions), over the recogniser's words; both normalised as for WER (lower case, punctuation removed).
Segments not yet reviewed count as unedited.</li>
<li>Review time: per reviewer, the pauses between consecutive review actions in the audit log, leaving out pauses of
{IDLE_SECONDS / 60:.0f} minutes or more (breaks).</li>
<li>Speech time: segment time (from the start to the end of each segment), by the segment's speaker and language;
pauses between segments count nothing. Language in doubt: the segment time of the segments that carry a language flag
(a language not recognised with confidence, part of a turn heard in another language, a language heard from one speaker alone,
or a speaker's language the speech model does not know), whatever was
decided about the flag, over the speech time.</li>
<li>Heard coverage: the share of a segment's audio the officer who validated it had played by then (a failed play
counts nothing; a play cut short counts what ran).</li>
<li>Attention checks: now and then the review screen shows one deliberately wrong word in a segment (on screen only);
caught when the officer corrects it, missed when they validate it (the segment then stays to be validated) or keep
it in an edit. Catch rate: caught over caught and missed.</li>
<li>Pace: per officer, review time against the audio of the segments they validated; per validation, the seconds
since their previous validation (or the start of their session; a break of {IDLE_SECONDS / 60:.0f} minutes or more
counts as unknown), against the segment's own duration. A pace warning is given, from the policy's number of
validations, when the review time is under the policy's multiple of the audio (reading alone takes about 0.6 times
the time the words take to say), or when more than the policy's share of validations came sooner than their segment
lasts (those segments were not listened to in full). A warning, not a block.</li>
<li>This report holds figures only, never transcript text or names.</li></ul>"""


def render(reports: list[InterviewReport], total: Totals | None, generated_at: str) -> bytes:
    title = "QA confidence report" + (f": interview {reports[0].interview_id}" if total is None and reports else "")
    body = f"<h1>{escape(title)}</h1><p class=\"note\">interview-assist · generated {escape(generated_at)} · " \
           f"{len(reports)} interview(s)</p>"
    if total is not None:
        body += _overview(reports, total)
    body += "".join(_interview(r) for r in reports)
    body += METHOD
    page = (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>{body}</body></html>\n"
    )
    return page.encode("utf-8")
