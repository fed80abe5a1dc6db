"""The model catalogue: what may be loaded, from where, and with which checksums.

Models are never downloaded. The built-in ones are rebuilt from files inside
installed PyPI packages (``models/manifest.toml``); an operator may register a
CTranslate2 Whisper folder copied in by hand, whose checksums are recorded
then (``models/registry.json``). Every file of a model is checked against its
recorded sha256 before each load, and a mismatch refuses the load.
"""

from __future__ import annotations

import errno
import hashlib
import importlib.util
import json
import logging
import math
import os
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from interview_assist.core.errors import ChecksumMismatch, InputError, ModelError
from interview_assist.core.hashing import BLOCK_BYTES, file_sha256

logger = logging.getLogger("interview_assist")

MODELS_ENV = "INTERVIEW_ASSIST_MODELS"
MANIFEST = "manifest.toml"
REGISTRY = "registry.json"
# Makes a model file from the others in the model's folder: (folder, destination).
Builder = Callable[[Path, Path], None]
# Files a CTranslate2 Whisper folder is made of; others are ignored on register.
_WHISPER_FILES = (
    "model.bin",
    "config.json",
    "tokenizer.json",
    "vocabulary.txt",
    "vocabulary.json",
    "preprocessor_config.json",
)


@dataclass(frozen=True, slots=True)
class ModelFile:
    name: str
    sha256: str
    sources: tuple[str, ...] = ()
    # Made at install from the model's other files by this builder (e.g. an
    # ONNX graph from a checkpoint); checked against ``sha256`` like the rest.
    build: str = ""


@dataclass(frozen=True, slots=True)
class ModelSpec:
    name: str
    kind: str
    directory: Path
    files: tuple[ModelFile, ...]
    description: str = ""
    languages: tuple[str, ...] = ()
    licence: str = ""
    packages: tuple[str, ...] = ()
    default: bool = False
    origin: str = "manifest"  # or "registered"
    # Denoise ``auto``: gate low-frequency noise from this SNR (dB) up, where
    # the model does better with it gated than the shared rule assumes.
    denoise_coloured_min_snr_db: float | None = None

    @property
    def sha256(self) -> str:
        """The checksum that identifies the model: that of its weights."""
        for f in self.files:
            if f.name == "model.bin":
                return f.sha256
        return self.files[0].sha256

    @property
    def english_only(self) -> bool:
        return tuple(self.languages) == ("en",)


@dataclass(frozen=True, slots=True)
class ModelStatus:
    spec: ModelSpec
    state: str  # "verified" | "not installed" | "checksum mismatch"
    problems: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.state == "verified"


def default_models_dir() -> Path:
    """``$INTERVIEW_ASSIST_MODELS``, else the ``models/`` folder of the checkout."""
    if env := os.environ.get(MODELS_ENV):
        return Path(env).expanduser()
    return Path(__file__).resolve().parents[3] / "models"


def _package_file(source: str) -> Path:
    """Resolve ``"import_name:relative/path"`` without importing the package.

    Importing could run arbitrary package code (some weight packages import
    heavy extras); only the file location is needed.
    """
    module, _, relative = source.partition(":")
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"the Python package providing {module!r} is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    if not path.is_file():
        raise ModelError(f"{module!r} is installed but has no file {relative!r}")
    return path


