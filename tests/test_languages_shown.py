"""Languages shown everywhere: the QA report, the exports, `show` and the review screen.

One real interview: pyannote's sample transcribed and diarized on the real
models, with S2's language set to Tigrinya, which the speech model does not
know, so that every one of S2's turns carries a ``language`` flag (and the
recogniser's own doubts flag a few more). Every figure below is checked
against what the store holds, read with plain SQL.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

from interview_assist.review.playback import NullSink
from interview_assist.review.policy import OversightPolicy
from interview_assist.review.session import ReviewSession
from interview_assist.store import Database, name_flags, quality_flags, save_transcript
from interview_assist.tui import make_app

from .conftest import enrol, listen, raw_sql, run_cli
from .test_export import _copy_store

DISMISSAL = "heard against the audio: English, the interpreter repeats the officer"


@dataclass(frozen=True)
class Stored:
    db_path: Path
    iid: int
    transcript: object


@pytest.fixture(scope="module")
def stored(eval_dir, catalog, base_transcriber, diarizer, tmp_path_factory) -> Stored:
    """The draft as the machine stored it, not reviewed."""
    from interview_assist.pipeline.run import PipelineOptions, transcribe

    t = transcribe(
        eval_dir / "diarization" / "pyannote_sample.wav", PipelineOptions(speaker_languages={"S2": "ti"}),
        catalog=catalog, transcriber=base_transcriber, diarizer=diarizer,
    )
    db_path = tmp_path_factory.mktemp("languages") / "store.sqlite"
    enrol(db_path)
    with Database(db_path) as db:
        iid = save_transcript(db, t, actor="machine")
    return Stored(db_path, iid, t)


@pytest.fixture(scope="module")
def reviewed(stored, tmp_path_factory) -> Stored:
    """A copy, fully reviewed: names confirmed, language flags confirmed but the last (dismissed), all validated."""
    copy = _copy_store(stored.db_path, tmp_path_factory.mktemp("reviewed") / "store.sqlite")
    with Database(copy) as db:
        session = ReviewSession(db, stored.iid, "officer.a")
        listen(session)  # flagged segments are decided once heard
        language = [q for q in quality_flags(db, stored.iid) if q.kind == "language"]
        for f in name_flags(db, stored.iid):
            session.resolve(f.id, "confirm")
        for q in quality_flags(db, stored.iid):
            if q.id == language[-1].id:
                session.resolve_quality(q.id, "dismiss", DISMISSAL)
            else:
                session.resolve_quality(q.id, "confirm")
        for i in range(len(session)):
            session.validate(i)
    return Stored(copy, stored.iid, stored.transcript)


# -- what the store holds, read apart from the application ---------------------------------------


@dataclass(frozen=True)
class Row:
    index: int
    start: float
    end: float
    speaker: str | None
    language: str
    language_probability: float | None
    text: str  # as it stands
    role: str | None
    language_flags: tuple[tuple[str, str, str | None], ...]  # (reason, status, note)

    @property
    def seconds(self) -> float:
        return self.end - self.start


def _rows(db_path: Path, iid: int) -> list[Row]:
    with raw_sql(db_path) as c:
        segments = c.execute(
            "SELECT s.id, s.idx, s.start, s.end, s.speaker, s.language, s.language_probability, "
            "COALESCE(s.edited_text, s.text), p.role FROM segments s "
            "LEFT JOIN speakers p ON p.interview_id = s.interview_id AND p.label = s.speaker "
            "WHERE s.interview_id = ? ORDER BY s.idx", (iid,),
        ).fetchall()
        flags: dict[int, list] = {}
        for segment_id, reason, status, note in c.execute(
            "SELECT segment_id, reason, status, note FROM flags WHERE interview_id = ? AND kind = 'language' ORDER BY id", (iid,)
        ):
            flags.setdefault(segment_id, []).append((reason, status, note))
    return [Row(*r[1:], tuple(flags.get(r[0], ()))) for r in segments]


def test_the_recording_gives_what_these_tests_need(stored):
    """S2's turns in Tigrinya, all flagged; other speakers in other languages; and names to decide."""
    rows = _rows(stored.db_path, stored.iid)
    ti = [r for r in rows if r.language == "ti"]
    assert ti and all(r.speaker == "S2" and r.language_flags for r in ti)
    assert all(r.language == "ti" for r in rows if r.speaker == "S2"), "every turn of S2 is in the language set for S2"
    assert all("Tigrinya (ti), is not one the speech model knows" in r.language_flags[0][0] for r in ti)
    assert any(r.speaker != "S2" and r.language != "ti" for r in rows)
    assert any(not r.language_flags for r in rows), "some speech is not in doubt"


