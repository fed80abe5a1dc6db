"""Names of people and places: gazetteers, glossary, flags, biasing, stored decisions.

The flag tests run the real Whisper model on the names dialogues in
../shared/eval/names and score the flags against their references with the
same code as benchmarks/names.py.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from dataclasses import replace

import pytest

from interview_assist.core.errors import InputError, NotFound
from interview_assist.core.transcript import GlossaryEntry, Segment, Word
from interview_assist.names.detect import NameFinder, NameOptions
from interview_assist.names.gazetteer import Gazetteer, similarity
from interview_assist.names.glossary import list_word_keys, parse_glossary, read_glossary
from interview_assist.names.normalize import fold, key, skeleton
from interview_assist.pipeline.run import PipelineOptions, transcribe
from interview_assist.store import Database, name_flags, resolve_name_flag

from .conftest import REPO, run_cli

sys.path.insert(0, str(REPO / "benchmarks"))
from names_scoring import read_reference, score  # noqa: E402


@pytest.fixture(scope="session")
def gazetteer() -> Gazetteer:
    return Gazetteer.load()


def glossary_of(stem) -> tuple[GlossaryEntry, ...]:
    return tuple(GlossaryEntry(t, k) for t, k in read_reference(stem).glossary)


# -- gazetteers --------------------------------------------------------------------


@pytest.mark.slow
def test_gazetteer_build_is_reproducible(tmp_path):
    out = tmp_path / "places.tsv.gz"
    subprocess.run([sys.executable, str(REPO / "scripts" / "build_gazetteers.py"), "--out", str(out)], check=True, capture_output=True)
    shipped = gzip.decompress((REPO / "gazetteers" / "places.tsv.gz").read_bytes())
    assert gzip.decompress(out.read_bytes()) == shipped, "gazetteers/places.tsv.gz differs from a fresh build"


def test_given_names_build_is_reproducible(tmp_path):
    out = tmp_path / "given-names.txt"
    subprocess.run([sys.executable, str(REPO / "scripts" / "build_given_names.py"), "--out", str(out)], check=True, capture_output=True)
    assert out.read_text() == (REPO / "gazetteers" / "given-names.txt").read_text(), "gazetteers/given-names.txt differs from a fresh build"


def test_shipped_gazetteer_covers_the_countries_of_origin(gazetteer):
    assert len(gazetteer) >= 200_000
    for place in ("Kabul", "Aleppo", "Mosul", "Asmara", "Mogadishu", "Khartoum", "Juba", "Conakry", "Bamako", "Kinshasa", "Tripoli", "Agadez", "Mytilene"):
        assert gazetteer.exact(place), place
    assert {p.kind for p in gazetteer.exact("Kunduz")} >= {"city", "province"}
    assert any(p.kind == "country" for p in gazetteer.exact("Côte d'Ivoire"))


def test_diacritics_and_transliterations_match(gazetteer):
    assert fold("Mazār-e Sharīf") == "mazar e sharif"
    assert key("Deir ez-Zor") == key("Deir Ez Zor")
    # One place, many spellings: diacritics, hyphens, French and German transliterations.
    for spelling in ("Mazar-i-Sharif", "Mazar e Sharif", "Masar-e Scharif", "Mazar-e Charif"):
        best = gazetteer.search(spelling, limit=1)
        assert best and best[0].place.canonical == "Mazār-e Sharīf", spelling
    assert skeleton("Kunduz") == skeleton("Kandas")
    assert similarity("Kandas", "Kunduz") > similarity("Kandas", "Kabul")
    assert gazetteer.search("Kandas", limit=1)[0].place.canonical == "Kunduz"
    variants = gazetteer.variants(gazetteer.exact("Mazar-e Sharif")[0])
    assert "Masar-e Scharif" in variants


def test_a_name_is_found_without_its_article_and_by_its_sound(gazetteer):
    # Speakers drop the Arabic article: "Raqqa" is Ar Raqqah, "Kufra" Al Kufrah.
    assert any(p.canonical == "Ar Raqqah" for p in gazetteer.exact("Raqqah"))
    for heard, place in (("Raqqa", "Ar Raqqah"), ("Kufra", "Al Kufrah"), ("Mayadin", "Al Mayādīn")):
        assert place in [m.place.canonical for m in gazetteer.search(heard, limit=3)], heard
    # Spelled apart, alike in sound: "Islam color" shares few letters with "Eslam Qaleh".
    assert gazetteer.search("Islam color", limit=1)[0].place.canonical == "Eslam Qaleh"
    # The same on a list that has no article-less spelling of its own: the
    # article is dropped ("Ath" too), but never down to a stub ("Al-Hol").
    g = Gazetteer.from_rows(
        [{"name": "Al Kufrah"}, {"name": "Ath Thawrah"}, {"name": "Al-Hol", "kind": "camp", "country": "SY"}, {"name": "Hama"}]
    )
    assert [p.name for p in g.exact("Kufrah")] == ["Al Kufrah"]
    assert [p.name for p in g.exact("Thawrah")] == ["Ath Thawrah"]
    assert [p.name for p in g.exact("hol")] == [] and [p.name for p in g.exact("Al Hol")] == ["Al-Hol"]
    # "Kandas" and "Kunduz" share no three letters, only their sound.
    g = Gazetteer.from_rows([{"name": "Kunduz"}, {"name": "Kabul"}])
    assert [m.place.name for m in g.search("Kandas", limit=1)] == ["Kunduz"]


def test_an_agency_list_is_read_and_indexed(tmp_path):
    lists, cache = tmp_path / "lists", tmp_path / "cache"
    lists.mkdir()
    (lists / "camps.tsv").write_text(
        "# our own list\nname\tcanonical\tkind\tcountry\nKara Tepe\tMavrovouni\tcamp\tGR\nMavrovouni\t\tcamp\tGR\n"
    )
    g = Gazetteer.load(lists, cache)
    assert [p.canonical for p in g.exact("kara-tepe")] == ["Mavrovouni"]
    assert g.search("Karatepe", limit=1)[0].place.kind == "camp"
    assert list(cache.glob("gazetteer-index/*/index-*.npz")), "the index is built once and kept"
    assert not list(lists.iterdir())[1:], "nothing is written beside the lists"
    assert len(Gazetteer.load(lists, cache)) == 2
    (lists / "broken.tsv").write_text("village\tkind\nX\tcamp\n")
    with pytest.raises(InputError, match="'name' column"):
        Gazetteer.load(lists, cache)


# -- the case glossary ------------------------------------------------------------------


def test_glossary_file(tmp_path):
    entries = parse_glossary("# case 12\nFarid Nazari\tperson\n\nGhazni\tPLACE\nKunduz\nfarid  nazari\n")
    assert entries == (GlossaryEntry("Farid Nazari", "person"), GlossaryEntry("Ghazni", "place"), GlossaryEntry("Kunduz", "name"))
    assert {"faridnazari", "farid", "nazari", "ghazni"} <= list_word_keys(entries)
    with pytest.raises(InputError, match="line 1: unknown kind"):
        parse_glossary("Ghazni\tcity\n")
    with pytest.raises(InputError, match="no such file"):
        read_glossary(tmp_path / "missing.txt")
    (tmp_path / "latin1.txt").write_bytes("Mazār".encode("utf-16"))
    with pytest.raises(InputError, match="UTF-8"):
        read_glossary(tmp_path / "latin1.txt")


# -- flags on real speech -----------------------------------------------------------------


@pytest.fixture(scope="module")
def names_dir(eval_dir):
    return eval_dir / "names"


def test_misrecognised_names_are_flagged_with_suggestions(names_dir, base_transcriber, gazetteer):
    """With the case glossary (not biasing), nearly every misheard name is flagged, the
    right name is usually among the first three suggestions, and hardly a flag falls
    on a correctly heard ordinary word."""
    caught = missed = top3 = false = known_places = 0
    minutes = 0.0
    for stem in sorted(p.with_name(p.name.removesuffix(".names.tsv")) for p in names_dir.glob("*.names.tsv")):
        t = transcribe(stem.with_suffix(".wav"), PipelineOptions(diarize=False, names=NameOptions(bias=False)),
                       transcriber=base_transcriber, gazetteer=gazetteer, glossary=glossary_of(stem))
        s = score(t, read_reference(stem), gazetteer=gazetteer)
        caught, missed, top3 = caught + s.caught, missed + s.misrecognised - s.caught, top3 + s.top3
        false, known_places = false + s.false_lenient, known_places + s.false_known_place
        minutes += s.minutes
        for f in t.name_flags:
            assert f.reasons and f.start < f.end and f.first_word <= f.last_word
            assert t.segments[f.segment].words[f.first_word].start == f.start
    # 0.85: at 0.9 one name decides it (31 misheard names; 27-29 are caught depending on the CPU's
    # kernels). "Paris or," for Deir ez-Zor was caught only while Paris was taken for a variant
    # spelling of Parizh; a well-known place heard as usually spelled is no longer flagged (issue 22).
    assert caught / (caught + missed) >= 0.85
    assert top3 / (caught + missed) >= 0.7
    # Flags on ordinary words heard right: at most one a minute. A place the gazetteer knows, written
    # right but doubted by the model ("Sudan" at p = 0.09 on one CPU, heard surely on another), is
    # flagged by design (a word heard that unsurely may be another name) and is not counted here.
    assert (false - known_places) / minutes <= 1.0


def test_without_a_glossary_a_place_split_into_ordinary_words_is_flagged(gazetteer):
    """Kilis heard as "that kill is" (as whisper-base once read names_v03): flagged as a known place,
    with Kilis suggested; the same words heard with confidence are left alone.

    The words are given as that reading had them: which mishearing a decode makes depends on
    the decoding windows and the CPU's kernels, the flag on the words does not."""
    texts = [(" We", 0.93), (" crossed", 0.97), (" that", 0.41), (" kill", 0.38), (" is", 0.45), (" with", 0.96),
             (" my", 0.98), (" cousin.", 0.91)]
    words = tuple(Word(28.4 + i * 0.4, 28.4 + i * 0.4 + 0.35, t, p) for i, (t, p) in enumerate(texts))
    seg = Segment(28.4, 31.6, "".join(t for t, _ in texts).strip(), "en", words)
    split = [f for f in NameFinder(gazetteer).flag_segment(0, seg) if "sounds-like-place" in f.reasons]
    assert [key(f.text) for f in split] == ["killis"]
    assert "Kilis" in [s.text for s in split[0].suggestions[:3]]
    sure = replace(seg, words=tuple(replace(w, probability=0.9) for w in seg.words))
    assert not [f for f in NameFinder(gazetteer).flag_segment(0, sure) if "sounds-like-place" in f.reasons]


