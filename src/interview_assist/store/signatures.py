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

The installation's key is pinned by the log itself (trust on first use): the
first record signed by an installation's key fixes which key that is, and
every later record of the machine or of an administrator, registering and
revoking officers among them, must be signed by it. So someone who can write
the store but has not got that key cannot make their own, revoke an officer
and register a key of theirs in the officer's name: the first such record is
named ("signed by an installation key this store does not know"). The key
changes only by a ``rotate_installation_key`` record signed by the key it
replaces (:func:`.officers.rotate_installation_key`). :func:`pinned_key` reads
the key standing now, for a writer to check before it signs.

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

from interview_assist.core.signing import fingerprint

MARKER = "officer_keys"
ROTATION = "rotate_installation_key"


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
    first_installation_key: str | None = None  # the key the log's first machine record pinned
    installation_key: str | None = None  # the installation key standing, as the log stands
    pinned_by: int | None = None  # the record that pinned it (the first one, or the last rotation)
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
            if self.installation_key is None:  # trust on first use: this record pins the installation's key
                self.first_installation_key = self.installation_key = key
                self.pinned_by = rid
            elif key != self.installation_key:
                return (
                    f"signed by an installation key this store does not know ({fingerprint(key)}; the store's is "
                    f"{fingerprint(self.installation_key)}, since record #{self.pinned_by})"
                )
            if action == ROTATION:
                return self._rotate(rid, row["detail"])
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

    def _rotate(self, rid: int, detail_text: str) -> str | None:
        try:
            new = str(json.loads(detail_text)["new_key"])
            Ed25519PublicKey.from_public_bytes(bytes.fromhex(new))
        except (ValueError, KeyError, TypeError):
            return "a rotation of the installation's key without a new key"
        self.installation_key, self.pinned_by = new, rid
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


def pinned_key(c: sqlite3.Connection) -> tuple[str, int] | None:
    """The installation key standing in the log (and the record that pinned it), None before any machine record.

    Read as :meth:`SignatureCheck.check` reads it: the first signed machine record, then the rotations after it
    (``verify`` checks that each is signed by the key it replaces).
    """
    from interview_assist.store.audit import MACHINE_ACTIONS

    marks = ", ".join("?" * len(MACHINE_ACTIONS))
    first = c.execute(
        f"SELECT id, signed_key FROM audit_log WHERE action IN ({marks}) AND signed_key IS NOT NULL ORDER BY id LIMIT 1",
        tuple(MACHINE_ACTIONS),
    ).fetchone()
    if first is None:
        return None
    rotated = c.execute(
        "SELECT id, detail FROM audit_log WHERE action = ? AND id > ? ORDER BY id DESC LIMIT 1", (ROTATION, first[0])
    ).fetchone()
    if rotated is None:
        return str(first[1]), int(first[0])
    return str(json.loads(rotated[1])["new_key"]), int(rotated[0])
