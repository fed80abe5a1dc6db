"""Signatures by this installation's Ed25519 key: on the machine's and administrators' audit records, purge
tombstones and kept heads of the audit log.

The private key is a key file (see :mod:`.secrets`): ``$INTERVIEW_ASSIST_SIGNING_KEY``,
else ``signing.key`` in the user's config folder, beside the store key, made
on first use. Every signature travels with the public half of the key that
made it, so anyone can check it; whether that key is this installation's is
a comparison with :attr:`Signer.public_hex`.

What is signed is a JSON object, written canonically (sorted keys, no spaces),
so the same content always gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from interview_assist.core.secrets import config_dir, create_key_file, read_key_file

SIGNING_KEY_ENV = "INTERVIEW_ASSIST_SIGNING_KEY"
WHAT = "the installation's signing key"


def signing_key_path() -> Path:
    if env := os.environ.get(SIGNING_KEY_ENV):
        return Path(env).expanduser()
    return config_dir() / "signing.key"


def canonical(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def fingerprint(public_hex: str) -> str:
    """A short name for a public key: the first 16 hex digits of its sha256."""
    try:
        return hashlib.sha256(bytes.fromhex(public_hex)).hexdigest()[:16]
    except ValueError:
        return "(not a key)"


@dataclass(frozen=True, slots=True)
class Signer:
    private: Ed25519PrivateKey = field(repr=False)
    path: Path

    @property
    def public_hex(self) -> str:
        return self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()

    def sign(self, payload: Mapping[str, Any]) -> str:
        return self.private.sign(canonical(payload)).hex()

    def sign_record(self, record_hash: str) -> str:
        """The signature of an audit record (store/signatures.py): over the 32 bytes of its chain hash."""
        return self.private.sign(bytes.fromhex(record_hash)).hex()


def installation_signer() -> Signer:
    """This installation's signer, its key made on first use."""
    path = signing_key_path()
    seed = read_key_file(path, WHAT) if path.exists() else create_key_file(path, WHAT)
    return Signer(Ed25519PrivateKey.from_private_bytes(seed), path)


def existing_signer() -> Signer | None:
    """This installation's signer, or None when it has no signing key yet (none is made)."""
    path = signing_key_path()
    if not path.exists():
        return None
    return Signer(Ed25519PrivateKey.from_private_bytes(read_key_file(path, WHAT)), path)


def signature_ok(public_hex: str, payload: Mapping[str, Any], signature_hex: str) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex))
        key.verify(bytes.fromhex(signature_hex), canonical(payload))
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True
