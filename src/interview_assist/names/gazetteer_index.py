"""Building the gazetteer index: reading the TSV files, folding every name into keys and trigrams, the cache.

Reading and indexing ~300k names takes seconds, so the index is built once
and kept in ``<gazetteers>/.index/``, keyed by the sha256 of the source
files and of the code that folds and indexes them; a later start loads it in
a fraction of a second. When the folder is not writable the index is simply
rebuilt in memory. The queries are in :mod:`.gazetteer`.
"""

from __future__ import annotations

import csv
import gc
import gzip
import hashlib
import io
import logging
import os
import pickle
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from interview_assist.core.errors import InputError
from interview_assist.names import normalize
from interview_assist.names.normalize import fold, key, skeleton, sound

logger = logging.getLogger("interview_assist")

INDEX_VERSION = 2
# A leading Arabic article, as transliterations write it ("Al Kufrah",
# "Ar Raqqah", "Ath Thawrah"): speakers often drop it, so a name is also
# indexed without it.
_ARTICLES = frozenset("al el ad adh ar as ash at ath az an ech ed edh es ez en et er".split())
COLUMNS = ("name", "canonical", "kind", "country", "region", "population", "source")


@dataclass(frozen=True, slots=True)
class Place:
    """One spelling of one known name."""

    name: str
    canonical: str
    kind: str
    country: str
    region: str
    population: int | None
    source: str
    list: str  # the gazetteer file it comes from

    def describe(self) -> str:
        where = ", ".join(p for p in (self.kind, self.country) if p)
        return f"{self.canonical} ({where})" if where else self.canonical


def _keys_of(name: str) -> list[str]:
    """The exact-match keys of a name: its key, and without a leading article."""
    words = fold(name).split()
    out = ["".join(words)]
    if len(words) > 1 and words[0] in _ARTICLES and len("".join(words[1:])) >= 4:
        out.append("".join(words[1:]))
    return out


def _trigrams(k: str) -> set[str]:
    padded = f"#{k}#"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def load_index(directory: Path) -> dict[str, Any]:
    """The index of every ``*.tsv``/``*.tsv.gz`` in ``directory``: from the cache, else built (and cached)."""
    files = sorted(p for p in directory.iterdir() if p.name.endswith((".tsv", ".tsv.gz")) and p.is_file())
    # The index depends on the code that builds it and folds names into
    # keys (and on anyascii's tables) as well as on the files: a change
    # to any of them builds it again.
    digest = hashlib.sha256(f"v{INDEX_VERSION} {_anyascii_version()}".encode())
    for code in (Path(__file__), Path(normalize.__file__)):
        digest.update(code.read_bytes())
    for f in files:
        digest.update(f.name.encode() + b"\0" + f.read_bytes())
    cache = directory / ".index" / f"{digest.hexdigest()[:24]}.pickle"
    try:
        with open(cache, "rb") as fh, _no_gc():
            cached: dict[str, Any] = pickle.load(fh)
            return cached
    except (OSError, pickle.UnpicklingError, EOFError, KeyError, AttributeError, ImportError):
        pass
    data = _build_index(files)
    try:
        cache.parent.mkdir(exist_ok=True)
        for old in cache.parent.glob("*.pickle"):
            old.unlink()
        fd, tmp = tempfile.mkstemp(dir=cache.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(data, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cache)
    except OSError as exc:
        logger.warning("gazetteer index not cached (%s); it is rebuilt at every start", exc)
    return data


def _anyascii_version() -> str:
    try:
        return metadata.version("anyascii")
    except metadata.PackageNotFoundError:
        return "unknown"


# -- building ------------------------------------------------------------------


def _read_rows(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    if path.name.endswith(".gz"):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise InputError(f"gazetteer {path}: not a readable gzip file ({exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"gazetteer {path}: not UTF-8 text ({exc})") from None
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)), delimiter="\t", quoting=csv.QUOTE_NONE)
    if not reader.fieldnames or "name" not in reader.fieldnames:
        raise InputError(f"gazetteer {path}: the first line must be a header with a 'name' column")
    return list(reader)


