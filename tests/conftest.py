"""Shared fixtures: the real models, the real recordings, fresh stores.

Tests run on the real Whisper weights (installed by scripts/setup.sh) and on
the recordings in ../shared/eval. Nothing here is mocked.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# The fast tier (`pytest -m "not slow"`, under 2 minutes) is what a developer
# runs on every change; CI runs everything. A test is slow when it loads a
# speech or speaker model, in this process or in the CLI it starts: through
# the fixtures below, or marked so by hand.
SLOW_FIXTURES = frozenset({"base_transcriber", "diarizer", "interview"})  # interview: test_export's, by the CLI


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


# The store key and the signing key of every test (and every CLI a test
# starts), in a folder of their own: never the user's, never in a store's folder.
KEYS = Path(tempfile.mkdtemp(prefix="interview-assist-test-keys-"))
STORE_KEY = secrets.token_bytes(32)
(KEYS / "store.key").write_text(STORE_KEY.hex() + "\n")
os.chmod(KEYS / "store.key", 0o600)
os.environ["INTERVIEW_ASSIST_KEY_FILE"] = str(KEYS / "store.key")
os.environ["INTERVIEW_ASSIST_SIGNING_KEY"] = str(KEYS / "signing.key")
os.environ.pop("INTERVIEW_ASSIST_PASSPHRASE", None)

# The officers of the tests, each with a key in a profile folder of the tests,
# sealed by one passphrase with a cheap Argon2id setting (tests only: the real
# default is RFC 9106's 64 MiB); every store the `db_path` fixture gives has
# them registered, as an administrator would with `officers add`.
TEST_OFFICERS = ("officer.a", "officer.b", "officer.c", "officer.tmux", "QA Lead")
TEST_PASSPHRASE = "test officers' passphrase"
os.environ["INTERVIEW_ASSIST_OFFICERS_DIR"] = str(KEYS / "officers")
os.environ["INTERVIEW_ASSIST_OFFICER_PASSPHRASE"] = TEST_PASSPHRASE
os.environ["INTERVIEW_ASSIST_OFFICER"] = "officer.a"  # who acts in a CLI a test starts without --officer


def officer_key(name: str):
    """``name``'s key in the tests' profile folder, made (cheaply) the first time."""
    from interview_assist.core.officers import create_officer_key, key_path, unlock
    from interview_assist.core.secrets import Argon2Params

    if key_path(name).exists():
        return unlock(name, TEST_PASSPHRASE)
    return create_officer_key(name, TEST_PASSPHRASE, params=Argon2Params(time_cost=1, memory_kib=64, parallelism=1))


def enrol(db_path: Path, *names: str) -> None:
    """Register ``names`` (default: the tests' officers) in the store at ``db_path`` (made if new)."""
    from interview_assist.store import Database
    from interview_assist.store.officers import officers, register_officer

    with Database(db_path) as db:
        standing = {o.name for o in officers(db) if o.revoked_at is None}
        for name in names or TEST_OFFICERS:
            if name not in standing:
                register_officer(db, name, officer_key(name).public_hex, actor="test-admin")


def pytest_sessionfinish(session, exitstatus) -> None:
    shutil.rmtree(KEYS, ignore_errors=True)


@contextmanager
def raw_sql(db_path: Path, key: bytes | None = STORE_KEY) -> Iterator:
    """The store opened directly with SQLCipher, bypassing the application, as someone holding its key could.

    Like ``sqlite3.connect`` as a context manager, it commits at the end (and closes).
    """
    from sqlcipher3 import dbapi2 as sqlcipher

    c = sqlcipher.connect(str(db_path))
    c.execute("PRAGMA cipher_log_level = NONE")
    if key is not None:
        c.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    try:
        yield c
        c.commit()
    finally:
        c.close()


REPO = Path(__file__).resolve().parents[1]
EVAL = Path(os.environ.get("INTERVIEW_ASSIST_EVAL", REPO.parent / "shared" / "eval"))
CLI = [sys.executable, "-m", "interview_assist"]


@pytest.fixture(scope="session")
def eval_dir() -> Path:
    if not EVAL.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"evaluation recordings missing at {EVAL}")
        pytest.skip(f"evaluation recordings not found at {EVAL} (set INTERVIEW_ASSIST_EVAL)")
    return EVAL


