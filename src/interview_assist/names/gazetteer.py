"""Gazetteers: lists of known names, and a fast fuzzy index over them.

A gazetteer is a TSV file (optionally gzipped) in the gazetteers folder; the
format is documented in gazetteers/README.md. Every ``*.tsv`` and
``*.tsv.gz`` file there is loaded, so an agency adds its own list of villages,
districts or camps by dropping a file in.

The index is built once and cached, in a form that runs no code when loaded (:mod:`.gazetteer_index`).

Search: the folded names and their sound keys are cut into letter
trigrams; the names sharing most trigrams with the query are scored with
rapidfuzz on the folded spelling and on the sound (see :mod:`.normalize`).
A name that starts with the Arabic article ("Al Kufrah", "Ar Raqqah") is also
indexed without it, as speakers often drop it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from interview_assist.core.errors import InputError
from interview_assist.names import kinds
from interview_assist.names.gazetteer_index import (
    Place,
    _index,
    _places_from,
    _trigrams,
    load_index,
    pin_index,
    read_index,
)
from interview_assist.names.normalize import key, skeleton, sound

GAZETTEERS_ENV = "INTERVIEW_ASSIST_GAZETTEERS"

__all__ = ["GAZETTEERS_ENV", "Gazetteer", "Match", "Place", "default_gazetteers_dir", "similarity", "well_known"]


def default_gazetteers_dir() -> Path:
    """``$INTERVIEW_ASSIST_GAZETTEERS``, else the ``gazetteers/`` folder of the checkout."""
    if env := os.environ.get(GAZETTEERS_ENV):
        return Path(env).expanduser()
    return Path(__file__).resolve().parents[3] / "gazetteers"


@dataclass(frozen=True, slots=True)
class Match:
    place: Place
    score: float  # 0-100


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


def _folder(directory: Path | None) -> Path:
    directory = Path(directory) if directory is not None else default_gazetteers_dir()
    if not directory.is_dir():
        raise InputError(f"no gazetteers folder at {directory}; set {GAZETTEERS_ENV}")
    return directory


class Gazetteer:
    """The names of one or more gazetteer files, indexed for exact and fuzzy lookup."""

    def __init__(self, data: dict[str, Any]):
        self._d = data
        self._key_ids = dict(zip(data["keys"], range(len(data["keys"]))))
        self._tri_ids = dict(zip(data["trigrams"], range(len(data["trigrams"]))))
        self._well_known: dict[int, dict[tuple[str, int], list[int]]] = {}

    # -- loading -----------------------------------------------------------

    @classmethod
    def load(cls, directory: Path | None = None, cache: Path | None = None) -> Gazetteer:
        """The gazetteers of ``directory`` (default :func:`default_gazetteers_dir`), their index
        kept under ``cache`` (default: the user's cache folder, see :mod:`.gazetteer_index`)."""
        return cls(load_index(_folder(directory), cache))

    @classmethod
    def prepare(cls, directory: Path | None = None, cache: Path | None = None) -> Callable[[], Gazetteer]:
        """Check the gazetteers now and load them later: the function returned gives them as they
        were checked now.

        Their index is built and cached now if it is not (bad lists fail
        here), and its cache file opened, so what is loaded later does not
        depend on the folder then (see :func:`.gazetteer_index.pin_index`).
        """
        folder = _folder(directory)
        kinds.given_names(folder)  # read now (and kept by its cache): a bad list fails here, first
        pinned = pin_index(folder, cache)
        return lambda: cls(read_index(pinned, folder, cache))

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
        rows: list[int] = self._d["key_rows"][off[kid] : off[kid + 1]].tolist()
        return rows

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
                if well_known(place, min_population) and (ident not in best or score > best[ident].score):
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


def well_known(p: Place, min_population: int) -> bool:
    """A town of ``min_population`` or more, or a place of any other kind (subdivision, country, an agency's list)."""
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
