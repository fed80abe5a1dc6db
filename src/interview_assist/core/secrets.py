"""Secrets kept outside the store: key files, and keys derived from a passphrase.

A key file holds one key as hex digits on one line. It lives outside the data
folder (by default in the user's config folder, ``~/.config/interview-assist/``,
made 0700), is created 0600, never overwritten, and refused when other users
may read or write it, as ssh refuses a private key others can read.

A passphrase becomes a key through Argon2id (RFC 9106, its second recommended
parameter set) with a random salt, which is not secret and is kept beside what
the key protects.

The store's key (:mod:`interview_assist.store.keys`) and the installation's
signing key (:mod:`.signing`) follow this pattern. An officer's private key
protected by a passphrase can follow it too: its key file would hold the key
sealed (AES-GCM) under ``derive_key(passphrase, salt)``, with the salt.
"""

from __future__ import annotations

import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from interview_assist.core.errors import KeyProblem

KEY_BYTES = 32
SALT_BYTES = 16


def config_dir() -> Path:
    """The user's folder for interview-assist's keys: ``$XDG_CONFIG_HOME/interview-assist``, else ``~/.config/...``."""
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "interview-assist"


@dataclass(frozen=True, slots=True)
class Argon2Params:
    """Argon2id's costs. Changing them changes every key derived: a store keeps the set it was made with."""

    time_cost: int = 3
    memory_kib: int = 64 * 1024
    parallelism: int = 4


ARGON2ID = Argon2Params()


def derive_key(passphrase: str, salt: bytes, params: Argon2Params = ARGON2ID) -> bytes:
    """A 32-byte key from ``passphrase`` and ``salt`` (Argon2id)."""
    from argon2.low_level import Type, hash_secret_raw

    if not passphrase:
        raise KeyProblem("the passphrase is empty")
    if len(salt) != SALT_BYTES:
        raise KeyProblem(f"a passphrase salt has {SALT_BYTES} bytes, not {len(salt)}")
    return hash_secret_raw(
        passphrase.encode("utf-8"), salt, time_cost=params.time_cost, memory_cost=params.memory_kib,
        parallelism=params.parallelism, hash_len=KEY_BYTES, type=Type.ID,
    )


def read_key_file(path: Path, what: str) -> bytes:
    """The key in ``path``; refused (:class:`KeyProblem`) when missing, malformed or open to other users."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise KeyProblem(f"{path}: {what} is not a regular file")
        mode = stat.S_IMODE(info.st_mode)
        if mode & 0o077:
            raise KeyProblem(
                f"{path}: {what} can be read or changed by other users (mode {mode:04o}); "
                f"make it private first: chmod 600 {path}"
            )
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise KeyProblem(f"{path}: {what} not found") from None
    except UnicodeDecodeError:
        text = ""
    except OSError as exc:
        raise KeyProblem(f"{path}: cannot read {what} ({exc.strerror or exc})") from None
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise KeyProblem(f"{path}: is not {what} ({2 * KEY_BYTES} hex digits on one line)")
    return key


def create_key_file(path: Path, what: str) -> bytes:
    """Make a new random key in ``path`` (0600, its folder 0700) and return it.

    Never overwrites: if another process made the file first, its key is
    read and returned, so that two first runs at once agree on one key.
    """
    key = secrets.token_bytes(KEY_BYTES)
    data = (key.hex() + "\n").encode("ascii")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Written whole under another name, then linked into place: nobody
        # ever reads a half-written key, and an existing file is never replaced.
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            return read_key_file(path, what)
        finally:
            tmp.unlink()
        sync_folder(path.parent)
    except OSError as exc:
        raise KeyProblem(f"{path}: cannot create {what} ({exc.strerror or exc})") from None
    return key


def sync_folder(folder: Path) -> None:
    """Make a file's creation, rename or removal in ``folder`` durable (fsync of the folder)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