def test_a_run_of_closed_class_words_alone_is_no_doubtful_name(gazetteer):
    """"the" written at p < 0.1 (as whisper-base wrote it in names_v03 on one CPU) is no name, and a
    flag there only teaches the officer to clear flags unread; an ordinary word as doubtful is one
    the model may have put for a name it did not know, and stays flagged."""
    def flagged(word: str, probability: float) -> list[str]:
        texts = [" We", " went", " north,", " close", " to", f" {word}", " border."]
        words = tuple(Word(i * 0.5, i * 0.5 + 0.4, t, probability if t.strip() == word else 0.95) for i, t in enumerate(texts))
        seg = Segment(0.0, 3.5, "".join(texts).strip(), "en", words)
        return [f.text for f in NameFinder(gazetteer).flag_segment(0, seg) if f.reasons == ("low-probability",)]

    assert flagged("the", 0.05) == []
    assert flagged("broader", 0.05) == ["broader"]


def test_a_doubtful_word_the_model_writes_in_pieces_is_flagged(base_transcriber, gazetteer):
    """Anseba heard as "unseparation" (un-se-par-ation): the model's guess at a word it did not know."""
    vocabulary = base_transcriber.vocabulary()
    assert [vocabulary.pieces(w) for w in ("memorial", "warehouse", "whacked", "unseparation")] == [1, 1, 2, 4]

    def segment(word: str, probability: float, language: str = "en") -> Segment:
        texts = [" I", " was", " born", " in", " the", f" {word}", " of", " Eritrea."]
        words = tuple(Word(i * 0.5, i * 0.5 + 0.4, t, probability if t.strip() == word else 0.95) for i, t in enumerate(texts))
        return Segment(0.0, 4.0, "".join(texts), language, words)

    def reasons(seg: Segment, vocabulary=vocabulary) -> list[tuple[str, ...]]:
        finder = NameFinder(gazetteer, vocabulary=vocabulary)
        return [f.reasons for f in finder.flag_segment(0, seg) if "unknown-word" in f.reasons]

    assert reasons(segment("unseparation", 0.34)) == [("unknown-word", "low-probability")]
    assert reasons(segment("unseparation", 0.9)) == []  # heard with confidence
    assert reasons(segment("memorial", 0.34)) == []  # an ordinary word, one token
    assert reasons(segment("whacked", 0.34)) == []  # a rarer one, in two
    assert reasons(segment("unseparation", 0.34, "fr")) == []  # French words come in pieces anyway
    assert reasons(segment("unseparation", 0.34), vocabulary=None) == []  # no vocabulary, no judgement
    assert reasons(segment("unseparation's", 0.34)) == [("unknown-word", "low-probability")]
    # At the start of a sentence Whisper capitalises it; it is still judged.
    first = Segment(0.0, 2.0, " Unseparation is far.", "en", (
        Word(0.0, 0.8, " Unseparation", 0.34), Word(0.8, 1.2, " is", 0.95), Word(1.2, 1.6, " far.", 0.95)))
    assert reasons(first) == [("unknown-word", "low-probability")]
    # Nearly guessed words next to each other stay one flag.
    texts = [" we", " crossed", " at", " islamica", " kaleh", " by", " night."]
    run = Segment(0.0, 3.5, "".join(texts), "en", tuple(
        Word(i * 0.5, i * 0.5 + 0.4, t, 0.05 if t.strip() in ("islamica", "kaleh") else 0.95) for i, t in enumerate(texts)))
    flags = NameFinder(gazetteer, vocabulary=vocabulary).flag_segment(0, run)
    assert [(f.first_word, f.last_word) for f in flags if f.first_word <= 4 and f.last_word >= 3] == [(3, 4)]