# -- the QA report ------------------------------------------------------------------------------------


def _report(s: Stored, *args: str) -> str:
    done = run_cli("report", *args, "--db", s.db_path)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _private_words(s: Stored) -> list[str]:
    """What must never be in the report: the segments' text and the flagged names."""
    with Database(s.db_path) as db:
        names = {f.flag.text for f in name_flags(db, s.iid) if len(f.flag.text) >= 5}
    texts = {r.text for r in _rows(s.db_path, s.iid) if len(r.text.split()) >= 3}
    assert names and texts
    return sorted(names | texts)


def test_the_report_counts_speech_per_speaker_and_language_and_the_share_in_doubt(reviewed):
    rows = _rows(reviewed.db_path, reviewed.iid)
    out = _report(reviewed, str(reviewed.iid), "--format", "json")
    (r,) = json.loads(out)["interviews"]

    total = sum(x.seconds for x in rows)
    assert r["speech_seconds"] == pytest.approx(total, abs=0.002)
    expected: dict[tuple, list[float]] = {}
    for x in rows:
        seconds = expected.setdefault((x.speaker, x.role, x.language), [0.0, 0.0])
        seconds[0] += x.seconds
        seconds[1] += x.seconds if x.language_flags else 0.0
    got = {(x["speaker"], x["role"], x["language"]): [x["seconds"], x["uncertain_seconds"]] for x in r["languages_by_speaker"]}
    assert got.keys() == expected.keys()
    for key, (seconds, doubt) in expected.items():
        assert got[key] == [pytest.approx(seconds, abs=0.002), pytest.approx(doubt, abs=0.002)], key
    # The speakers' times add up to the segment time, and so do the languages'.
    assert sum(x["seconds"] for x in r["languages_by_speaker"]) == pytest.approx(total, abs=0.002)
    assert sum(v["seconds"] for v in r["speech_by_language"].values()) == pytest.approx(total, abs=0.002)
    assert list(r["speech_by_language"]) == sorted(r["speech_by_language"], key=lambda k: -r["speech_by_language"][k]["seconds"])

    # In doubt: the segments with a language flag, whatever was decided. All of S2's Tigrinya is.
    doubt = sum(x.seconds for x in rows if x.language_flags)
    assert r["uncertain_language_seconds"] == pytest.approx(doubt, abs=0.002)
    assert r["uncertain_language_share"] == pytest.approx(doubt / total, abs=1e-4)
    s2_ti = sum(x.seconds for x in rows if x.speaker == "S2" and x.language == "ti")
    assert r["speech_by_language"]["ti"] == {
        "seconds": pytest.approx(s2_ti, abs=0.002), "uncertain_seconds": pytest.approx(s2_ti, abs=0.002), "uncertain_share": 1.0,
    }
    assert 0 < s2_ti <= doubt < total
    # S2's share of the speech, plus that of any other segment whose language the recogniser doubted.
    others = sum(x.seconds for x in rows if x.speaker != "S2" and x.language_flags)
    s2 = sum(x.seconds for x in rows if x.speaker == "S2")
    assert r["uncertain_language_share"] == pytest.approx((s2 + others) / total, abs=1e-4)
    assert {x["role"] for x in r["languages_by_speaker"] if x["speaker"] == "S2"} == {x.role for x in rows if x.speaker == "S2"}

    # How the language flags were decided: all but the last confirmed, the last dismissed.
    flags = [f for x in rows for f in x.language_flags]
    assert r["language_flags"] == {"raised": len(flags), "open": 0, "confirmed": len(flags) - 1, "dismissed": 1}
    assert r["quality_flags_by_kind"]["language"] == r["language_flags"]
    for private in _private_words(reviewed):
        assert private not in out


