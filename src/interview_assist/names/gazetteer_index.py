"""Building the gazetteer index: reading the TSV files, folding every name into keys and trigrams, the cache.

Reading and indexing ~300k names takes seconds, so the index is built once
and cached in the user's own cache folder (``~/.cache/interview-assist/``,
made 0700), as plain numpy arrays that load without running code, together
with the sha256 of the source files and of the code that folds and indexes
them, checked before use; a later start loads it in a fraction of a second.
When no private folder can be had the index is simply rebuilt in memory.
The queries are in :mod:`.gazetteer`.
"""

from __future__ import annotations

import csv
import gc
import gzip
import hashlib
import io
import logging
import os
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from interview_assist.core.errors import InputError
from interview_assist.names import normalize
from interview_assist.names.normalize import fold, key, skeleton, sound

logger = logging.getLogger("interview_assist")

INDEX_VERSION = 3
CACHE_ENV = "INTERVIEW_ASSIST_CACHE"
# A leading Arabic article, as transliterations write it ("Al Kufrah",
# "Ar Raqqah", "Ath Thawrah"): speakers often drop it, so a name is also
# indexed without it.
ARTICLES = frozenset("al el ad adh ar as ash at ath az an ech ed edh es ez en et er".split())
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
    if len(words) > 1 and words[0] in ARTICLES and len("".join(words[1:])) >= 4:
        out.append("".join(words[1:]))
    return out


def _trigrams(k: str) -> set[str]:
    padded = f"#{k}#"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def cache_root() -> Path:
    """Where derived data is cached: ``$INTERVIEW_ASSIST_CACHE``, else ``$XDG_CACHE_HOME/interview-assist``,
    else ``~/.cache/interview-assist``."""
    if env := os.environ.get(CACHE_ENV):
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "interview-assist"


def sources_digest(files: list[Path]) -> str:
    """The sha256 of the source lists and of the code that folds and indexes them.

    The index depends on the code that builds it and folds names into keys
    (and on anyascii's tables) as well as on the files: a change to any of
    them builds it again.
    """
    digest = hashlib.sha256(f"v{INDEX_VERSION} {_anyascii_version()}".encode())
    for code in (Path(__file__), Path(normalize.__file__)):
        digest.update(code.read_bytes())
    for f in files:
        digest.update(f.name.encode() + b"\0" + f.read_bytes())
    return digest.hexdigest()


def load_index(directory: Path, cache: Path | None = None) -> dict[str, Any]:
    """The index of every ``*.tsv``/``*.tsv.gz`` in ``directory``: from the cache, else built (and cached).

    The cache (under ``cache``, default :func:`cache_root`) is a numpy
    ``.npz`` of plain arrays, read with ``allow_pickle=False``: loading it
    runs no code, whoever wrote it. It is used only from a folder that this
    user owns and nobody else can write, and only when the sha256 of the
    source lists recorded inside it is the one computed now.
    """
    return read_index(pin_index(directory, cache), directory, cache)


@dataclass
class PinnedIndex:
    """An index cache file opened when it was checked, with the digest it was checked for."""

    handle: BinaryIO
    digest: str
    path: Path


def pin_index(directory: Path, cache: Path | None = None) -> PinnedIndex | dict[str, Any]:
    """The index of ``directory``, checked now and read later (:func:`read_index`): its cache file, open.

    The cache is built now if it is missing or not one of these lists (so
    bad lists fail here), and opened: what is read from it later is what
    was checked now, whatever happens to the folder or the cache in
    between. Where no cache can be kept (the folder is not this user's
    alone, or a write failed), the index built now.
    """
    files, digest, path = _cache_of(directory, cache)
    if path is not None and path.is_file():
        handle = open(path, "rb")
        try:
            with np.load(handle, allow_pickle=False) as z:
                if z["sources_sha256"].tobytes().decode() != digest:
                    raise ValueError("built from other gazetteer files")
            return PinnedIndex(handle, digest, path)
        except _BAD_CACHE as exc:
            handle.close()
            logger.warning("gazetteer index cache %s not used (%s); building it again", path, type(exc).__name__)
    data = _build_index(files)
    if path is not None and _kept(path, data, digest):
        return PinnedIndex(open(path, "rb"), digest, path)
    return data


def read_index(pinned: PinnedIndex | dict[str, Any], directory: Path, cache: Path | None = None) -> dict[str, Any]:
    """The index :func:`pin_index` gave, read from its cache file (closed after); where the
    file proves damaged, built from the lists of ``directory`` again (and cached anew)."""
    if not isinstance(pinned, PinnedIndex):
        return pinned
    with pinned.handle:
        try:
            pinned.handle.seek(0)
            with _no_gc():
                return _read_cache(pinned.handle, pinned.digest)
        except _BAD_CACHE as exc:
            logger.warning("gazetteer index cache %s unreadable (%s); reading the lists again", pinned.path, type(exc).__name__)
    files, digest, path = _cache_of(directory, cache)
    data = _build_index(files)
    _kept(path, data, digest)
    return data


def _kept(path: Path | None, data: dict[str, Any], digest: str) -> bool:
    """Whether ``data`` is now cached at ``path`` (None: nowhere to keep it)."""
    if path is None:
        return False
    try:
        _write_cache(path, data, digest)
    except OSError as exc:
        logger.warning("gazetteer index not cached (%s); it is rebuilt at every start", exc)
        return False
    return True


