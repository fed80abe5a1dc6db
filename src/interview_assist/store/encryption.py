"""Encrypting, in place, a plain store made by an older version (``interview-assist store encrypt``).

The plain store is held exclusively (a process that has it open makes the
command fail before anything is done; none can open it meanwhile), copied
into a new encrypted file in the same folder with SQLCipher's
``sqlcipher_export``, and the copy checked (every table with the same number
of rows, SQLite's integrity check, the audit chain intact and ending at the
same head) before the encryption is recorded in its audit log and it
replaces the plain file in one rename. The plain file's bytes are then
overwritten with zeros. A failure at any step leaves the plain store as it
was.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from interview_assist.core.errors import StoreError
from interview_assist.core.secrets import sync_folder
from interview_assist.core.signing import installation_signer
from interview_assist.store import audit
from interview_assist.store.connection import Database, Error, _translate, connect
from interview_assist.store.keys import KeySource, file_kind, sqlcipher_key


@dataclass(frozen=True, slots=True)
class Encryption:
    path: Path
    already: bool  # the store was encrypted already: nothing was done
    rows: int = 0  # rows copied, in every table
    records: int = 0  # audit records, the encryption's own included
    head: str = ""


def cipher_version() -> str:
    c = connect(":memory:", None)
    try:
        return str(c.execute("PRAGMA cipher_version").fetchone()[0])
    finally:
        c.close()


def _counts(c: sqlite3.Connection) -> dict[str, int]:
    tables = [r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    return {t: c.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def encrypt_store(path: Path, key: KeySource, *, actor: str) -> Encryption:
    """Encrypt the plain store at ``path`` with ``key`` (see the module's docstring)."""
    kind = file_kind(path)
    if not path.is_file() or kind == "new":
        raise StoreError(f"{path}: no such store file" if not path.is_file() else f"{path}: is empty, not an interview-assist store")
    if kind == "encrypted":
        Database(path, read_only=True, key=key).close()  # the key opens it
        return Encryption(path, already=True)
    tmp = path.with_name(path.name + ".encrypting")
    plain = connect(path, None)
    try:
        try:
            if plain.execute("SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations'").fetchone() is None:
                raise StoreError(f"{path}: is not an interview-assist store; nothing was changed")
            # Out of WAL mode, which SQLite allows only to the one connection
            # open; the exclusive lock is then kept until this one closes.
            plain.execute("PRAGMA locking_mode = EXCLUSIVE")
            mode = plain.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
            if mode != "delete":
                raise StoreError(f"{path}: is in use by another process; close it (a review screen, a batch) and run again")
            plain.execute("BEGIN EXCLUSIVE")
            plain.execute("COMMIT")
            counts = _counts(plain)
            before = audit.verify(plain)
            raw_key = sqlcipher_key(path, key, new=True)
            tmp.unlink(missing_ok=True)  # a copy left by an interrupted run
            os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            plain.execute("ATTACH DATABASE ? AS encrypted KEY ?", (str(tmp), raw_key))
            plain.execute("SELECT sqlcipher_export('encrypted')")
            plain.execute("DETACH DATABASE encrypted")
        except Error as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreError(f"{path}: is in use by another process; close it (a review screen, a batch) and run again") from None
            raise _translate(exc, path) from None
        copy = connect(tmp, raw_key)
        try:
            ok = copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok" and _counts(copy) == counts
            after = audit.verify(copy)
            if not ok or (after.head, after.records) != (before.head, before.records):
                raise StoreError(f"{path}: the encrypted copy does not match the store; nothing was changed")
            copy.execute("PRAGMA journal_mode = WAL")
        finally:
            copy.close()
        with Database(tmp, key=key) as db, db.atomic() as c:
            head = audit.append(
                c, actor=actor, signer=installation_signer(), action="encrypt_store", interview_id=None,
                detail={"cipher": f"SQLCipher {cipher_version()}", "key": "passphrase" if key.passphrase is not None else "key file",
                        "records_before": before.records, "head_before": before.head},
            )
        with open(path, "r+b") as old:
            os.replace(tmp, path)
            _zero(old)
        sync_folder(path.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        for suffix in ("-wal", "-shm", "-journal"):
            tmp.with_name(tmp.name + suffix).unlink(missing_ok=True)
        raise
    finally:
        plain.close()
    return Encryption(path, already=False, rows=sum(counts.values()), records=before.records + 1, head=head)


def _zero(fh: BinaryIO) -> None:
    """Overwrite a file that has been replaced (still open) with zeros, so its plain bytes are not left on disk."""
    size = os.fstat(fh.fileno()).st_size
    block = b"\0" * (1 << 20)
    fh.seek(0)
    for start in range(0, size, len(block)):
        fh.write(block[: min(len(block), size - start)])
    fh.flush()
    os.fsync(fh.fileno())
