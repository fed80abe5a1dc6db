"""The QA confidence report against an interview built by hand, where every figure is known.

The review is done through the real store functions; only the clock of the
audit log is a stand-in, so that review time has known values.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest

from interview_assist.core.transcript import Flag, ModelUsed, NameFlag, Segment, Speaker, Suggestion, Transcript, Word
from interview_assist.store import (
    Database,
    audit,
    edit_segment,
    name_flags,
    quality_flags,
    resolve_name_flag,
    resolve_quality_flag,
    save_transcript,
    validate_segment,
)

from .conftest import run_cli


def _words(start: float, text: str, probs: list[float]) -> tuple[Word, ...]:
    return tuple(Word(start + i, start + i + 0.8, " " + w, p) for i, (w, p) in enumerate(zip(text.split(), probs)))


def _hand_built() -> Transcript:
    """150 s, four segments; 14 words whose probabilities sum to 8.6; one name flag, one stock-phrase flag."""
    segments = (
        Segment(0.0, 10.0, "Where were you born?", "en", _words(0.0, "Where were you born?", [0.9, 0.8, 0.7, 0.6]), speaker="S1"),
        Segment(65.0, 75.0, "I was born in Kandas.", "en", _words(65.0, "I was born in Kandas.", [0.9, 0.9, 0.9, 0.9, 0.2]), speaker="S2"),
        Segment(130.0, 140.0, "Thanks for watching.", "en", _words(130.0, "Thanks for watching.", [0.3, 0.3, 0.3]), speaker="S2"),
        Segment(141.0, 149.0, "And then?", "en", _words(141.0, "And then?", [0.4, 0.5]), speaker="S1"),
    )
    return Transcript(
        audio_path="/recordings/hand_built.wav",
        audio_sha256="c" * 64,
        duration=150.0,
        model=ModelUsed("whisper-base", "d" * 64),
        settings={},
        segments=segments,
        flags=(Flag("stock_phrase", "a closing phrase Whisper is known to invent", 130.0, 140.0, 2),),
        speakers=(
            Speaker("S1", "officer", "officer", "speaks first", 18.0, confirmed=True),
            Speaker("S2", "applicant", "applicant", "most speech", 20.0, confirmed=True),
        ),
        name_flags=(
            NameFlag(1, 4, 4, 69.0, 69.8, "Kandas", ("unknown", "low-probability"),
                     (Suggestion("Kunduz", 88.0, "gazetteer:places", "city, AF"),)),
        ),
    )


class Clock:
    """Stands in for the audit log's clock: seconds after a fixed start."""

    start = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self) -> str:
        return (self.start + dt.timedelta(seconds=self.seconds)).isoformat(timespec="milliseconds")


