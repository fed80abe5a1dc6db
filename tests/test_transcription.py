"""The real model on real clips: accuracy, languages, determinism, storage."""

from __future__ import annotations

import json

from interview_assist.pipeline import PipelineOptions, transcribe

from .conftest import run_cli
from .wer import wer


def test_jfk_wer_with_base(eval_dir, catalog, base_transcriber):
    t = transcribe(eval_dir / "asr" / "jfk.flac", catalog=catalog, transcriber=base_transcriber)
    hypothesis = " ".join(s.text for s in t.segments)
    reference = (eval_dir / "asr" / "jfk.txt").read_text()
    assert wer(reference, hypothesis) <= 0.10, hypothesis
    assert t.languages == ["en"]
    words = [w for s in t.segments for w in s.words]
    assert words, "word timestamps are required"
    assert all(0 <= w.start <= w.end <= t.duration + 0.05 for w in words)
    assert all(0.0 <= w.probability <= 1.0 for w in words)
    assert [w.start for w in words] == sorted(w.start for w in words)


def test_french_clip_comes_out_in_french(eval_dir, catalog, base_transcriber):
    t = transcribe(eval_dir / "asr" / "fleurs-fr-000.ogg", catalog=catalog, transcriber=base_transcriber)
    assert t.segments
    assert {s.language for s in t.segments} == {"fr"}
    reference = (eval_dir / "asr" / "fleurs-fr-000.txt").read_text()
    assert wer(reference, " ".join(s.text for s in t.segments)) < 0.5


def test_language_is_detected_per_segment(eval_dir, tmp_path, catalog, base_transcriber):
    """An English clip followed by a French one: each part keeps its own language."""
    import numpy as np
    import soundfile as sf

    from interview_assist.audio import load

    en = load(eval_dir / "asr" / "fleurs-en-000.ogg")
    fr = load(eval_dir / "asr" / "fleurs-fr-001.ogg")
    pause = np.zeros(16000, dtype=np.float32)
    path = tmp_path / "en_fr.wav"
    sf.write(path, np.concatenate([en, pause, fr]), 16000)
    t = transcribe(path, catalog=catalog, transcriber=base_transcriber)
    switch = (en.size + pause.size) / 16000
    before = {s.language for s in t.segments if s.end <= switch + 0.5}
    after = {s.language for s in t.segments if s.start >= switch - 0.5}
    assert before == {"en"}
    assert after == {"fr"}


def test_forced_language(eval_dir, catalog):
    from interview_assist.asr import AsrOptions, Transcriber

    tr = Transcriber(catalog, "whisper-base", AsrOptions(language="fr"))
    t = transcribe(eval_dir / "asr" / "jfk.flac", catalog=catalog, transcriber=tr)
    assert {s.language for s in t.segments} == {"fr"}


def test_same_recording_same_transcript(eval_dir, catalog, base_transcriber):
    path = eval_dir / "asr" / "harvard_osr_0030.wav"
    first = transcribe(path, catalog=catalog, transcriber=base_transcriber)
    second = transcribe(path, catalog=catalog, transcriber=base_transcriber)
    assert first.segments == second.segments
    assert first.flags == second.flags


def test_cli_transcribe_then_show(eval_dir, db_path):
    done = run_cli("transcribe", eval_dir / "asr" / "jfk.flac", "--db", db_path, "--json", "--denoise", "off")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["segments"] >= 1 and summary["languages"] == ["en"]

    shown = run_cli("show", summary["id"], "--db", db_path, "--format", "json")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["id"] == summary["id"]
    assert data["audio"]["sha256"] == summary["audio_sha256"]
    assert data["model"]["name"] == "whisper-base" and len(data["model"]["sha256"]) == 64
    assert data["settings"]["denoise"] == "off"
    seg = data["segments"][0]
    assert {"start", "end", "text", "language", "words"} <= seg.keys()
    assert {"start", "end", "text", "probability"} <= seg["words"][0].keys()

    text = run_cli("show", summary["id"], "--db", db_path)
    assert text.returncode == 0 and "ask not what your country" in text.stdout.lower()


def test_audio_hash_is_of_the_original_file(eval_dir):
    import hashlib

    from interview_assist.audio import probe

    path = eval_dir / "asr" / "jfk.flac"
    assert probe(path).sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
