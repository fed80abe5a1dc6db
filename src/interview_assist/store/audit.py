"""The hash-chained audit log.

Each record holds the sha256 of the record before it, so a later change to any
record, or the removal of one, breaks the chain. Records are appended inside
the caller's transaction, together with the change they describe. Details
never contain transcript text.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from interview_assist.core.errors import KeyProblem
from interview_assist.store.connection import utc_now

GENESIS = "0" * 64
# Every action the application records.
ACTIONS = (
    "transcribe", "batch_failed", "edit_segment", "validate_segment", "split_segment", "merge_segments",
    "set_segment_speaker", "set_speaker", "resolve_name_flag", "resolve_flag", "export",
    "review_opened", "play", "attention_check", "note_unheard",
    "encrypt_store", "purge", "officer_keys", "register_officer", "revoke_officer", "rotate_installation_key",
)
# Records the machine or an administrator writes, signed by the installation's key
# (core/signing.py); every other record is an officer's, signed by that officer's key.
MACHINE_ACTIONS = frozenset({
    "transcribe", "batch_failed", "encrypt_store", "officer_keys", "register_officer", "revoke_officer",
    "rotate_installation_key",
})
# What an officer's attention left in the log (see store/oversight.py): none of
# these changes the interview, so another screen's need not reload for them.
OBSERVATIONS = ("review_opened", "play", "attention_check", "note_unheard")


def _digest(prev_hash: str, at: str, actor: str, action: str, interview_id: int | None, detail: str) -> str:
    payload = json.dumps([prev_hash, at, actor, action, interview_id, detail], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def content_digest(*parts: Any) -> str:
    """The sha256 of some stored content, for an audit record that must not hold the content itself."""
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode("utf-8")).hexdigest()


def words_digest(words: Iterable[tuple[float, float, str, float]]) -> str:
    """The sha256 of an interview's ASR words (start, end, text, probability).

    Sorted by value, so splitting and merging segments, which move words
    between segments, leave it unchanged; any change to a word does not.
    """
    return content_digest(sorted((float(a), float(b), str(t), float(p)) for a, b, t, p in words))


def segment_digest(start: float, end: float, speaker: str | None, text: str) -> str:
    """The sha256 of what an officer validates in a segment: its times, speaker and text."""
    return content_digest(float(start), float(end), speaker, text)


# What of a stored row the log vouches for, by table: the decisions people
# take, and what the machine recorded that must not change afterwards. Rows
# are read back inside the writing transaction, so the digest in a record is
# of what was written, computed as `audit verify` computes it.
STATE_COLUMNS = {
    "interviews": ("audio_path", "audio_sha256", "duration", "model_name", "model_sha256", "settings"),
    "denoise_windows": ("start", "end", "applied", "reason"),
    "speaker_turns": ("exclusive", "start", "end", "speaker"),
    "glossary": ("idx", "term", "kind"),
    "speakers": ("label", "role", "name", "confirmed", "proposed_role", "evidence"),
    # The machine's flags (never changed by a person) ...
    "name_flags/machine": ("start", "end", "text", "reasons", "suggestions"),
    "flags/machine": ("kind", "reason", "start", "end"),
    # ... and what a person decided on one of them.
    "name_flags/decision": ("status", "resolution", "dismiss_reason", "resolved_by", "resolved_at"),
    "flags/decision": ("status", "note", "resolved_by", "resolved_at"),
    # Why an officer decided a span without hearing it.
    "unheard_notes": ("actor", "start", "end", "reason", "at"),
}


def state_digest(db: sqlite3.Connection, what: str, where: str, params: tuple[object, ...]) -> str:
    """The sha256 of the ``STATE_COLUMNS[what]`` of the rows ``where`` selects, in row order."""
    table = what.split("/")[0]
    rows = db.execute(
        f"SELECT {', '.join(STATE_COLUMNS[what])} FROM {table} WHERE {where} ORDER BY rowid", params
    ).fetchall()
    return content_digest([list(r) for r in rows])


class RecordSigner(Protocol):
    """An officer's unlocked key (:class:`~interview_assist.core.officers.OfficerKey`) or the installation's
    (:class:`~interview_assist.core.signing.Signer`)."""

    @property
    def public_hex(self) -> str: ...

    def sign_record(self, record_hash: str) -> str: ...


def append(
    db: sqlite3.Connection, *, actor: str, action: str, interview_id: int | None, detail: dict[str, Any],
    signer: RecordSigner,
) -> str:
    """Add a record to the chain, signed by ``signer`` over its hash (call inside ``Database.atomic``);
    returns its hash. A record of the machine or of an administrator must be signed by the installation key
    the log has pinned (store/signatures.py): any other is a :class:`KeyProblem`, and nothing is written."""
    if action in MACHINE_ACTIONS:
        from interview_assist.core.signing import fingerprint
        from interview_assist.store.signatures import pinned_key

        pinned = pinned_key(db)
        if pinned is not None and pinned[0] != signer.public_hex:
            raise KeyProblem(
                f"this installation's signing key ({fingerprint(signer.public_hex)}) is not the one this store's log "
                f"is signed with ({fingerprint(pinned[0])}, since record #{pinned[1]}): set $INTERVIEW_ASSIST_SIGNING_KEY "
                "to that key, or rotate it where it is kept (interview-assist store rotate-signing-key)"
            )
    row = db.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    prev = row[0] if row else GENESIS
    at = utc_now()
    text = json.dumps(detail, sort_keys=True, ensure_ascii=False)
    digest = _digest(prev, at, actor, action, interview_id, text)
    db.execute(
        "INSERT INTO audit_log (at, actor, action, interview_id, detail, prev_hash, hash, signed_key, signature) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (at, actor, action, interview_id, text, prev, digest, signer.public_hex, signer.sign_record(digest)),
    )
    return digest


@dataclass(frozen=True, slots=True)
class ChainCheck:
    records: int
    first_broken: int | None  # audit_log.id of the first record that does not verify
    reason: str = ""
    # The newest record: its hash vouches for the whole chain before it. Kept
    # outside the store, it shows later whether records were removed from the
    # end or the chain was rewritten (a chain without a key can be recomputed).
    head_id: int | None = None
    head: str = GENESIS
    hashes: frozenset[str] = frozenset()  # every record's hash, for a kept head to be looked up
    signature: bool = False  # the first bad record's hash is right, its signature is not
    unsigned_before: int | None = None  # records up to this id were written before officer keys (unsigned)
    installation_key: str | None = None  # the installation key pinned in the log (store/signatures.py), at its head
    first_installation_key: str | None = None  # the one its first machine record pinned (before any rotation)

    @property
    def ok(self) -> bool:
        return self.first_broken is None


def verify(db: sqlite3.Connection) -> ChainCheck:
    """Recompute the whole chain, check every record's signature, and report the first bad record."""
    from interview_assist.store.signatures import SignatureCheck

    prev, prev_id = GENESIS, 0
    n = 0
    hashes: set[str] = set()
    signatures = SignatureCheck()

    def broken(at: int, reason: str, signature: bool = False) -> ChainCheck:
        return ChainCheck(n, at, reason, prev_id or None, prev, frozenset(hashes), signature, signatures.unsigned_before,
                          signatures.installation_key, signatures.first_installation_key)

    columns = {r[1] for r in db.execute("PRAGMA table_info(audit_log)")}
    signed = "signed_key, signature" if "signature" in columns else "NULL AS signed_key, NULL AS signature"  # before 0011_officer_keys
    for row in db.execute(
        f"SELECT id, at, actor, action, interview_id, detail, prev_hash, hash, {signed} FROM audit_log ORDER BY id"
    ):
        n += 1
        if row["prev_hash"] != prev:
            # Ids are never reused or skipped by the application: a gap is a removal.
            gap = row["id"] - prev_id - 1
            missing = (
                f"record #{prev_id + 1} is missing before it" if gap == 1
                else f"records #{prev_id + 1} to #{row['id'] - 1} are missing before it" if gap > 1
                else "does not link to the record before it"
            )
            return broken(row["id"], missing)
        if _digest(prev, row["at"], row["actor"], row["action"], row["interview_id"], row["detail"]) != row["hash"]:
            return broken(row["id"], "its content does not match its hash")
        if problem := signatures.check(row):
            return broken(row["id"], problem, signature=True)
        prev, prev_id = row["hash"], row["id"]
        hashes.add(prev)
    if "signature" in columns and (problem := signatures.finish()):
        return broken(1, problem, signature=True)
    return ChainCheck(n, None, "", prev_id or None, prev, frozenset(hashes), False, signatures.unsigned_before,
                      signatures.installation_key, signatures.first_installation_key)


def first_hash(conn: sqlite3.Connection) -> str:
    """The hash of the log's first record: which log this is ("" for an empty log)."""
    row = conn.execute("SELECT hash FROM audit_log ORDER BY id LIMIT 1").fetchone()
    return str(row[0]) if row else ""


def chain_head(conn: sqlite3.Connection) -> str:
    """The hash of the newest record in the store's audit chain ("" for an empty log)."""
    row = conn.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    return row[0] if row else ""
