"""Officers' signing keys: an Ed25519 key pair per officer, the private key sealed by the officer's passphrase.

An officer's key file lives in the officer's own profile
(``$INTERVIEW_ASSIST_OFFICERS_DIR``, else ``officers/`` in the user's config
folder, made 0700), one file per officer, 0600, never overwritten. It is one
JSON object: the officer's name, the public key, the Argon2id costs and salt,
and the 32-byte private key sealed with AES-256-GCM under the key Argon2id
derives from the passphrase (the name and public key are the GCM's associated
data, so a sealed key cannot be passed off as another officer's). A wrong
passphrase is one :class:`KeyProblem`.

The costs are kept in the file: keys are made with RFC 9106's second setting
(:data:`~.secrets.ARGON2ID`, 64 MiB); tests make theirs with a cheap setting,
which only changes how long unlocking takes.

An unlocked key signs audit records (:meth:`OfficerKey.sign_record`): the
signature is over the record's chain hash, which covers the officer's name,
the action, its details and the hash of the record before it, so it cannot be
moved to another record. Where the passphrase comes from, for the keys a
process needs, is an :class:`OfficerKeyring`.
"""

from __future__ import annotations

import json
import os
import secrets
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from interview_assist.core.errors import KeyProblem
from interview_assist.core.people import person_name
from interview_assist.core.secrets import ARGON2ID, SALT_BYTES, Argon2Params, config_dir, derive_key, sync_folder

OFFICERS_DIR_ENV = "INTERVIEW_ASSIST_OFFICERS_DIR"
PASSPHRASE_ENV = "INTERVIEW_ASSIST_OFFICER_PASSPHRASE"
FORMAT = "interview-assist officer key 1"


def officers_dir() -> Path:
    if env := os.environ.get(OFFICERS_DIR_ENV):
        return Path(env).expanduser()
    return config_dir() / "officers"


def key_path(name: str, folder: Path | None = None) -> Path:
    """``NAME.key`` in the profile folder (the name percent-encoded where a file name could not hold it)."""
    return (folder or officers_dir()) / (urllib.parse.quote(name, safe=" .-_'") + ".key")


def public_hex(private: Ed25519PrivateKey) -> str:
    return private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


@dataclass(frozen=True, slots=True)
class OfficerKey:
    """An officer's unlocked key."""

    name: str
    private: Ed25519PrivateKey = field(repr=False)

    @property
    def public_hex(self) -> str:
        return public_hex(self.private)

    def sign_record(self, record_hash: str) -> str:
        return self.private.sign(bytes.fromhex(record_hash)).hex()


def _aad(name: str, public: str) -> bytes:
    return json.dumps([FORMAT, name, public], ensure_ascii=False).encode("utf-8")


