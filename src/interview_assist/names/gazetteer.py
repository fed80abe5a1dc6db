"""Gazetteers: lists of known names, and a fast fuzzy index over them.

A gazetteer is a TSV file (optionally gzipped) in the gazetteers folder; the
format is documented in gazetteers/README.md. Every ``*.tsv`` and
``*.tsv.gz`` file there is loaded, so an agency adds its own list of villages,
districts or camps by dropping a file in.

Reading and indexing ~300k names takes seconds, so the index is built once
and kept in ``<gazetteers>/.index/``, keyed by the sha256 of the source
files; a later start loads it in a fraction of a second. When the folder is
not writable the index is simply rebuilt in memory.

Search: the folded names and their sound keys are cut into letter
trigrams; the names sharing most trigrams with the query are scored with
rapidfuzz on the folded spelling and on the sound (see :mod:`.normalize`).
A name that starts with the Arabic article ("Al Kufrah", "Ar Raqqah") is also
indexed without it, as speakers often drop it.
"""

from __future__ import annotations

import csv
import gc
import gzip
import hashlib
import io
import logging
import math
import os
import pickle
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

from ..errors import InputError
from . import normalize
from .normalize import fold, key, skeleton, sound

logger = logging.getLogger("interview_assist")

GAZETTEERS_ENV = "INTERVIEW_ASSIST_GAZETTEERS"
INDEX_VERSION = 2
# A leading Arabic article, as transliterations write it ("Al Kufrah",
# "Ar Raqqah", "Ath Thawrah"): speakers often drop it, so a name is also
# indexed without it.
_ARTICLES = frozenset("al el ad adh ar as ash at ath az an ech ed edh es ez en et er".split())
COLUMNS = ("name", "canonical", "kind", "country", "region", "population", "source")


def default_gazetteers_dir() -> Path:
    """``$INTERVIEW_ASSIST_GAZETTEERS``, else the ``gazetteers/`` folder of the checkout."""
    if env := os.environ.get(GAZETTEERS_ENV):
        return Path(env).expanduser()
    return Path(__file__).resolve().parents[3] / "gazetteers"


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


@dataclass(frozen=True, slots=True)
class Match:
    place: Place
    score: float  # 0-100


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


def similarity(a: str, b: str) -> float:
    """How alike two names are, 0-100, across spellings and transliterations."""
    ka, kb = key(a), key(b)
    if not ka or not kb:
        return 0.0
    if ka == kb:
        return 100.0
    spelled = fuzz.ratio(ka, kb)
    # Transliterations swap vowels and letters for one sound (see .normalize).
    alike = fuzz.ratio(sound(a), sound(b)) * 0.95
    sa, sb = skeleton(a), skeleton(b)
    if len(sa) < 2 or len(sb) < 2:
        return max(spelled, alike)
    # The bare consonants count half: short skeletons collide too easily alone.
    return max(spelled, alike, (spelled + fuzz.ratio(sa, sb)) / 2)


