"""The gazetteer index cache: plain arrays that run no code when loaded, in a folder only the
user can write, used only when built from the same source lists (issue 21)."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

from interview_assist.names.gazetteer import Gazetteer
from interview_assist.names.gazetteer_index import sources_digest

LIST = "name\tcanonical\tkind\tcountry\nKara Tepe\tMavrovouni\tcamp\tGR\nMavrovouni\t\tcamp\tGR\nKunduz\t\tcity\tAF\n"


class Payload:
    """Unpickling this runs ``touch MARKER``: what a planted cache would do to a pickle loader."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture
def lists(tmp_path):
    folder = tmp_path / "lists"
    folder.mkdir()
    (folder / "camps.tsv").write_text(LIST)
    return folder


def _cache_file(cache):
    (found,) = cache.glob("gazetteer-index/*/index-*.npz")
    return found


def test_the_cache_is_private_and_reused(lists, tmp_path):
    cache = tmp_path / "cache"
    first = Gazetteer.load(lists, cache)
    kept = _cache_file(cache)
    assert kept.stat().st_mode & 0o077 == 0
    assert kept.parent.stat().st_mode & 0o777 == 0o700
    with np.load(kept, allow_pickle=False) as z:
        assert all(z[k].dtype != object for k in z.files), "plain arrays only"
        assert z["sources_sha256"].tobytes().decode() == sources_digest(sorted(lists.glob("*.tsv")))
    again = Gazetteer.load(lists, cache)
    assert len(again) == len(first) == 3
    assert [p.canonical for p in again.exact("kara tepe")] == ["Mavrovouni"]
    assert again.search("Kandas", limit=1)[0].place.canonical == "Kunduz"
    # A changed list builds the index again, and the stale one goes.
    (lists / "camps.tsv").write_text(LIST + "Moria\t\tcamp\tGR\n")
    assert len(Gazetteer.load(lists, cache)) == 4
    assert _cache_file(cache) != kept


@pytest.mark.parametrize("planted", ["pickle", "npz with objects", "npz of other lists"])
def test_a_planted_cache_is_not_executed_nor_believed(lists, tmp_path, planted):
    cache = tmp_path / "cache"
    Gazetteer.load(lists, cache)
    target = _cache_file(cache)
    marker = tmp_path / "pwned"
    if planted == "pickle":
        target.write_bytes(pickle.dumps({"name": Payload(marker)}))
    elif planted == "npz with objects":
        with open(target, "wb") as fh:
            np.savez(fh, sources_sha256=np.array([Payload(marker)], dtype=object), rows=np.array([Payload(marker)], dtype=object))
    else:
        # Well-formed, but built from other lists: its recorded sha256 does not match.
        other = tmp_path / "other"
        other.mkdir()
        (other / "x.tsv").write_text("name\nSomewhere Else\n")
        Gazetteer.load(other, tmp_path / "cache2")
        _cache_file(tmp_path / "cache2").replace(target)
    g = Gazetteer.load(lists, cache)
    assert not marker.exists(), "loading the cache ran code"
    assert len(g) == 3 and g.exact("Mavrovouni") and not g.exact("Somewhere Else")


def test_a_cache_folder_others_can_write_is_not_used(lists, tmp_path, caplog):
    cache = tmp_path / "cache"
    Gazetteer.load(lists, cache)
    folder = _cache_file(cache).parent
    folder.chmod(0o777)
    marker = tmp_path / "pwned"
    _cache_file(cache).write_bytes(pickle.dumps(Payload(marker)))
    with caplog.at_level("WARNING", logger="interview_assist"):
        g = Gazetteer.load(lists, cache)
    assert len(g) == 3 and not marker.exists()
    assert "not a folder only this user can write" in caplog.text


def test_prepare_builds_the_cache_now_so_the_pipeline_loads_it_later(lists, tmp_path):
    # The pipeline checks the lists before it hears any audio and loads the
    # index only to flag names, after the speech pass.
    cache = tmp_path / "cache"
    later = Gazetteer.prepare(lists, cache)
    kept = _cache_file(cache)
    assert [p.canonical for p in later().exact("kara tepe")] == ["Mavrovouni"]
    Gazetteer.prepare(lists, cache)
    assert _cache_file(cache) == kept, "a cached index is not built again"


def test_what_prepare_checked_is_what_is_loaded_whatever_happens_to_the_folder_meanwhile(lists, tmp_path):
    # A list dropped in, half copied, or the cache replaced during a run of
    # hours must not make the run fail at its end.
    cache = tmp_path / "cache"
    later = Gazetteer.prepare(lists, cache)
    (lists / "half-copied.tsv").write_text("")
    (lists / "broken.tsv").write_text("place\tcountry\nKunduz\tAF\n")
    _cache_file(cache).unlink()
    g = later()
    assert len(g) == 3 and [p.canonical for p in g.exact("kunduz")] == ["Kunduz"]


def test_a_cache_damaged_after_the_check_is_read_from_the_lists_again(lists, tmp_path, caplog):
    cache = tmp_path / "cache"
    Gazetteer.prepare(lists, cache)
    kept = _cache_file(cache)
    later = Gazetteer.prepare(lists, cache)
    data = bytearray(kept.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = b"\xff" * 64
    with open(kept, "r+b") as fh:  # damaged in place: the open file sees it
        fh.write(bytes(data))
    with caplog.at_level("WARNING", logger="interview_assist"):
        g = later()
    assert len(g) == 3
    assert "reading the lists again" in caplog.text


def test_prepare_fails_at_once_on_a_bad_list(lists, tmp_path):
    from interview_assist.core.errors import InputError

    (lists / "broken.tsv").write_text("place\tcountry\nKunduz\tAF\n")
    with pytest.raises(InputError, match="header with a 'name' column"):
        Gazetteer.prepare(lists, tmp_path / "cache")


def test_prepare_builds_the_lists_once_where_no_cache_can_be_kept(lists, tmp_path, caplog):
    cache = tmp_path / "cache"
    Gazetteer.prepare(lists, cache)
    _cache_file(cache).parent.chmod(0o777)
    with caplog.at_level("WARNING", logger="interview_assist"):
        later = Gazetteer.prepare(lists, cache)
    assert caplog.text.count("not a folder only this user can write") == 1
    assert len(later()) == 3