def create_officer_key(name: str, passphrase: str, *, folder: Path | None = None, params: Argon2Params = ARGON2ID) -> OfficerKey:
    """Make ``name``'s key pair and write its key file (0600, never over an existing one)."""
    name = person_name(name, "the officer's name")
    if len(passphrase) < 8:
        raise KeyProblem("an officer's passphrase has at least 8 characters")
    private = Ed25519PrivateKey.generate()
    public = public_hex(private)
    salt, nonce = secrets.token_bytes(SALT_BYTES), secrets.token_bytes(12)
    raw = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    sealed = AESGCM(derive_key(passphrase, salt, params)).encrypt(nonce, raw, _aad(name, public))
    record = {
        "format": FORMAT, "officer": name, "public_key": public,
        "argon2id": {"time_cost": params.time_cost, "memory_kib": params.memory_kib, "parallelism": params.parallelism},
        "salt": salt.hex(), "nonce": nonce.hex(), "sealed": sealed.hex(),
    }
    path = key_path(name, folder)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        raise KeyProblem(f"{path}: officer {name} already has a key; it is never replaced") from None
    except OSError as exc:
        raise KeyProblem(f"{path}: cannot create officer {name}'s key ({exc.strerror or exc})") from None
    try:
        os.write(fd, (json.dumps(record, indent=1) + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    sync_folder(path.parent)
    return OfficerKey(name, private)


def _read(name: str, folder: Path | None) -> tuple[Path, dict[str, object]]:
    path = key_path(name, folder)
    try:
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            raise KeyProblem(f"{path}: officer {name}'s key can be read by other users (mode {mode:04o}); chmod 600 {path}")
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KeyProblem(
            f"{path}: officer {name} has no key on this account (an administrator registers officers: "
            f"interview-assist officers add NAME)"
        ) from None
    except (OSError, ValueError) as exc:
        raise KeyProblem(f"{path}: is not an officer's key file ({exc})") from None
    if not isinstance(record, dict) or record.get("format") != FORMAT or record.get("officer") != name:
        raise KeyProblem(f"{path}: is not officer {name}'s key file")
    return path, record


def stored_public_key(name: str, folder: Path | None = None) -> str:
    """The public key in ``name``'s key file (no passphrase needed)."""
    return str(_read(name, folder)[1]["public_key"])


def unlock(name: str, passphrase: str, folder: Path | None = None) -> OfficerKey:
    """``name``'s key, unsealed with ``passphrase``; a wrong passphrase is a :class:`KeyProblem`."""
    path, r = _read(name, folder)
    try:
        cost = r["argon2id"]
        assert isinstance(cost, dict)
        params = Argon2Params(int(cost["time_cost"]), int(cost["memory_kib"]), int(cost["parallelism"]))
        salt, nonce, sealed = (bytes.fromhex(str(r[k])) for k in ("salt", "nonce", "sealed"))
        public = str(r["public_key"])
    except (KeyError, ValueError, TypeError, AssertionError):
        raise KeyProblem(f"{path}: is not an officer's key file") from None
    try:
        raw = AESGCM(derive_key(passphrase, salt, params)).decrypt(nonce, sealed, _aad(name, public))
    except InvalidTag:
        raise KeyProblem(f"wrong passphrase for officer {name}'s key") from None
    key = OfficerKey(name, Ed25519PrivateKey.from_private_bytes(raw))
    if key.public_hex != public:
        raise KeyProblem(f"{path}: the private and public keys in it do not match")
    return key


# Asked for a passphrase when none was given: the officer's name -> the passphrase (a terminal prompt).
Prompt = Callable[[str], str]


@dataclass(slots=True)
class OfficerKeyring:
    """The officers' keys one process has unlocked, and where a passphrase comes from when one is needed:
    ``passphrase`` (a file's or the environment's), else ``prompt`` (a terminal), else none (a :class:`KeyProblem`)."""

    passphrase: str | None = field(default=None, repr=False)
    prompt: Prompt | None = None
    folder: Path | None = None
    unlocked: dict[str, OfficerKey] = field(default_factory=dict, repr=False)

    @classmethod
    def from_environment(cls, passphrase: str | None = None, prompt: Prompt | None = None) -> OfficerKeyring:
        return cls(passphrase if passphrase is not None else os.environ.get(PASSPHRASE_ENV) or None, prompt)

    def add(self, key: OfficerKey) -> None:
        self.unlocked[key.name] = key

    def key(self, name: str) -> OfficerKey:
        """``name``'s unlocked key (unlocked now, once, if it was not)."""
        if (key := self.unlocked.get(name)) is not None:
            return key
        passphrase = self.passphrase
        if passphrase is None and self.prompt is not None:
            passphrase = self.prompt(name)
        if not passphrase:
            raise KeyProblem(
                f"officer {name}'s key is locked and no passphrase was given (--officer-passphrase-file FILE, "
                f"${PASSPHRASE_ENV}, or run at a terminal to be asked)"
            )
        key = unlock(name, passphrase, self.folder)
        self.unlocked[name] = key
        return key


def read_passphrase_file(path: Path) -> str:
    """The first line of ``path``, refused when other users can read it."""
    try:
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            raise KeyProblem(f"{path}: the passphrase file can be read by other users (mode {mode:04o}); chmod 600 {path}")
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyProblem(f"{path}: cannot read the passphrase file ({exc})") from None
    if not lines or not lines[0]:
        raise KeyProblem(f"{path}: the passphrase file is empty")
    return lines[0]