class ModelCatalog:
    """The models known in one models folder."""

    def __init__(self, directory: Path | None = None):
        self.directory = Path(directory) if directory is not None else default_models_dir()
        manifest = self.directory / MANIFEST
        if not manifest.is_file():
            raise ModelError(
                f"no model manifest at {manifest}; set {MODELS_ENV} to the models folder"
            )
        with open(manifest, "rb") as fh:
            data = tomllib.load(fh)
        self._specs: dict[str, ModelSpec] = {}
        for entry in data.get("model", []):
            spec = self._spec_from(entry, self.directory / entry["name"], "manifest")
            self._specs[spec.name] = spec
        for entry in self._read_registry():
            spec = self._spec_from(entry, Path(entry["directory"]), "registered")
            self._specs[spec.name] = spec

    @staticmethod
    def _spec_from(entry: dict[str, Any], directory: Path, origin: str) -> ModelSpec:
        return ModelSpec(
            name=entry["name"],
            kind=entry.get("kind", "whisper"),
            directory=directory,
            files=tuple(
                ModelFile(f["name"], f["sha256"], tuple(f.get("sources", ())), str(f.get("build", "")))
                for f in entry["file"]
            ),
            description=entry.get("description", ""),
            languages=tuple(entry.get("languages", ())),
            licence=entry.get("licence", ""),
            packages=tuple(entry.get("packages", ())),
            default=bool(entry.get("default", False)),
            origin=origin,
            denoise_coloured_min_snr_db=_optional_number(entry, "denoise_coloured_min_snr_db", origin),
        )

    # -- lookup ------------------------------------------------------------
    def specs(self) -> list[ModelSpec]:
        return list(self._specs.values())

    def get(self, name: str | None = None) -> ModelSpec:
        if name is None:
            return self.default()
        try:
            return self._specs[name]
        except KeyError:
            known = ", ".join(sorted(self._specs))
            raise ModelError(f"unknown model {name!r} (known: {known})") from None

    def default(self) -> ModelSpec:
        for spec in self._specs.values():
            if spec.default:
                return spec
        raise ModelError("the model manifest names no default model")

    # -- verification ------------------------------------------------------
    def status(self, spec: ModelSpec) -> ModelStatus:
        missing, wrong = [], []
        for f in spec.files:
            path = spec.directory / f.name
            if not path.is_file():
                missing.append(f.name)
            elif file_sha256(path) != f.sha256:
                wrong.append(f.name)
        if wrong:
            return ModelStatus(spec, "checksum mismatch", tuple(wrong))
        if missing:
            return ModelStatus(spec, "not installed", tuple(missing))
        return ModelStatus(spec, "verified")

    def verify(self, spec: ModelSpec) -> None:
        """Raise unless every file of ``spec`` is present with its recorded sha256."""
        st = self.status(spec)
        if st.state == "checksum mismatch":
            raise ChecksumMismatch(
                f"model {spec.name!r} refused: sha256 of {', '.join(st.problems)} in "
                f"{spec.directory} differs from the recorded checksum; the files were "
                "changed or damaged since they were recorded"
            )
        if st.state == "not installed":
            hint = (
                f"run `interview-assist models install {spec.name}`"
                if spec.origin == "manifest"
                else f"copy the model back into {spec.directory}"
            )
            raise ModelError(
                f"model {spec.name!r} is not installed ({', '.join(st.problems)} "
                f"missing in {spec.directory}); {hint}"
            )

    # -- provisioning ------------------------------------------------------
    def install(self, spec: ModelSpec, builders: Mapping[str, Builder] | None = None) -> bool:
        """Rebuild ``spec`` from its PyPI packages. Returns False if already there.

        Files copied from packages come first; then files made from them by
        ``builders`` (named in the manifest's ``build`` field). Each file is
        written beside its final name, checked, then renamed into place, so
        an interrupted install never leaves a half file under the real name.
        """
        if spec.origin != "manifest":
            raise ModelError(f"model {spec.name!r} was registered by hand; nothing to install")
        if self.status(spec).ok:
            return False
        spec.directory.mkdir(parents=True, exist_ok=True)
        for f in sorted(spec.files, key=lambda f: bool(f.build)):
            dest = spec.directory / f.name
            if dest.is_file() and file_sha256(dest) == f.sha256:
                continue
            tmp = dest.with_name(dest.name + ".partial")
            try:
                if f.build:
                    builder = (builders or {}).get(f.build)
                    if builder is None:
                        raise ModelError(f"model {spec.name!r}: no builder {f.build!r} for {f.name}")
                    builder(spec.directory, tmp)
                    digest, origin = file_sha256(tmp), f"built by {f.build}"
                else:
                    digest = _concatenate([_package_file(s) for s in f.sources], tmp)
                    origin = f"rebuilt from {', '.join(spec.packages)}"
                if digest != f.sha256:
                    raise ChecksumMismatch(
                        f"model {spec.name!r}: {f.name} {origin} has sha256 {digest}, expected {f.sha256}"
                    )
                os.replace(tmp, dest)
            except OSError as exc:
                if exc.errno == errno.ENOSPC:
                    raise ModelError(f"no space left on device while writing {dest}") from None
                raise ModelError(f"cannot write {dest}: {exc.strerror or exc}") from None
            finally:
                tmp.unlink(missing_ok=True)
        logger.info("installed model %s in %s", spec.name, spec.directory)
        return True

    # -- operator-supplied models -----------------------------------------
    def register(
        self,
        name: str,
        directory: Path,
        *,
        languages: Iterable[str] = ("multilingual",),
        licence: str = "",
        description: str = "",
    ) -> ModelSpec:
        """Record the checksums of a CTranslate2 Whisper folder copied in by hand."""
        directory = Path(directory).resolve()
        if name in self._specs and self._specs[name].origin == "manifest":
            raise InputError(f"{name!r} is a built-in model name; choose another")
        if not (directory / "model.bin").is_file() or not (directory / "config.json").is_file():
            raise InputError(
                f"{directory}: not a CTranslate2 Whisper model folder "
                "(model.bin and config.json are required)"
            )
        files = [
            {"name": n, "sha256": file_sha256(directory / n)}
            for n in _WHISPER_FILES
            if (directory / n).is_file()
        ]
        entry = {
            "name": name,
            "kind": "whisper",
            "directory": str(directory),
            "description": description,
            "languages": list(languages),
            "licence": licence,
            "file": files,
        }
        entries = [e for e in self._read_registry() if e["name"] != name] + [entry]
        self._write_registry(entries)
        spec = self._spec_from(entry, directory, "registered")
        self._specs[name] = spec
        return spec

    def _read_registry(self) -> list[dict[str, Any]]:
        path = self.directory / REGISTRY
        if not path.is_file():
            return []
        try:
            entries: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["models"]
        except (ValueError, KeyError) as exc:
            raise ModelError(f"{path} is damaged ({exc}); fix or remove it") from None
        return entries

    def _write_registry(self, entries: list[dict[str, Any]]) -> None:
        path = self.directory / REGISTRY
        tmp = path.with_name(path.name + ".partial")
        try:
            tmp.write_text(json.dumps({"models": entries}, indent=2) + "\n", encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise ModelError(f"cannot write {path}: {exc.strerror or exc}") from None


def _concatenate(sources: list[Path], dest: Path) -> str:
    digest = hashlib.sha256()
    with open(dest, "wb") as out:
        for src in sources:
            with open(src, "rb") as fh:
                while chunk := fh.read(BLOCK_BYTES):
                    digest.update(chunk)
                    out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()


def _optional_number(entry: dict[str, Any], field: str, origin: str) -> float | None:
    """A number of a model entry, checked when the catalog loads, not hours into a run."""
    value = entry.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ModelError(f"{origin}: {field} of model {entry.get('name', '?')!r} must be a finite number, not {value!r}")
    return float(value)