def _places_from(rows: list[dict[str, str]], list_name: str) -> list[Place]:
    out = []
    for r in rows:
        name = (r.get("name") or "").strip()
        if not key(name):
            continue
        pop = (r.get("population") or "").strip()
        out.append(
            Place(
                name=name,
                canonical=(r.get("canonical") or "").strip() or name,
                kind=(r.get("kind") or "").strip() or "place",
                country=(r.get("country") or "").strip(),
                region=(r.get("region") or "").strip(),
                population=int(pop) if pop.isdigit() else None,
                source=(r.get("source") or "").strip() or list_name,
                list=list_name,
            )
        )
    return out


def _build_index(files: list[Path]) -> dict[str, Any]:
    places: list[Place] = []
    for f in files:
        places += _places_from(_read_rows(f), f.name.removesuffix(".gz").removesuffix(".tsv"))
    return _shared_strings(_index(places))


def _shared_strings(data: dict[str, Any]) -> dict[str, Any]:
    """One object per distinct string across the text columns.

    A few hundred thousand rows repeat a few hundred kinds, countries and
    sources: pickled as references to one object each, the index loads in
    half the time.
    """
    pool: dict[str, str] = {}
    for column in ("name", "canonical", "kind", "country", "region", "source", "list", "keys"):
        data[column] = [pool.setdefault(v, v) for v in data[column]]
    return data


class _no_gc:
    """Unpickling a million small objects runs the cycle collector over and over; none is a cycle."""

    def __enter__(self) -> None:
        self._was = gc.isenabled()
        gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self._was:
            gc.enable()


def _csr(groups: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    offsets = np.zeros(len(groups) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(g) for g in groups])
    flat = np.fromiter((x for g in groups for x in g), dtype=np.int32, count=int(offsets[-1]))
    return offsets, flat


def _index(places: list[Place]) -> dict[str, Any]:
    keys: dict[str, int] = {}
    key_rows: list[list[int]] = []
    groups: dict[tuple[str, str, str], int] = {}
    group_rows: list[list[int]] = []
    group_of: list[int] = []
    for row, p in enumerate(places):
        for k in _keys_of(p.name):
            kid = keys.setdefault(k, len(keys))
            if kid == len(key_rows):
                key_rows.append([])
            key_rows[kid].append(row)
        gid = groups.setdefault((p.canonical, p.country, p.source), len(groups))
        if gid == len(group_rows):
            group_rows.append([])
        group_rows[gid].append(row)
        group_of.append(gid)
    key_list = list(keys)
    trigrams: dict[str, int] = {}
    tri_keys: list[list[int]] = []
    skeleton_keys: dict[str, list[int]] = {}
    for kid, k in enumerate(key_list):
        # Trigrams of the spelling and of the sound ("Islam color" and
        # "Eslam Qaleh" share few letters but most of their sound).
        for t in _trigrams(k) | {"~" + t for t in _trigrams(sound(k))}:
            tid = trigrams.setdefault(t, len(trigrams))
            if tid == len(tri_keys):
                tri_keys.append([])
            tri_keys[tid].append(kid)
        skeleton_keys.setdefault(skeleton(k), []).append(kid)
    key_offsets, key_flat = _csr(key_rows)
    tri_offsets, tri_flat = _csr(tri_keys)
    group_offsets, group_flat = _csr(group_rows)
    return {
        "name": [p.name for p in places],
        "canonical": [p.canonical for p in places],
        "kind": [p.kind for p in places],
        "country": [p.country for p in places],
        "region": [p.region for p in places],
        "population": np.array([p.population if p.population is not None else -1 for p in places], dtype=np.int64),
        "source": [p.source for p in places],
        "list": [p.list for p in places],
        "keys": key_list,
        "key_offsets": key_offsets,
        "key_rows": key_flat,
        "trigrams": list(trigrams),
        "tri_offsets": tri_offsets,
        "tri_keys": tri_flat,
        "skeleton_keys": skeleton_keys,
        "group_of": np.array(group_of, dtype=np.int32),
        "group_offsets": group_offsets,
        "group_rows": group_flat,
    }