def test_a_function_word_capitalised_at_a_segment_start_is_not_a_name(gazetteer):
    """Whisper capitalises each of its segments' first word, also mid-sentence:
    "..., and said to him," / "In making ...". "In" is a recorded alternate name
    of some places, and was flagged as their variant spelling."""

    def segment(start: float, text: str) -> Segment:
        texts = [f" {t}" for t in text.split()]
        words = tuple(Word(start + i * 0.5, start + i * 0.5 + 0.4, t, 0.95) for i, t in enumerate(texts))
        return Segment(start, start + len(texts) * 0.5, "".join(texts), "en", words)

    opening = segment(0.0, "and said to him,")
    assert gazetteer.exact("In"), "the case this guards against: a gazetteer alternate name"
    finder = NameFinder(gazetteer)
    assert finder.flag([opening, segment(3.0, "In making a post-mortem examination, the doctor")]) == []
    assert finder.flag([opening, segment(3.0, "If the practitioner is in doubt")]) == []
    # A name in the same place is still judged: "Kasala" is a variant spelling of Kassala.
    flags = finder.flag([opening, segment(3.0, "Kasala was where we stayed")])
    assert [(f.text, f.reasons[0]) for f in flags] == [("Kasala", "variant-spelling")]


def test_a_glossary_name_is_suggested_for_one_word_of_a_longer_flag(gazetteer):
    """"Havro River" for the Evros: the flag takes in "River", the name is in one word."""
    finder = NameFinder(gazetteer, (GlossaryEntry("Evros", "place"), GlossaryEntry("Gaziantep", "place")))
    whole = {s.text: s.score for s in finder.suggest("Havro")}
    part = {s.text: s.score for s in finder.suggest("Havro River")}
    assert "Evros" in list(part)[:3] and "Gaziantep" not in part
    assert part["Evros"] < whole["Evros"], "a match of one word counts for less than the whole"


