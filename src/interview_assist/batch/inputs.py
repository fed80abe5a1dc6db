"""What a batch is asked to do: recordings from files, folders and CSV manifests.

A manifest is a CSV file with a header row. The ``path`` column is required
(relative paths are taken from the manifest's folder); the optional columns
``speakers``, ``language``, ``glossary`` (a file, relative likewise) and
``interpreter`` (yes/no) override the command's options for that row; an
empty cell keeps them.

A manifest names files inside its own folder (and its subfolders), symbolic
links resolved: a row whose recording or glossary lies outside it (``..``, an
absolute path elsewhere, a link out) is refused and reported like a bad file,
the others go on, unless the operator allows it (``--allow-outside``). A
manifest handed over with a backlog thus cannot make the batch read, say,
credentials into the store as glossary names.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path

from interview_assist.core.errors import InputError
from interview_assist.pipeline.settings import RunSettings

AUDIO_SUFFIXES = frozenset({".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a", ".mp4", ".aac", ".wma", ".webm", ".mka"})
MANIFEST_COLUMNS = ("path", "speakers", "language", "glossary", "interpreter")


@dataclass(frozen=True, slots=True)
class Job:
    path: Path
    options: RunSettings
    source: str  # where it was named: the command line, a folder or a manifest line
    refused: str | None = None  # why this row is not run (reported as failed), e.g. a path outside the manifest

    def key(self, audio_sha256: str) -> str:
        """Same recording (by content) and same settings: same key."""
        if self.refused is not None:  # nothing of it is read, not even to hash it
            payload = json.dumps(["refused", str(self.path), self.refused])
        else:
            ident = audio_sha256 or f"path:{self.path}"
            payload = json.dumps([ident, self.options.key_fields()], sort_keys=True)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def refuse(self, reason: str) -> Job:
        """This job, not to be run, with its glossary (maybe the reason) left unread."""
        return replace(self, options=replace(self.options, glossary=None), refused=reason)


def _truthy(text: str, where: str) -> bool:
    value = text.strip().lower()
    if value in ("yes", "y", "true", "1"):
        return True
    if value in ("no", "n", "false", "0"):
        return False
    raise InputError(f"{where}: interpreter must be yes or no, not {text!r}")


def _inside(base: Path, value: str, what: str, where: str, allow_outside: bool) -> tuple[Path, str | None]:
    """``value`` resolved from the manifest's folder, and why it is refused (None: it is not)."""
    target = (base / value).resolve()
    if allow_outside or target.is_relative_to(base.resolve()):
        return target, None
    return target, (f"{where}: the {what} {value!r} is outside the manifest's folder {base.resolve()}; "
                    "row refused (--allow-outside allows it)")


def read_manifest(path: Path, defaults: RunSettings, *, allow_outside: bool = False) -> list[Job]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InputError(f"manifest {path}: cannot be read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise InputError(f"manifest {path}: not UTF-8 text") from None
    rows = csv.DictReader(text.splitlines())
    if rows.fieldnames is None or "path" not in [f.strip() for f in rows.fieldnames]:
        raise InputError(f"manifest {path}: needs a header row with a 'path' column")
    unknown = [f for f in rows.fieldnames if f.strip() not in MANIFEST_COLUMNS]
    if unknown:
        raise InputError(f"manifest {path}: unknown column(s) {', '.join(unknown)} (known: {', '.join(MANIFEST_COLUMNS)})")
    base = path.parent
    jobs = []
    for n, row in enumerate(rows, start=2):
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        where = f"{path}:{n}"
        if not row.get("path"):
            raise InputError(f"{where}: no path")
        options = defaults
        recording, refused = _inside(base, row["path"], "recording", where, allow_outside)
        if row.get("speakers"):
            if not (row["speakers"].isascii() and row["speakers"].isdigit()) or int(row["speakers"]) < 1:
                raise InputError(f"{where}: speakers must be a whole number, not {row['speakers']!r}")
            options = replace(options, speakers=int(row["speakers"]), min_speakers=None, max_speakers=None)
        if row.get("language"):
            options = replace(options, language=row["language"].lower())
        if row.get("glossary"):
            glossary, outside = _inside(base, row["glossary"], "glossary", where, allow_outside)
            options = replace(options, glossary=str(glossary))
            refused = refused or outside
        if row.get("interpreter"):
            options = replace(options, interpreter=_truthy(row["interpreter"], where))
        job = Job(recording, options, where)
        jobs.append(job.refuse(refused) if refused else job)
    return jobs


def collect_jobs(paths: list[Path], defaults: RunSettings, *, allow_outside: bool = False) -> list[Job]:
    """Every recording named by ``paths``, once each (the first mention wins), in order."""
    jobs: list[Job] = []
    for p in paths:
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in AUDIO_SUFFIXES)
            jobs += [Job(f.absolute(), defaults, f"folder {p}") for f in found]
        elif p.suffix.lower() == ".csv":
            jobs += read_manifest(p, defaults, allow_outside=allow_outside)
        else:
            jobs.append(Job(p.absolute(), defaults, "command line"))
    seen: set[tuple[Path, RunSettings, str | None]] = set()
    unique = []
    for j in jobs:
        if (j.path, j.options, j.refused) not in seen:
            seen.add((j.path, j.options, j.refused))
            unique.append(j)
    return unique