def test_the_csv_and_the_totals_carry_the_languages(reviewed, stored, tmp_path):
    rows = _rows(reviewed.db_path, reviewed.iid)
    per_language: dict[str, float] = {}
    for x in rows:
        per_language[x.language] = per_language.get(x.language, 0.0) + x.seconds
    languages = "; ".join(f"{k} {v:.1f} s" for k, v in sorted(per_language.items(), key=lambda kv: -kv[1]))
    total = sum(per_language.values())
    doubt = sum(x.seconds for x in rows if x.language_flags)
    n_flags = sum(len(x.language_flags) for x in rows)

    (row,) = list(csv.DictReader(io.StringIO(_report(reviewed, str(reviewed.iid), "--format", "csv"))))
    assert row["languages"] == languages
    assert float(row["uncertain_language_share"]) == pytest.approx(doubt / total, abs=1e-4)
    assert float(row["uncertain_language_seconds"]) == pytest.approx(doubt, abs=0.002)
    assert (row["language_flags_raised"], row["language_flags_confirmed"], row["language_flags_dismissed"]) == (
        str(n_flags), str(n_flags - 1), "1")
    s2 = [x for x in rows if x.speaker == "S2" and x.language == "ti"]
    assert f"S2 {s2[0].role} ti {sum(x.seconds for x in s2):.1f} s" in row["speaker_languages"]

    # Across interviews: the same draft stored once more, not reviewed (its flags open).
    store = _copy_store(reviewed.db_path, tmp_path / "two.sqlite")
    with Database(store) as db:
        save_transcript(db, stored.transcript, actor="machine")
    both = Stored(store, reviewed.iid, stored.transcript)
    totals = json.loads(_report(both, "--all", "--format", "json"))["totals"]
    assert totals["speech_seconds"] == pytest.approx(2 * total, abs=0.004)
    assert {k: v["seconds"] for k, v in totals["speech_by_language"].items()} == {
        k: pytest.approx(2 * v, abs=0.004) for k, v in per_language.items()}
    assert totals["uncertain_language_share"] == pytest.approx(doubt / total, abs=1e-4)
    assert totals["language_flags"] == {"raised": 2 * n_flags, "open": n_flags, "confirmed": n_flags - 1, "dismissed": 1}
    *_, all_row = csv.DictReader(io.StringIO(_report(both, "--all", "--format", "csv")))
    assert all_row["interview_id"] == "all"
    assert all_row["languages"] == "; ".join(f"{k} {2 * v:.1f} s" for k, v in sorted(per_language.items(), key=lambda kv: -kv[1]))