def test_the_pipeline_judges_words_by_the_loaded_model_even_after_its_release(eval_dir, base_transcriber, gazetteer, monkeypatch):
    import copy

    import interview_assist.pipeline.run as pipeline

    seen = []

    class Spy(NameFinder):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            seen.append(self.vocabulary)

    monkeypatch.setattr(pipeline, "NameFinder", Spy)
    transcribe(eval_dir / "asr" / "jfk.flac", PipelineOptions(diarize=False), transcriber=base_transcriber, gazetteer=gazetteer)
    assert seen == [base_transcriber.vocabulary()]
    released = copy.copy(base_transcriber)
    released.release()
    assert released.vocabulary().pieces("unseparation") == 4


def test_the_decode_without_the_list_hears_each_suspect_stretch_to_its_end(names_dir, base_transcriber, gazetteer, monkeypatch):
    """Whisper stops early in a long stretch; the names at its end need the comparison most."""
    from interview_assist.pipeline import run

    stem = names_dir / "names_v01"
    first_pass, heard = [], []
    original = run.read_stretches

    def spy(tr, audio, stretches, offset=0.0, *, unbiased=False):
        out = original(tr, audio, stretches, offset, unbiased=unbiased)
        if unbiased:
            if not first_pass:
                first_pass.extend(s.shifted(offset) for s, _ in stretches)
            heard.extend(w for seg in out for w in seg.words)
        return out

    monkeypatch.setattr(run, "read_stretches", spy)
    transcribe(stem.with_suffix(".wav"), PipelineOptions(diarize=False), transcriber=base_transcriber,
               gazetteer=gazetteer, glossary=glossary_of(stem))
    assert first_pass and heard
    for stretch in first_pass:
        last = max(w.end for w in heard if stretch.start <= w.start < stretch.end)
        assert last > stretch.end - 3.0, f"the decode without the list stopped at {last:.1f} s in {stretch}"