@pytest.fixture
def reviewed(db_path, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(audit, "utc_now", clock)
    with Database(db_path) as db:
        iid = save_transcript(db, _hand_built(), actor="operator")
        (flag,) = name_flags(db, iid)
        (quality,) = quality_flags(db, iid)

        def at(seconds: float, action, *args, actor="officer.a", **kwargs):
            clock.seconds = seconds
            action(db, iid, *args, actor=actor, **kwargs)

        at(0, resolve_name_flag, flag.id, "accept", suggestion=1)  # Kandas -> Kunduz: 1 word edit
        at(30, validate_segment, 0)
        at(60, validate_segment, 1)
        at(1000, resolve_quality_flag, quality.id, "confirm")  # after a 940 s break
        at(1020, edit_segment, 2, "Thanks for waiting.")  # 1 word edit
        at(1030, validate_segment, 2)
        at(2000, validate_segment, 3, actor="officer.b")
        other = save_transcript(db, _hand_built(), actor="operator")  # not reviewed at all
    return db_path, iid, other


def test_the_report_figures_match_the_hand_built_interview(reviewed):
    db_path, iid, _ = reviewed
    done = run_cli("report", iid, "--format", "json", "--db", db_path)
    assert done.returncode == 0, done.stderr
    (r,) = json.loads(done.stdout)["interviews"]
    assert (r["duration_seconds"], r["segments"], r["validated"], r["validated_share"]) == (150.0, 4, 4, 1.0)
    assert r["words"] == 14 and r["mean_word_probability"] == pytest.approx(8.6 / 14)
    assert r["low_probability_words"] == 5
    assert r["name_flags"] == {"raised": 1, "open": 0, "accepted": 1, "edited": 0, "confirmed": 0, "dismissed": 0}
    assert set(r["name_flags_by_reason"]) == {"unknown", "low-probability"}
    assert r["quality_flags_by_kind"] == {"stock_phrase": {"raised": 1, "open": 0, "confirmed": 1, "dismissed": 0}}
    assert r["edits"] == {"asr_words": 14, "word_edits": 2, "edit_rate": pytest.approx(2 / 14), "segments": 4, "edited_segments": 2}
    by_speaker = {x["speaker"]: x for x in r["edits_by_speaker"]}
    assert (by_speaker["S1"]["role"], by_speaker["S1"]["edit_rate"]) == ("officer", 0.0)
    assert (by_speaker["S2"]["role"], by_speaker["S2"]["edit_rate"]) == ("applicant", pytest.approx(2 / 8))
    reviewers = {x["name"]: x for x in r["reviewers"]}
    assert (reviewers["officer.a"]["actions"], reviewers["officer.a"]["review_seconds"]) == (6, pytest.approx(90.0))
    assert (reviewers["officer.b"]["actions"], reviewers["officer.b"]["review_seconds"]) == (1, 0.0)
    assert (reviewers["officer.a"]["validated_segments"], reviewers["officer.b"]["validated_segments"]) == (3, 1)
    # What the draft was made from, as the auditor checks it against the log.
    t = _hand_built()
    assert (r["audio_sha256"], r["model"], r["model_sha256"]) == (t.audio_sha256, t.model.name, t.model.sha256)
    assert (r["denoised_windows"], r["denoise_windows"]) == (sum(d.applied for d in t.denoise), len(t.denoise))
    assert r["flags_per_minute"] == [0, 1, 1]
    # Segment time by speaker and language; no language flag, so nothing in doubt.
    assert (r["speech_seconds"], r["uncertain_language_seconds"], r["uncertain_language_share"]) == (38.0, 0.0, 0.0)
    assert r["speech_by_language"] == {"en": {"seconds": 38.0, "uncertain_seconds": 0.0, "uncertain_share": 0.0}}
    assert [(x["speaker"], x["role"], x["language"], x["seconds"]) for x in r["languages_by_speaker"]] == [
        ("S1", "officer", "en", 18.0), ("S2", "applicant", "en", 20.0)]
    assert r["language_flags"] == {"raised": 0, "open": 0, "confirmed": 0, "dismissed": 0}
    assert r["confidence_per_minute"] == pytest.approx([0.75, 0.76, 0.36])
    # Figures only: neither the words nor the names are in the report.
    assert "Kunduz" not in done.stdout and "born" not in done.stdout


def test_the_report_across_interviews_adds_them_up(reviewed, tmp_path):
    db_path, iid, other = reviewed
    done = run_cli("report", "--all", "--format", "csv", "--db", db_path)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [row["interview_id"] for row in rows] == [str(iid), str(other), "all"]
    first, second, total = rows
    assert (first["validated"], second["validated"], total["validated"]) == ("4", "0", "4")
    assert (second["edit_rate"], total["edit_rate"]) == ("0.0", str(round(2 / 28, 4)))
    assert total["stock_phrase_flags_raised"] == "2" and total["stock_phrase_flags_open"] == "1"
    assert total["name_flags_accepted"] == "1" and total["name_flags_open"] == "1"
    assert float(total["review_seconds"]) == 90.0
    assert (first["validated_by"], second["validated_by"]) == ("officer.a=3;officer.b=1", "")
    assert first["model"] == "whisper-base" and len(first["audio_sha256"]) == 64 and first["denoise_windows"] == "0"
    assert (first["languages"], total["languages"], total["speech_seconds"]) == ("en 38.0 s", "en 76.0 s", "76.0")
    assert first["speaker_languages"] == "S1 officer en 18.0 s; S2 applicant en 20.0 s"

    totals = json.loads(run_cli("report", "--all", "--format", "json", "--db", db_path).stdout)["totals"]
    assert totals["edits_by_role"]["applicant"]["edit_rate"] == pytest.approx(2 / 16)
    assert totals["review_seconds_by_reviewer"] == {"officer.a": 90.0, "officer.b": 0.0}


@pytest.mark.slow
def test_the_html_report_is_self_contained_with_its_plots(reviewed, tmp_path):
    db_path, iid, _ = reviewed
    out = tmp_path / "qa.html"
    done = run_cli("report", "--all", "--out", out, "--db", db_path)
    assert done.returncode == 0, done.stderr
    page = out.read_text()
    # Nothing to fetch: no scripts, stylesheets, images or fonts from anywhere.
    assert not re.search(r"<(script|link|img|iframe)\b", page)
    assert "@import" not in page and "src=" not in page
    assert all(u.startswith("#") for u in re.findall(r"url\(([^)]*)\)", page))
    references = re.findall(r'href="([^"]*)"', page)
    assert references and all(r.startswith("#") for r in references)  # only inside the page's own SVG
    # Per interview: confidence timeline, flags per minute, speech per speaker by language, edit rate per
    # speaker; plus 3 overview plots; plus, for the reviewed interview, the seconds spent per validation
    # (no heard-coverage plot: these validations were recorded without one).
    assert page.count("<svg") == 2 * 4 + 3 + 1
    assert "25.0 %" in page  # the applicant's edit rate
    assert "1.5 min" in page  # officer.a's review time
    again = run_cli("report", "--all", "--out", out, "--db", db_path)
    assert again.returncode == 2 and "already exists" in again.stderr
    assert run_cli("report", "99", "--db", db_path).returncode == 2
    assert run_cli("report", "--db", db_path).returncode == 2