class _Page(HTMLParser):
    """The page's text outside its plots, and its tables by the heading above them."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tables: dict[str, list[list[str]]] = {}
        self._heading = ""
        self._in: list[str] = []
        self._svg = 0
        self._row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self._svg += tag == "svg"
        self._in.append(tag)
        if tag == "table":
            self.tables[self._heading] = []
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._row.append("")

    def handle_endtag(self, tag):
        self._svg -= tag == "svg"
        if self._in:
            self._in.pop()
        if tag == "tr" and self._row is not None:
            self.tables[self._heading].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._svg:
            return
        self.text.append(data)
        if self._in and self._in[-1] in ("h2", "h3"):
            self._heading = data.strip()
        elif self._in and self._in[-1] in ("td", "th") and self._row is not None:
            self._row[-1] += data


def test_the_html_report_has_the_languages_by_speaker_and_no_transcript_text(reviewed, tmp_path):
    rows = _rows(reviewed.db_path, reviewed.iid)
    out = tmp_path / "qa.html"
    _report(reviewed, str(reviewed.iid), "--out", str(out))
    page = _Page()
    page.feed(out.read_text())
    header, *body, total = page.tables["Languages by speaker"]
    assert header == ["speaker", "role", "language", "speech (s)", "share of speech", "language in doubt (s)", "in doubt"]
    expected: dict[tuple, list[float]] = {}
    for x in rows:
        seconds = expected.setdefault((x.speaker, x.role, x.language), [0.0, 0.0])
        seconds[0] += x.seconds
        seconds[1] += x.seconds if x.language_flags else 0.0
    assert {(b[0], b[1], b[2]): (b[3], b[5]) for b in body} == {
        k: (f"{v[0]:.1f}", f"{v[1]:.1f}") for k, v in expected.items()}
    doubt, speech = sum(x.seconds for x in rows if x.language_flags), sum(x.seconds for x in rows)
    assert total[0] == "all" and total[3] == f"{speech:.1f}" and total[6] == f"{100 * doubt / speech:.1f} %"
    kinds = {r[0]: r for r in page.tables["Hallucination, loop, gap and language flags"]}
    n_flags = sum(len(x.language_flags) for x in rows)
    assert kinds["language in doubt (not recognised with confidence, heard in another language in part, heard from one speaker alone, or not one the speech model knows)"][1:] == [
        str(n_flags), "0", str(n_flags - 1), "1"]
    text = " ".join(page.text)
    assert f"Language flags: {n_flags} raised (0 open, {n_flags - 1} confirmed, 1 dismissed)" in text
    for private in _private_words(reviewed) + [DISMISSAL]:
        assert private not in out.read_text(), private


# -- the exports -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def exported(reviewed, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("exports")
    files = {}
    for fmt in ("txt", "docx", "srt", "vtt", "json"):
        files[fmt] = out / f"case.{fmt}"
        done = run_cli("export", reviewed.iid, "--format", fmt, "--out", files[fmt], "--db", reviewed.db_path,
                       "--officer", "officer.a")
        assert done.returncode == 0, done.stderr
    return files


def _heading(x: Row) -> str:
    """How the exports name who speaks, and in which language: "Interpreter (S2) (ti)"."""
    return f"{x.role.capitalize()} ({x.speaker}) ({x.language})"


def _unmarked(line: str) -> str:
    """Without the note numbers after the names the officer checked ("Chicago[3]")."""
    return re.sub(r"(?<=\S)\[\d+\]", "", line)


def test_txt_and_docx_show_every_segments_language(reviewed, exported):
    import docx

    rows = _rows(reviewed.db_path, reviewed.iid)
    lines = [line for line in exported["txt"].read_text().splitlines() if re.match(r"\[\d+:\d\d:\d\d\.\d{3} - ", line)]
    assert len(lines) == len(rows)
    for line, x in zip(lines, rows):
        assert f"] {_heading(x)}" in line and _unmarked(line).endswith(f": {x.text}"), (line, x)
    paragraphs = [p.text for p in docx.Document(str(exported["docx"])).paragraphs if p.text.startswith("[")]
    assert len(paragraphs) == len(rows)
    for text, x in zip(paragraphs, rows):
        assert f"] {_heading(x)}" in text and _unmarked(text).endswith(f": {x.text}"), (text, x)


def test_a_single_language_is_shown_too(reviewed):
    """txt and docx used to name the language only when several occur: one alone is named as well."""
    from dataclasses import replace

    import docx

    from interview_assist.export import FORMATS, build_document

    rows = _rows(reviewed.db_path, reviewed.iid)
    with Database(reviewed.db_path) as db:
        doc = build_document(db, reviewed.iid, exported_by="officer.a")
    one = replace(doc, segments=tuple(s for s in doc.segments if s.language == "ti"))
    assert one.languages == ["ti"] and len(one.segments) >= 2
    expected = [f"] {_heading(rows[s.index])}" for s in one.segments]
    lines = [line for line in FORMATS["txt"](one).decode().splitlines() if re.match(r"\[\d+:\d\d:\d\d\.\d{3} - ", line)]
    assert len(lines) == len(expected) and all(e in line for e, line in zip(expected, lines)), lines
    paragraphs = [p.text for p in docx.Document(io.BytesIO(FORMATS["docx"](one))).paragraphs if p.text.startswith("[")]
    assert len(paragraphs) == len(expected) and all(e in text for e, text in zip(expected, paragraphs)), paragraphs


def test_subtitles_carry_every_segments_language_and_still_parse(reviewed, exported):
    import srt
    import webvtt

    rows = _rows(reviewed.db_path, reviewed.iid)
    cues = list(srt.parse(exported["srt"].read_text()))[1:]  # the first is the provenance
    assert [c.content.split(": ", 1) for c in cues] == [[_heading(x), x.text] for x in rows]
    captions = webvtt.read(str(exported["vtt"])).captions
    assert [c.voice for c in captions] == [_heading(x) for x in rows]
    assert [c.text for c in captions] == [x.text for x in rows]
    assert all(f"<lang {x.language}>" in c.raw_text for c, x in zip(captions, rows))


def test_the_json_export_has_each_segments_language_and_the_decided_language_flags(reviewed, exported):
    import jsonschema

    from interview_assist.export.json_file import schema

    data = json.loads(exported["json"].read_text())
    jsonschema.validate(data, schema())
    rows = _rows(reviewed.db_path, reviewed.iid)
    assert [(s["language"], s["language_probability"]) for s in data["segments"]] == [
        (x.language, x.language_probability) for x in rows]
    got = [[(q["reason"], q["decision"], q["note"]) for q in s["quality_flags"] if q["kind"] == "language"] for s in data["segments"]]
    assert got == [list(x.language_flags) for x in rows]
    assert sum(q[1] == "dismissed" and q[2] == DISMISSAL for fs in got for q in fs) == 1


# -- show -----------------------------------------------------------------------------------------------


def test_show_gives_each_segments_language_and_its_language_flags(stored):
    rows = _rows(stored.db_path, stored.iid)
    done = run_cli("show", stored.iid, "--db", stored.db_path)
    assert done.returncode == 0, done.stderr
    blocks = re.split(r"\n(?=\[\d+:\d\d:\d\d\.\d{3} → )", done.stdout)[1:]
    assert len(blocks) == len(rows)
    for block, x in zip(blocks, rows):
        first, *notes = block.strip("\n").split("\n")
        assert f"({x.speaker}){' ⇄ overlap' if '⇄' in first else ''}: ({x.language}) " in first, first
        assert [n.strip() for n in notes if n.strip().startswith("⚑ language:")] == [f"⚑ language: {f[0]}" for f in x.language_flags]


# -- the review screen ---------------------------------------------------------------------------------


def _visible(widget) -> list[str]:
    """The widget's lines as the terminal shows them, border and padding included."""
    from textual.geometry import Region

    return [strip.text for strip in widget.render_lines(Region(0, 0, *widget.outer_size))]


