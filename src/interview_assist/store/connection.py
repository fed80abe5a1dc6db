"""Opening the store and running writes in transactions.

One file, encrypted with SQLCipher (AES-256 pages, each with an HMAC), created
with permissions 0600, in WAL mode (the WAL's pages are encrypted too). The
key comes from outside the store (:mod:`.keys`); a wrong or missing key is
one :class:`~interview_assist.core.errors.KeyProblem` and changes nothing.
Deleted content is overwritten (``secure_delete``). A store found open to
other users (restored from a backup as 0644, say) is made private again
(0600, with its -wal and -shm files) when it is opened; a store that must be
written but cannot be made private (another user owns it) is refused. Every write goes
through :meth:`Database.atomic`, which nests with SAVEPOINTs and rolls back on
any exception, Ctrl-C included. SQLite errors are translated into
:class:`~interview_assist.core.errors.StoreError` here.

Commands that only read open the store read-only: nothing is created,
migrated or switched to WAL, and a store on read-only media or in a folder
the reader cannot write (an archive, a QA auditor's copy) can be read.

A plain store made by an older version is read (with a warning) but not
written: ``interview-assist store encrypt`` converts it (:mod:`.encryption`).

sqlcipher3 is a fork of the standard library's sqlite3 module with the same
API; the store's modules annotate its connections and rows with sqlite3's types.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sqlite3
import stat
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlcipher3 import dbapi2 as sqlcipher

from interview_assist.core.errors import KeyProblem, StoreError
from interview_assist.core.officers import OfficerKeyring
from interview_assist.store.keys import KeySource, file_kind, sqlcipher_key
from interview_assist.store.migrations import MIGRATIONS, Migration

DB_ENV = "INTERVIEW_ASSIST_DB"
logger = logging.getLogger("interview_assist")
Error = sqlcipher.Error  # what every SQLite error is an instance of


def default_db_path() -> Path:
    if env := os.environ.get(DB_ENV):
        return Path(env).expanduser()
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "interview-assist" / "interviews.sqlite"


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def inserted_id(cur: sqlite3.Cursor) -> int:
    """The rowid of the row an INSERT on ``cur`` just added."""
    assert cur.lastrowid is not None  # set by every INSERT
    return cur.lastrowid


def _translate(exc: Exception, path: Path) -> StoreError:
    text = str(exc)
    if "full" in text:
        return StoreError(f"{path}: disk full; the change was rolled back and nothing was stored")
    if "locked" in text or "busy" in text:
        return StoreError(f"{path}: the store is busy (another process is writing); try again")
    if "readonly" in text or "unable to open" in text:
        return StoreError(f"{path}: cannot write the store ({text})")
    if "not a database" in text or "malformed" in text:
        return StoreError(f"{path}: is not an interview-assist store or is damaged ({text})")
    return StoreError(f"{path}: store error ({text})")


def connect(target: str | Path, key: str | None, *, uri: bool = False) -> sqlite3.Connection:
    """An SQLCipher connection, keyed (``key`` from :func:`.keys.sqlcipher_key`) or plain (``None``).

    Nothing is read yet: a wrong key shows at the first statement that reads.
    """
    conn: sqlite3.Connection = sqlcipher.connect(target, uri=uri, isolation_level=None, timeout=10.0)
    conn.execute("PRAGMA cipher_log_level = NONE")  # errors are ours to report, in one line
    if key is not None:
        conn.execute(f"PRAGMA key = \"{key}\"")
        conn.execute("PRAGMA cipher_compatibility = 4")  # SQLCipher 4's settings, whatever a later version's defaults
    conn.row_factory = sqlcipher.Row
    return conn


def wrong_key(path: Path, source: KeySource) -> KeyProblem:
    return KeyProblem(
        f"{path}: cannot be read with {source.described}: it was encrypted with another key, or is not an "
        "interview-assist store; nothing was changed"
    )


def not_encrypted(path: Path) -> StoreError:
    return StoreError(
        f"{path}: is not encrypted (made by an older version); it can be read but not written until it is "
        f"encrypted: interview-assist store encrypt --db {path}"
    )


class Database:
    """A connection to one store file, migrated to the current schema.

    ``key``: where the store's key comes from (default: the environment, then
    the default key file; see :class:`.keys.KeySource`). ``officers``: the
    officers' keys this process has unlocked, and where a passphrase comes
    from when an officer's record must be signed (default: the environment;
    see :mod:`.officers`).
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        migrations: list[Migration] = MIGRATIONS,
        read_only: bool = False,
        key: KeySource | None = None,
        officers: OfficerKeyring | None = None,
    ):
        self.path = Path(path) if path is not None else default_db_path()
        self.key_source = key if key is not None else KeySource.from_environment()
        self.officers = officers if officers is not None else OfficerKeyring.from_environment()
        self._depth = 0
        if read_only:
            self._open_read_only(migrations)
            return
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            if self.path.is_dir():
                raise StoreError(f"{self.path}: is a directory, not a store file")
            kind = file_kind(self.path)
            if kind == "plain":
                # Read as unchanging (no lock, no -wal touched): refused either way, and left exactly as it is.
                uri = "file:" + urllib.parse.quote(str(self.path.absolute())) + "?mode=ro&immutable=1"
                self.conn = connect(uri, None, uri=True)
                self._refuse_foreign()  # another application's file is named as such
                self.conn.close()
                raise not_encrypted(self.path)
            # The key first: a missing key or passphrase fails before anything is made.
            raw_key = sqlcipher_key(self.path, self.key_source, new=kind == "new")
            if not self.path.exists():
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
                os.close(fd)
            old_umask = os.umask(0o077)  # the -wal and -shm files, too
            try:
                self.conn = connect(self.path, raw_key)
                self._check_key(kind)
                self._refuse_foreign()
                self._make_private(strict=True)  # a file of another application is left untouched, mode too
                self.conn.execute("PRAGMA foreign_keys = ON")
                self.conn.execute("PRAGMA journal_mode = WAL")
                self.conn.execute("PRAGMA synchronous = FULL")
                self.conn.execute("PRAGMA secure_delete = ON")  # what is deleted or replaced is overwritten
            finally:
                os.umask(old_umask)
        except Error as exc:
            raise _translate(exc, self.path) from None
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot open the store ({exc.strerror or exc})") from None
        self.migrate(migrations)

    def _check_key(self, kind: str) -> None:
        """Read the first page: with a wrong key SQLCipher cannot, and nothing has been written or created."""
        try:
            self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except Error as exc:
            self.conn.close()
            if kind == "encrypted" and "not a database" in str(exc):
                raise wrong_key(self.path, self.key_source) from None
            raise

    def _make_private(self, *, strict: bool) -> None:
        """Take away what other users may do with the store file and its -wal and -shm files (0644 -> 0600).

        ``strict``: a store that cannot be made private (owned by another user)
        is refused; otherwise (reading an archive) it is read, with a warning.
        """
        for path in (self.path, self.path.with_name(self.path.name + "-wal"), self.path.with_name(self.path.name + "-shm")):
            try:
                mode = stat.S_IMODE(path.stat().st_mode)
            except FileNotFoundError:
                continue
            if not mode & 0o077:
                continue
            private = mode & 0o700  # the owner keeps what it had (an archive stays read-only)
            try:
                os.chmod(path, private)
            except OSError as exc:
                if strict:
                    self.conn.close()
                    raise StoreError(
                        f"{path}: other users have access to the store (mode {mode:04o}) and it cannot be made "
                        f"private ({exc.strerror}); its owner can run: chmod 600 {path}"
                    ) from None
                logger.warning("%s: other users have access to the store (mode %04o); it could not be made private",
                               path, mode)
            else:
                logger.info("%s: other users had access to the store (mode %04o); made private (%04o)",
                            path, mode, private)

    def _open_read_only(self, migrations: list[Migration]) -> None:
        if self.path.is_dir():
            raise StoreError(f"{self.path}: is a directory, not a store file")
        if not self.path.is_file():
            raise StoreError(f"{self.path}: no such store file")
        try:
            kind = file_kind(self.path)
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot open the store ({exc.strerror or exc})") from None
        key = sqlcipher_key(self.path, self.key_source, new=False) if kind == "encrypted" else None
        uri = "file:" + urllib.parse.quote(str(self.path.absolute()))
        # A store in WAL mode needs its -shm file, which SQLite cannot create in
        # a folder it may not write; there nobody can write the store either,
        # so it is opened as unchanging.
        error: Any = None
        for mode in ("mode=ro", "mode=ro&immutable=1"):
            self.conn = connect(f"{uri}?{mode}", key, uri=True)
            try:
                self._check_key(kind)
                self._refuse_foreign()
                break
            except Error as exc:
                self.conn.close()
                error = exc
        else:
            raise _translate(error, self.path) from None
        if self.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations'").fetchone() is None:
            self.conn.close()
            raise StoreError(f"{self.path}: is empty, not an interview-assist store")
        self._make_private(strict=False)
        applied = {r[0] for r in self.conn.execute("SELECT name FROM schema_migrations")}
        if missing := [name for name, _ in migrations if name not in applied]:
            self.conn.close()
            raise StoreError(
                f"{self.path}: written by an older version (missing {missing[0]}); "
                "open it once with a command that writes, where it can be written"
            )
        if kind == "plain":
            logger.warning(
                "%s: is not encrypted (made by an older version); encrypt it: interview-assist store encrypt --db %s",
                self.path, self.path,
            )

    def _refuse_foreign(self) -> None:
        """An SQLite file of another application is left exactly as it is (no tables added, no WAL)."""
        tables = {r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and "schema_migrations" not in tables:
            self.conn.close()
            raise StoreError(
                f"{self.path}: is an SQLite file of another application, not an interview-assist store; "
                "nothing was changed in it"
            )

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def atomic(self) -> Iterator[sqlite3.Connection]:
        """A transaction (a SAVEPOINT when nested); rolled back on any exception."""
        outer = self._depth == 0
        name = f"sp{self._depth}"
        try:
            self.conn.execute("BEGIN IMMEDIATE" if outer else f"SAVEPOINT {name}")
        except Error as exc:
            raise _translate(exc, self.path) from None
        self._depth += 1
        try:
            yield self.conn
        except BaseException as exc:
            self._depth -= 1
            # SQLite may already have rolled back by itself (e.g. on SQLITE_FULL).
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK" if outer else f"ROLLBACK TO {name}")
                if not outer:
                    self.conn.execute(f"RELEASE {name}")
            if isinstance(exc, Error):
                raise _translate(exc, self.path) from None
            raise
        else:
            self._depth -= 1
            try:
                self.conn.execute("COMMIT" if outer else f"RELEASE {name}")
            except Error as exc:
                if outer and self.conn.in_transaction:  # SQLite may have rolled back itself (a full disk)
                    self.conn.execute("ROLLBACK")
                raise _translate(exc, self.path) from None

    def check_writable(self) -> None:
        """Fail now, not after hours of work, when the store cannot be written (a read-only file)."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.execute("CREATE TABLE _write_probe (x)")
        except Error as exc:
            raise _translate(exc, self.path) from None
        finally:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")

    def applied_migrations(self) -> list[str]:
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        return [r[0] for r in self.conn.execute("SELECT name FROM schema_migrations ORDER BY name")]

    def migrate(self, migrations: list[Migration] = MIGRATIONS) -> list[str]:
        """Apply the migrations not yet recorded, each with its record in one transaction."""
        try:
            done = set(self.applied_migrations())
        except Error as exc:
            raise _translate(exc, self.path) from None
        applied = []
        for name, apply in migrations:
            if name in done:
                continue
            with self.atomic() as db:
                apply(db)
                db.execute(
                    "INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)", (name, utc_now())
                )
            applied.append(name)
        return applied