@pytest.fixture(scope="session")
def catalog():
    from interview_assist.core.models import ModelCatalog

    return ModelCatalog()


@pytest.fixture(scope="session")
def base_transcriber(catalog):
    """The default multilingual model, loaded once for the session."""
    from interview_assist.asr.transcriber import AsrOptions, Transcriber

    return Transcriber(catalog, "whisper-base", AsrOptions())


@pytest.fixture
def db_path(tmp_path) -> Path:
    """A new store, with the tests' officers registered in it."""
    path = tmp_path / "store" / "interviews.sqlite"
    enrol(path)
    return path


@pytest.fixture
def new_db_path(tmp_path) -> Path:
    """Where a store will be made: nothing there yet."""
    return tmp_path / "store" / "interviews.sqlite"


def run_cli(*args: str, env: dict | None = None, **kwargs) -> subprocess.CompletedProcess:
    """Run the real command line in a child process."""
    return subprocess.run(
        [*CLI, *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=REPO,
        **kwargs,
    )


def unprivileged() -> list[str]:
    """A command prefix that makes file permissions apply, even to root.

    Root bypasses permission bits through two capabilities; the command runs
    without them, so an unreadable file is unreadable, as for an officer.
    """
    if os.geteuid() != 0:
        return []
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", f"--bounding-set={caps}", f"--inh-caps={caps}"]


def count_interviews(db_path: Path) -> int:
    if not db_path.exists():
        return 0
    with raw_sql(db_path) as c:
        return c.execute("SELECT count(*) FROM interviews").fetchone()[0]


@pytest.fixture(scope="session")
def diarizer(catalog):
    """pyannote with the local segmentation and CAM++ weights, loaded once."""
    from interview_assist.speakers.diarize import Diarizer

    return Diarizer(catalog)


def read_rttm(path: Path):
    """A reference RTTM as a pyannote Annotation."""
    from pyannote.core import Annotation, Segment

    ann = Annotation(uri=path.stem)
    for i, line in enumerate(path.read_text().splitlines()):
        f = line.split()
        if f and f[0] == "SPEAKER":
            start, dur = float(f[3]), float(f[4])
            ann[Segment(start, start + dur), i] = f[7]
    return ann


def as_annotation(turns, uri: str = "hyp"):
    from pyannote.core import Annotation, Segment

    ann = Annotation(uri=uri)
    for i, t in enumerate(turns):
        ann[Segment(t.start, t.end), i] = t.speaker
    return ann


def listen(session, *indices: int) -> None:
    """The officer of ``session`` plays segments (none given: the whole recording) through the stand-in
    sound device, as `p` does on the review screen, and the plays are recorded."""
    from interview_assist.core.spans import Span
    from interview_assist.review.playback import NullSink, Player

    t = session.transcript
    player = Player(t.audio_path, NullSink(), t.audio_sha256)
    for span in [t.segments[i].span for i in indices] or [Span(0.0, t.duration)]:
        played = player.play(span)
        assert played is not None and played.outcome == "ended", played
        session.record_play(played)


@pytest.fixture(scope="session")
def sample(catalog, base_transcriber, diarizer, tmp_path_factory) -> tuple[Path, int]:
    """The bundled sample interview, transcribed, diarized and flagged by the real models, not reviewed.

    Shared by the tests that review it: each copies the store before writing to it.
    """
    from interview_assist.pipeline.run import PipelineOptions, transcribe
    from interview_assist.store import Database, save_transcript

    t = transcribe(REPO / "examples" / "interview_v01.flac", PipelineOptions(), catalog=catalog,
                   transcriber=base_transcriber, diarizer=diarizer)
    db_path = tmp_path_factory.mktemp("sample") / "store.sqlite"
    enrol(db_path)
    with Database(db_path) as db:
        iid = save_transcript(db, t, actor="machine")
    return db_path, iid