def _cache_of(directory: Path, cache: Path | None) -> tuple[list[Path], str, Path | None]:
    """The source lists of ``directory``, their digest, and where their index is cached (None: nowhere)."""
    files = sorted(p for p in directory.iterdir() if p.name.endswith((".tsv", ".tsv.gz")) and p.is_file())
    digest = sources_digest(files)
    folder = _private_folder(cache if cache is not None else cache_root(), directory)
    return files, digest, folder / f"index-{digest[:24]}.npz" if folder is not None else None


def _private_folder(root: Path, directory: Path) -> Path | None:
    """The cache folder of one gazetteers folder, made 0700; None when it is not this user's alone.

    A folder another user owns or can write could hold a planted file: even
    if loading it runs no code, its content would not be ours.
    """
    folder = root / "gazetteer-index" / hashlib.sha256(str(directory.resolve()).encode()).hexdigest()[:16]
    try:
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
        for p in (folder.parent, folder):
            p.mkdir(exist_ok=True, mode=0o700)
        for p in (folder, folder.parent):
            st = p.lstat()
            if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o022:
                logger.warning("gazetteer index not cached: %s is not a folder only this user can write", p)
                return None
    except OSError as exc:
        logger.warning("gazetteer index not cached (%s); it is rebuilt at every start", exc)
        return None
    return folder


# Strings joined with NUL (no name holds one) and stored as UTF-8 bytes.
_TEXT = ("name", "canonical", "region", "keys", "trigrams")
# Few distinct values, many rows: stored as codes into their distinct values.
_CODED = ("kind", "country", "source", "list")
_ARRAYS = ("population", "key_offsets", "key_rows", "tri_offsets", "tri_keys", "group_of", "group_offsets", "group_rows")
# What a damaged cache file raises as it is read (a corrupt entry: zlib.error; an unknown
# compression: NotImplementedError; a header declaring an impossible shape: MemoryError).
_BAD_CACHE = (
    OSError, ValueError, KeyError, TypeError, UnicodeDecodeError, EOFError, zipfile.BadZipFile,
    zlib.error, NotImplementedError, MemoryError,
)


def _text_array(values: list[str]) -> np.ndarray:
    return np.frombuffer("\0".join(values).encode(), dtype=np.uint8)


def _text_list(array: np.ndarray, count: int) -> list[str]:
    if array.dtype != np.uint8:
        raise ValueError("text stored in the wrong type")
    values = array.tobytes().decode().split("\0") if count else []
    if len(values) != count:
        raise ValueError("text column of the wrong length")
    return values


def _write_cache(path: Path, data: dict[str, Any], digest: str) -> None:
    arrays: dict[str, np.ndarray] = {"sources_sha256": np.frombuffer(digest.encode(), dtype=np.uint8)}
    arrays["rows"] = np.array([len(data["name"]), len(data["keys"]), len(data["trigrams"])], dtype=np.int64)
    for column in _TEXT:
        arrays[column] = _text_array(data[column])
    for column in _CODED:
        distinct = sorted(set(data[column]))
        codes = {v: i for i, v in enumerate(distinct)}
        arrays[column + ".values"] = _text_array(distinct)
        arrays[column + ".count"] = np.array([len(distinct)], dtype=np.int64)
        arrays[column] = np.array([codes[v] for v in data[column]], dtype=np.int32)
    for column in _ARRAYS:
        arrays[column] = data[column]
    skeletons = list(data["skeleton_keys"])
    offsets, flat = _csr([data["skeleton_keys"][s] for s in skeletons])
    arrays.update({"skeletons": _text_array(skeletons), "skeleton_offsets": offsets, "skeleton_keys": flat})
    for old in path.parent.glob("index-*.npz"):
        if old != path:
            old.unlink(missing_ok=True)  # another process may have just removed it
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, allow_pickle=False, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_cache(path: Path | BinaryIO, digest: str) -> dict[str, Any]:
    """The index kept at ``path`` (or in an open file); ValueError (or another of ``_BAD_CACHE``) when it is not one built from these sources."""
    with np.load(path, allow_pickle=False) as z:
        if z["sources_sha256"].tobytes().decode() != digest:
            raise ValueError("built from other gazetteer files")
        rows, keys, trigrams = (int(n) for n in z["rows"])
        counts = {"name": rows, "canonical": rows, "region": rows, "keys": keys, "trigrams": trigrams}
        data: dict[str, Any] = {column: _text_list(z[column], counts[column]) for column in _TEXT}
        for column in _CODED:
            distinct = _text_list(z[column + ".values"], int(z[column + ".count"][0]))
            codes = z[column]
            if codes.shape != (rows,) or (rows and (codes.min() < 0 or codes.max() >= len(distinct))):
                raise ValueError(f"{column}: codes out of range")
            data[column] = list(map(distinct.__getitem__, codes.tolist()))
        for column in _ARRAYS:
            data[column] = z[column]
        offsets, flat = z["skeleton_offsets"], z["skeleton_keys"]
        skeletons = _text_list(z["skeletons"], len(offsets) - 1)
        bounds, kids = offsets.tolist(), flat.tolist()
        data["skeleton_keys"] = {s: kids[bounds[i] : bounds[i + 1]] for i, s in enumerate(skeletons)}
    if len(data["population"]) != rows or len(data["key_offsets"]) != keys + 1 or len(data["tri_offsets"]) != trigrams + 1:
        raise ValueError("arrays of the wrong length")
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
    return _index(places)


class _no_gc:
    """Reading the cache makes some 200,000 small lists; the cycle collector would run over and over, finding none."""

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
