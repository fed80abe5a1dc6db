"""The officers registered in a store, with their public keys; who signs a record.

An administrator registers an officer (``interview-assist officers add``):
the officer's public key goes into the ``officers`` table and into a
``register_officer`` audit record signed by the installation's key; a
revocation is a ``revoke_officer`` record. Both must be signed by the
installation key the log has pinned (:mod:`.signatures`); that key changes
only by :func:`rotate_installation_key`, signed by the key it replaces. :func:`.audit.verify` rebuilds the
registry from those records, not from the table, and checks every officer's
record against the key standing at that point: records signed before a
revocation stay valid, later ones do not verify.

:func:`signer_for` is what every store function that writes on behalf of an
officer calls inside its transaction: the officer must be registered, and the
key this process unlocked for them (``Database.officers``) must be the one
registered.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from interview_assist.core.errors import InputError, KeyProblem
from interview_assist.core.officers import OfficerKey
from interview_assist.core.people import person_name
from interview_assist.core.signing import Signer, fingerprint, installation_signer
from interview_assist.store import audit
from interview_assist.store.connection import Database, inserted_id, utc_now


@dataclass(frozen=True, slots=True)
class RegisteredOfficer:
    name: str
    public_key: str
    registered_at: str
    registered_by: str
    register_record: int
    revoked_at: str | None = None
    revoked_by: str | None = None
    revoke_record: int | None = None

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)


def _standing(c: sqlite3.Connection, name: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = c.execute(
        "SELECT * FROM officers WHERE name = ? AND revoked_at IS NULL", (name,)
    ).fetchone()
    return row


def register_officer(db: Database, name: str, public_key: str, *, actor: str, signer: Signer | None = None) -> RegisteredOfficer:
    """Record ``name``'s public key in the store, with its audit record signed by the installation's key."""
    name = person_name(name, "the officer's name")
    signer = signer or installation_signer()
    with db.atomic() as c:
        if _standing(c, name) is not None:
            raise InputError(f"officer {name} is already registered in {db.path} (revoke their key first to replace it)")
        at = utc_now()
        audit.append(c, actor=actor, action="register_officer", interview_id=None,
                     detail={"officer": name, "public_key": public_key}, signer=signer)
        record = int(c.execute("SELECT max(id) FROM audit_log").fetchone()[0])
        inserted_id(c.execute(
            "INSERT INTO officers (name, public_key, registered_at, registered_by, register_record) VALUES (?, ?, ?, ?, ?)",
            (name, public_key, at, actor, record),
        ))
    return RegisteredOfficer(name, public_key, at, actor, record)


def revoke_officer(db: Database, name: str, *, actor: str, signer: Signer | None = None) -> RegisteredOfficer:
    """Revoke ``name``'s key: later records signed with it do not verify; earlier ones stay valid."""
    name = person_name(name, "the officer's name")
    signer = signer or installation_signer()
    with db.atomic() as c:
        row = _standing(c, name)
        if row is None:
            raise InputError(f"officer {name} has no registered key in {db.path}")
        at = utc_now()
        audit.append(c, actor=actor, action="revoke_officer", interview_id=None,
                     detail={"officer": name, "public_key": row["public_key"]}, signer=signer)
        record = int(c.execute("SELECT max(id) FROM audit_log").fetchone()[0])
        c.execute("UPDATE officers SET revoked_at = ?, revoked_by = ?, revoke_record = ? WHERE id = ?",
                  (at, actor, record, row["id"]))
    return RegisteredOfficer(name, row["public_key"], row["registered_at"], row["registered_by"], row["register_record"],
                             at, actor, record)


def rotate_installation_key(db: Database, new_public: str, *, actor: str, signer: Signer) -> int:
    """Replace the installation key the log has pinned (store/signatures.py) by ``new_public``: a record signed by
    ``signer``, the key it replaces (any other is a :class:`KeyProblem`). Returns the record's id."""
    with db.atomic() as c:
        audit.append(c, actor=actor, action="rotate_installation_key", interview_id=None,
                     detail={"new_key": new_public, "previous_key": signer.public_hex}, signer=signer)
        return int(c.execute("SELECT max(id) FROM audit_log").fetchone()[0])


def officers(db: Database) -> list[RegisteredOfficer]:
    """Every registration, oldest first (revoked ones too)."""
    return [
        RegisteredOfficer(r["name"], r["public_key"], r["registered_at"], r["registered_by"], r["register_record"],
                          r["revoked_at"], r["revoked_by"], r["revoke_record"])
        for r in db.conn.execute("SELECT * FROM officers ORDER BY id")
    ]


def signer_for(db: Database, c: sqlite3.Connection, actor: str) -> OfficerKey:
    """The key that signs ``actor``'s records: registered in this store, unlocked in this process.

    Call inside the writing transaction (``c``); a :class:`KeyProblem` rolls it back.
    """
    row = _standing(c, actor)
    if row is None:
        raise KeyProblem(
            f"{actor} is not a registered officer of {db.path}: an administrator registers officers "
            f"(interview-assist officers add NAME)"
        )
    key = db.officers.key(actor)
    if key.public_hex != row["public_key"]:
        raise KeyProblem(
            f"officer {actor}'s key on this account ({fingerprint(key.public_hex)}) is not the one registered in "
            f"{db.path} ({fingerprint(row['public_key'])})"
        )
    return key


def check_officer(db: Database, actor: str) -> OfficerKey:
    """Unlock and check ``actor``'s key before any work (the review screen's and the CLI's first step)."""
    return signer_for(db, db.conn, actor)


def require_registered(db: Database, name: str) -> RegisteredOfficer:
    """``name``'s standing registration (no passphrase needed); a :class:`KeyProblem` if there is none."""
    row = _standing(db.conn, name)
    if row is None:
        raise KeyProblem(
            f"{name} is not a registered officer of {db.path}: an administrator registers officers "
            f"(interview-assist officers add NAME)"
        )
    return RegisteredOfficer(row["name"], row["public_key"], row["registered_at"], row["registered_by"], row["register_record"])