def _joined(lines: list[str]) -> str:
    return " ".join(" ".join(lines).split())


@pytest.fixture
def screen_store(stored, tmp_path) -> Path:
    return _copy_store(stored.db_path, tmp_path / "screen.sqlite")


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_the_screen_shows_each_segments_language_in_the_table_and_the_detail_pane(stored, screen_store, size):
    from interview_assist.tui.widgets.detail import DetailPane

    rows = _rows(stored.db_path, stored.iid)
    app = make_app(screen_store, stored.iid, "officer.a", sink=NullSink(), confirm_officer=False, policy=OversightPolicy(attention_rate=0))
    async with app.run_test(size=size) as pilot:
        table = _visible(app.table)
        assert table[0].split()[:3] == ["time", "who", "lang"]
        shown = [line.split()[3] for line in table[1:] if line.strip()]
        assert shown == [x.language for x in rows][: len(shown)] and len(shown) >= 5
        for i, x in enumerate(rows[:4]):
            if i:
                await pilot.press("down")
            head = _visible(app.query_one(DetailPane))[1]
            assert head.startswith(f" #{i + 1} ") and f"({x.speaker}) · {x.language} · " in head, head


async def test_a_language_flag_is_shown_with_its_reason_and_confirmed_with_c(stored, screen_store):
    from interview_assist.tui.widgets.detail import DetailPane

    rows = _rows(stored.db_path, stored.iid)
    with Database(screen_store) as db:
        named = {f.flag.segment for f in name_flags(db, stored.iid)}
    candidates = [x for x in rows if x.language_flags and x.index not in named]
    assert candidates, "a segment with a language flag and no name flag"
    target = candidates[0]
    (reason, _, _), = target.language_flags
    app = make_app(screen_store, stored.iid, "officer.a", sink=NullSink(), confirm_officer=False, policy=OversightPolicy(attention_rate=0))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*["down"] * (target.index - app.current))
        assert app.current == target.index
        assert f"⚠ language open · {reason}" in _joined(_visible(app.query_one(DetailPane)))
        await pilot.press("v")
        assert f"segment {target.index + 1} has 1 open flag" in str(app.query_one("#status").render())
        await pilot.press("c")
        assert "needs its audio (language flag" in str(app.query_one("#status").render())
        await pilot.press("p")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("c")
        assert "language flag checked against the audio" in str(app.query_one("#status").render())
        assert "⚠ language confirmed · " in _joined(_visible(app.query_one(DetailPane)))
        await pilot.press("v")
    with raw_sql(screen_store) as c:
        flag_id, status, by = c.execute(
            "SELECT f.id, f.status, f.resolved_by FROM flags f JOIN segments s ON s.id = f.segment_id "
            "WHERE f.interview_id = ? AND s.idx = ? AND f.kind = 'language'", (stored.iid, target.index),
        ).fetchone()
        records = c.execute("SELECT actor, action, detail FROM audit_log WHERE interview_id = ? ORDER BY id", (stored.iid,)).fetchall()
        validated = c.execute("SELECT review_status FROM segments WHERE interview_id = ? AND idx = ?", (stored.iid, target.index)).fetchone()[0]
    assert (status, by) == ("confirmed", "officer.a")
    (actor, action, detail), last = records[-2], records[-1]
    assert (actor, action) == ("officer.a", "resolve_flag")
    assert {k: json.loads(detail)[k] for k in ("flag", "kind", "decision", "segment")} == {
        "flag": flag_id, "kind": "language", "decision": "confirm", "segment": target.index}
    assert last[1] == "validate_segment" and validated == "validated"


