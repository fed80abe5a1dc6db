"""The signatures on the audit log's records, checked record by record as :func:`.audit.verify` walks the chain.

Every record is signed over its chain hash (which covers who, what, when, the
details and the hash of the record before it): an officer's record by that
officer's key, as registered in the log at that point (a ``register_officer``
record, until a ``revoke_officer`` record), and a record of the machine or of
an administrator (:data:`.audit.MACHINE_ACTIONS`) by an installation's key
(:mod:`interview_assist.core.signing`). So a record changed and its chain
recomputed, or a record written under an officer's name by someone without
that officer's passphrase, does not verify, and the first such record is
named.

A store made before officer keys has an ``officer_keys`` record, written when
the store was migrated: the records before it are unsigned, and reported so
("unsigned (before officer keys)"); every record after it must be signed.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

MARKER = "officer_keys"


def signature_ok(public_hex: str | None, record_hash: str, signature_hex: str | None) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex or ""))
        key.verify(bytes.fromhex(signature_hex or ""), bytes.fromhex(record_hash))
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


@dataclass(slots=True)
class SignatureCheck:
    """The state of the walk: which officers' keys are registered, where unsigned records end."""

    registered: dict[str, str] = field(default_factory=dict)  # officer -> public key, as the log stands
    revoked: dict[str, int] = field(default_factory=dict)  # officer -> the record that revoked their key
    installation_keys: list[str] = field(default_factory=list)
    marker: int | None = None  # the officer_keys record
    unsigned_before: int | None = None  # the last record of the log written before officer keys
    first: bool = True

    def check(self, row: sqlite3.Row) -> str | None:
        """Why the record ``row`` (id, actor, action, detail, hash, signed_key, signature) does not verify, or None."""
        from interview_assist.store.audit import MACHINE_ACTIONS

        rid, actor, action = row["id"], row["actor"], row["action"]
        key, signature = row["signed_key"], row["signature"]
        first, self.first = self.first, False
        if signature is None and key is None:
            if self.marker is None and action != MARKER:
                # Unsigned records are the older ones, up to the officer_keys record that ends them.
                if first or self.unsigned_before is not None:
                    self.unsigned_before = rid
                    return None
            return "not signed (every record since officer keys were introduced is signed)"
        if action == MARKER:
            if self.marker is not None:
                return f"a second record of officer keys being introduced (the first is #{self.marker})"
            self.marker = rid
        elif self.unsigned_before is not None and self.marker is None:
            return f"signed, but after unsigned records (#{self.unsigned_before}) with no record of officer keys between"
        if action in MACHINE_ACTIONS:
            if not signature_ok(key, row["hash"], signature):
                return "its signature does not match the installation key it names"
            if key not in self.installation_keys:
                self.installation_keys.append(key)
            if action in ("register_officer", "revoke_officer"):
                return self._registry(rid, action, row["detail"])
            return None
        registered = self.registered.get(actor)
        if registered is None:
            if actor in self.revoked:
                return f"signed as officer {actor}, whose key was revoked (record #{self.revoked[actor]})"
            return f"written as {actor}, who is not a registered officer"
        if key != registered or not signature_ok(key, row["hash"], signature):
            return f"signature does not match officer {actor}'s key"
        return None

    def finish(self) -> str | None:
        """After the last record: unsigned records with no record of officer keys after them do not verify."""
        if self.unsigned_before is not None and self.marker is None:
            return "not signed, and no record of officer keys being introduced follows (signatures removed?)"
        return None

    def _registry(self, rid: int, action: str, detail_text: str) -> str | None:
        try:
            detail = json.loads(detail_text)
            name, public = str(detail["officer"]), str(detail["public_key"])
        except (ValueError, KeyError, TypeError):
            return "an officer's registration without an officer or a key"
        if action == "register_officer":
            if name in self.registered:
                return f"officer {name} registered again while their key stands"
            self.registered[name] = public
            self.revoked.pop(name, None)
        else:
            if self.registered.get(name) != public:
                return f"revokes a key that is not officer {name}'s"
            del self.registered[name]
            self.revoked[name] = rid
        return None
