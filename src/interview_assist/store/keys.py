"""The store's key: where it comes from, and the SQLCipher key it gives.

The key never lives in the store. It comes, first found first, from:

1. a passphrase (``--passphrase``, asked at the terminal, or
   ``$INTERVIEW_ASSIST_PASSPHRASE``), made into a key with Argon2id and the
   16-byte salt SQLCipher keeps, unencrypted, at the start of the store file
   (a salt is not secret);
2. a key file (``--key-file`` or ``$INTERVIEW_ASSIST_KEY_FILE``, else
   ``store.key`` in the user's config folder: ``~/.config/interview-assist/``).

A key file is made (32 random bytes as hex, 0600) only when a new store is
made and the file does not exist yet; for an existing store a missing key
is an error, never a new key. A key file in the store's own folder is
refused: whoever copies the folder would have both.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from interview_assist.core.errors import KeyProblem
from interview_assist.core.secrets import SALT_BYTES, config_dir, create_key_file, derive_key, read_key_file

KEY_FILE_ENV = "INTERVIEW_ASSIST_KEY_FILE"
PASSPHRASE_ENV = "INTERVIEW_ASSIST_PASSPHRASE"
WHAT = "the store key file"
SQLITE_HEADER = b"SQLite format 3\x00"  # the first 16 bytes of a plain (unencrypted) SQLite file
logger = logging.getLogger("interview_assist")


def default_key_file() -> Path:
    return config_dir() / "store.key"


@dataclass(frozen=True, slots=True)
class KeySource:
    """Where the store's key comes from: a key file, or a passphrase (never shown in a repr or a log)."""

    key_file: Path | None = None
    passphrase: str | None = field(default=None, repr=False)

    @classmethod
    def from_environment(cls, key_file: Path | None = None, passphrase: str | None = None) -> KeySource:
        """What was given, else ``$INTERVIEW_ASSIST_PASSPHRASE``, else ``$INTERVIEW_ASSIST_KEY_FILE``, else the default file."""
        if key_file is not None and passphrase is not None:
            raise KeyProblem("give the store's key file or its passphrase, not both")
        if key_file is None and passphrase is None:
            passphrase = os.environ.get(PASSPHRASE_ENV) or None
            if passphrase is None:
                env = os.environ.get(KEY_FILE_ENV)
                key_file = Path(env).expanduser() if env else default_key_file()
        return cls(key_file, passphrase)

    @property
    def described(self) -> str:
        return "the passphrase" if self.passphrase is not None else f"the key file {self.key_file}"


def file_kind(path: Path) -> str:
    """``new`` (absent or empty), ``plain`` (an unencrypted SQLite file) or ``encrypted`` (anything else)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return "new"
    if not head:
        return "new"
    return "plain" if head == SQLITE_HEADER else "encrypted"


def sqlcipher_key(store: Path, source: KeySource, *, new: bool) -> str:
    """The value for SQLCipher's ``PRAGMA key`` (a raw key, ``x'...'``), for the store at ``store``.

    ``new``: the store is being made, so a missing key file is made (and a
    passphrase gets a fresh salt, which SQLCipher writes into the file).
    """
    if source.passphrase is not None:
        if new:
            salt = secrets.token_bytes(SALT_BYTES)
            return f"x'{derive_key(source.passphrase, salt).hex()}{salt.hex()}'"
        try:
            with open(store, "rb") as fh:
                salt = fh.read(SALT_BYTES)
        except OSError as exc:
            raise KeyProblem(f"{store}: cannot read the store ({exc.strerror or exc})") from None
        return f"x'{derive_key(source.passphrase, salt).hex()}'"
    key_file = source.key_file if source.key_file is not None else default_key_file()
    if key_file.absolute().parent == store.absolute().parent:
        raise KeyProblem(
            f"{key_file}: the store key file must not be in the store's folder (whoever copies the folder "
            "would have both); keep it elsewhere (--key-file, $INTERVIEW_ASSIST_KEY_FILE)"
        )
    if new and not key_file.exists():
        key = create_key_file(key_file, WHAT)
        logger.warning(
            "made a new store key in %s: keep a copy apart from the store (without it the store cannot be read)", key_file
        )
    elif not key_file.exists():
        raise KeyProblem(
            f"{store}: is encrypted, and {WHAT} {key_file} does not exist; give the store's key "
            "(--key-file or $INTERVIEW_ASSIST_KEY_FILE, or its passphrase: --passphrase or $INTERVIEW_ASSIST_PASSPHRASE)"
        )
    else:
        key = read_key_file(key_file, WHAT)
    return f"x'{key.hex()}'"