async def test_a_language_flag_among_name_flags_is_kept_in_view_and_dismissed_with_x(stored, screen_store):
    """At 80x24 the pane holds six lines. While a name flag of the segment is open, the keys act on it and
    the language flag above it may make way (counted); once the names are decided, c and x act on the
    language flag, which is then in view."""
    from interview_assist.tui.widgets.detail import DetailPane

    rows = _rows(stored.db_path, stored.iid)
    with Database(screen_store) as db:
        names: dict[int, int] = {}
        for f in name_flags(db, stored.iid):
            names[f.flag.segment] = names.get(f.flag.segment, 0) + 1
    candidates = [x for x in rows if x.language_flags and x.index in names]
    assert candidates, "a segment with a language flag and name flags"
    target = max(candidates, key=lambda x: names[x.index])
    (reason, _, _), = target.language_flags
    app = make_app(screen_store, stored.iid, "officer.a", sink=NullSink(), confirm_officer=False, policy=OversightPolicy(attention_rate=0))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*["down"] * (target.index - app.current), "p")
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = _visible(app.query_one(DetailPane))
        assert any(line.strip().startswith("⚠ language open") for line in shown) or any(
            "earlier flag here (language)" in line for line in shown), shown
        for k in range(names[target.index]):
            await pilot.press(*(["right_square_bracket"] if k else []), "c")
            assert "confirmed as heard" in str(app.query_one("#status").render())
        assert f"⚠ language open · {reason}" in _joined(_visible(app.query_one(DetailPane)))
        await pilot.press("x", *"the interpreter speaks English here", "enter")
        assert "language flag dismissed" in str(app.query_one("#status").render())
    with Database(screen_store) as db:
        (flag,) = [q for q in quality_flags(db, stored.iid) if q.kind == "language" and q.segment == target.index]
        assert (flag.status, flag.note, flag.resolved_by) == ("dismissed", "the interpreter speaks English here", "officer.a")
        assert all(f.status == "confirmed" for f in name_flags(db, stored.iid) if f.flag.segment == target.index)