class Gazetteer:
    """The names of one or more gazetteer files, indexed for exact and fuzzy lookup."""

    def __init__(self, data: dict):
        self._d = data
        self._key_ids = dict(zip(data["keys"], range(len(data["keys"]))))
        self._tri_ids = dict(zip(data["trigrams"], range(len(data["trigrams"]))))
        self._well_known: dict[int, dict[tuple[str, int], list[int]]] = {}

    # -- loading -----------------------------------------------------------

    @classmethod
    def load(cls, directory: Path | None = None) -> Gazetteer:
        directory = Path(directory) if directory is not None else default_gazetteers_dir()
        if not directory.is_dir():
            raise InputError(f"no gazetteers folder at {directory}; set {GAZETTEERS_ENV}")
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
                return cls(pickle.load(fh))
        except (OSError, pickle.UnpicklingError, EOFError, KeyError):
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
        return cls(data)

    @classmethod
    def from_rows(cls, rows: list[dict[str, str]], list_name: str = "inline") -> Gazetteer:
        """An in-memory gazetteer (tests, small lists)."""
        return cls(_index(_places_from(rows, list_name)))

    # -- lookups -----------------------------------------------------------

    def __len__(self) -> int:
        return len(self._d["name"])

    @property
    def lists(self) -> tuple[str, ...]:
        return tuple(sorted(set(self._d["list"])))

    def place(self, row: int) -> Place:
        d = self._d
        pop = int(d["population"][row])
        return Place(
            d["name"][row], d["canonical"][row], d["kind"][row], d["country"][row], d["region"][row],
            pop if pop >= 0 else None, d["source"][row], d["list"][row],
        )

    def _rows_of_key(self, kid: int) -> list[int]:
        off = self._d["key_offsets"]
        return self._d["key_rows"][off[kid] : off[kid + 1]].tolist()

    def exact(self, text: str) -> list[Place]:
        """Every place spelled like ``text`` (ignoring case, diacritics, punctuation)."""
        kid = self._key_ids.get(key(text))
        return [] if kid is None else [self.place(r) for r in self._rows_of_key(kid)]

    def variants(self, place: Place, limit: int = 6) -> list[str]:
        """Other spellings of the same place, most distinct first."""
        group = self._d["group_of"]
        rows = self._d["group_rows"]
        off = self._d["group_offsets"]
        for kid in (self._key_ids.get(key(place.name)),):
            if kid is None:
                return []
            for r in self._rows_of_key(kid):
                if self._d["canonical"][r] == place.canonical and self._d["source"][r] == place.source:
                    g = group[r]
                    names = [self._d["name"][x] for x in rows[off[g] : off[g + 1]].tolist()]
                    seen, out = {key(place.name)}, []
                    for n in sorted(names, key=lambda n: (not n.isascii(), n)):
                        if key(n) not in seen:
                            seen.add(key(n))
                            out.append(n)
                    return out[:limit]
        return []

    def well_known_like(self, text: str, min_ratio: float, min_population: int) -> list[Match]:
        """Well-known places spelled at least ``min_ratio`` (0-100) like ``text``, best first.

        Well-known: a town (kind ``city``) of ``min_population`` or more, or
        any other kind: a subdivision, a country, an agency's camp or village.
        Only names with the same
        first letter are compared (a name split into words keeps its start),
        which keeps a lookup to a few hundred comparisons.
        """
        k = key(text)
        if len(k) < 2:
            return []
        buckets = self._well_known.get(min_population)
        if buckets is None:
            buckets = self._well_known[min_population] = self._well_known_buckets(min_population)
        r = min(max(min_ratio, 1.0), 100.0)
        shortest, longest = math.floor(len(k) * r / (200 - r)), math.ceil(len(k) * (200 - r) / r)
        keys = self._d["keys"]
        choices = {kid: keys[kid] for n in range(shortest, longest + 1) for kid in buckets.get((k[0], n), ())}
        best: dict[tuple[str, str, str], Match] = {}
        for _, score, kid in process.extract(k, choices, scorer=fuzz.ratio, score_cutoff=r, limit=None):
            for row in self._rows_of_key(kid):
                place = self.place(row)
                ident = (place.canonical, place.country, place.source)
                if _well_known(place, min_population) and (ident not in best or score > best[ident].score):
                    best[ident] = Match(place, round(score, 2))
        return sorted(best.values(), key=lambda m: -m.score)

    def _well_known_buckets(self, min_population: int) -> dict[tuple[str, int], list[int]]:
        d = self._d
        row_known = (np.array(d["kind"], dtype=object) != "city") | (d["population"] >= min_population)
        # A key is well known if any of its rows is (every key has a row).
        key_known = np.logical_or.reduceat(row_known[d["key_rows"]], d["key_offsets"][:-1])
        keys = d["keys"]
        buckets: dict[tuple[str, int], list[int]] = {}
        for kid in np.flatnonzero(key_known).tolist():
            k = keys[kid]
            buckets.setdefault((k[0], len(k)), []).append(kid)
        return buckets

    def search(self, text: str, limit: int = 5, min_score: float = 60.0, candidates: int = 300) -> list[Match]:
        """The places whose names are most like ``text``, best first, one per place."""
        k = key(text)
        if len(k) < 2:
            return []
        d = self._d
        grams = _trigrams(k) | {"~" + t for t in _trigrams(sound(k))}
        tri = [self._tri_ids[t] for t in grams if t in self._tri_ids]
        if not tri:
            return []
        off = d["tri_offsets"]
        hits = np.concatenate([d["tri_keys"][off[t] : off[t + 1]] for t in tri])
        if hits.size == 0:
            return []
        ids, counts = np.unique(hits, return_counts=True)
        if ids.size > candidates:
            top = np.argpartition(-counts, candidates)[:candidates]
            ids = ids[top]
        keys = d["keys"]
        choices = {int(i): keys[i] for i in ids}
        scored: list[tuple[float, int]] = []
        # The closest by spelling, and the closest by sound.
        near = {kid for _, _, kid in process.extract(k, choices, scorer=fuzz.ratio, limit=limit * 8, score_cutoff=min_score * 0.7)}
        sounds = {kid: sound(c) for kid, c in choices.items()}
        near |= {kid for _, _, kid in process.extract(sound(k), sounds, scorer=fuzz.ratio, limit=limit * 8, score_cutoff=min_score * 0.7)}
        for kid in near:
            scored.append((similarity(text, keys[kid]), kid))
        # Also the names that sound alike but are spelled apart.
        sk = skeleton(text)
        for kid in d["skeleton_keys"].get(sk, ())[:50]:
            scored.append((similarity(text, keys[kid]), kid))
        best: dict[tuple[str, str, str], Match] = {}
        for score, kid in scored:
            if score < min_score:
                continue
            for r in self._rows_of_key(kid):
                p = self.place(r)
                ranked = score + _prominence(p)
                ident = (p.canonical, p.country, p.source)
                if ident not in best or ranked > best[ident].score:
                    best[ident] = Match(p, round(ranked, 2))
        return sorted(best.values(), key=lambda m: -m.score)[:limit]


def _anyascii_version() -> str:
    try:
        return metadata.version("anyascii")
    except metadata.PackageNotFoundError:
        return "unknown"


def _well_known(p: Place, min_population: int) -> bool:
    # As the buckets count it: an unknown population is below any bound.
    return p.kind != "city" or (p.population if p.population is not None else -1) >= min_population


def _prominence(p: Place) -> float:
    """0-6 points: bigger and better-known places are named more often."""
    if p.kind == "country":
        return 6.0
    if p.population:
        return min(math.log10(p.population), 6.0)
    # Subdivisions and the entries of an agency's own lists.
    return 4.0


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


def _build_index(files: list[Path]) -> dict:
    places: list[Place] = []
    for f in files:
        places += _places_from(_read_rows(f), f.name.removesuffix(".gz").removesuffix(".tsv"))
    return _shared_strings(_index(places))


def _shared_strings(data: dict) -> dict:
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

    def __exit__(self, *exc) -> None:
        if self._was:
            gc.enable()


def _csr(groups: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    offsets = np.zeros(len(groups) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(g) for g in groups])
    flat = np.fromiter((x for g in groups for x in g), dtype=np.int32, count=int(offsets[-1]))
    return offsets, flat


def _index(places: list[Place]) -> dict:
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