def test_biasing_flags_every_name_taken_from_the_list(names_dir, base_transcriber, gazetteer):
    stem = names_dir / "names_v02"
    ref = read_reference(stem)
    glossary = glossary_of(stem)
    plain = transcribe(stem.with_suffix(".wav"), PipelineOptions(diarize=False, names=NameOptions(bias=False)),
                       transcriber=base_transcriber, gazetteer=gazetteer, glossary=glossary)
    biased = transcribe(stem.with_suffix(".wav"), PipelineOptions(diarize=False),
                        transcriber=base_transcriber, gazetteer=gazetteer, glossary=glossary)
    assert score(biased, ref).recognised > score(plain, ref).recognised + 5, "biasing helps recognition"
    keys = list_word_keys(glossary)
    flagged = {(f.segment, j) for f in biased.name_flags for j in range(f.first_word, f.last_word + 1) if f.inserted}
    from_list = [(i, j) for i, s in enumerate(biased.segments) for j, w in enumerate(s.words) if key(w.text) in keys]
    assert from_list and all(w in flagged for w in from_list), "a word from the list went unflagged"
    # Including names put where other words were spoken.
    s = score(biased, ref, keys)
    assert s.inserted_flagged == s.inserted_list_words
    # The decode without the list is compared, and its reading offered.
    differs = [f for f in biased.name_flags if "decodes-differ" in f.reasons]
    assert differs and all(any(s.source == "unbiased decode" for s in f.suggestions) for f in differs)


@pytest.mark.slow
def test_flags_are_stored_listed_and_resolved_only_by_a_person(names_dir, tmp_path, db_path):
    glossary = tmp_path / "case.txt"
    glossary.write_text("Farid Nazari\tperson\nKunduz\tplace\nMoria\tplace\n")
    audio = names_dir / "names_v01.wav"
    done = run_cli("transcribe", audio, "--no-diarize", "--glossary", glossary, "--db", db_path, "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    listed = run_cli("flags", summary["id"], "--json", "--db", db_path)
    assert listed.returncode == 0, listed.stderr
    flags = json.loads(listed.stdout)
    assert len(flags) == summary["name_flags"] > 0
    shown = json.loads(run_cli("show", summary["id"], "--format", "json", "--db", db_path).stdout)
    assert [g["term"] for g in shown["glossary"]] == ["Farid Nazari", "Kunduz", "Moria"]
    for f in flags:
        assert f["status"] == "open" and f["reasons"] and f["explanations"]
        assert all(s["reason"] for s in f["suggestions"]), "every suggestion says why it is offered"
        # Nothing decided yet: the other flags on a name are those heard the same.
        assert sorted(f["same_name"]) == sorted(
            g["id"] for g in flags if g["id"] != f["id"] and key(g["text"].removesuffix("'s")) == key(f["text"].removesuffix("'s"))
        )
        words = shown["segments"][f["segment"]]["words"][f["first_word"] : f["last_word"] + 1]
        assert words[0]["start"] == f["start"] and words[-1]["end"] == f["end"]
        assert key(f["text"]) == key("".join(w["text"] for w in words))
    assert any("inserted from the list - verify against the audio" in f["explanations"] for f in flags)

    with Database(db_path) as db:
        first, second, third = name_flags(db, summary["id"])[:3]
        with pytest.raises(InputError, match="needs a reason"):
            resolve_name_flag(db, summary["id"], first.id, "dismiss", actor="officer.a")
        with pytest.raises(NotFound):
            resolve_name_flag(db, summary["id"], 10_000, "confirm", actor="officer.a")
        done1 = resolve_name_flag(db, summary["id"], first.id, "accept", suggestion=1, actor="officer.a")
        assert done1.status == "accepted" and done1.resolution == first.flag.suggestions[0].text
        resolve_name_flag(db, summary["id"], second.id, "edit", text="Gul Mohammad Nazari", actor="officer.a")
        resolve_name_flag(db, summary["id"], third.id, "dismiss", reason="not a name", actor="officer.b")
        log = db.conn.execute("SELECT actor, detail FROM audit_log WHERE action = 'resolve_name_flag' ORDER BY id").fetchall()
    assert [r["actor"] for r in log] == ["officer.a", "officer.a", "officer.b"]
    assert all("Nazari" not in r["detail"] and "Gul" not in r["detail"] for r in log), "names stay out of the audit log"
    still_open = json.loads(run_cli("flags", summary["id"], "--open", "--json", "--db", db_path).stdout)
    assert len(still_open) == len(flags) - 3
    text = run_cli("flags", summary["id"], "--db", db_path).stdout
    assert "edited by officer.a: Gul Mohammad Nazari" in text
    # Segments are numbered from 1, as on the review screen.
    assert f"#{second.id} segment {second.flag.segment + 1} [" in text


def test_a_bad_glossary_path_stores_nothing(names_dir, new_db_path):
    db_path = new_db_path  # nothing there yet: nothing may be made
    done = run_cli("transcribe", names_dir / "names_v01.wav", "--glossary", "/nonexistent/case.txt", "--db", db_path)
    assert done.returncode == 2
    assert "glossary /nonexistent/case.txt: no such file" in done.stderr
    assert not db_path.exists()
