"""Heads of the audit log kept outside the store: signed lines in a file the operator chooses.

The hash chain shows a record changed or removed in the middle of the log,
but not records removed from its end, nor a chain recomputed whole by
someone who can write the store. A head kept elsewhere does: ``audit verify
--heads FILE`` checks the log against the newest line of FILE, then, when
everything verifies, appends the current head. Each line is one JSON object:
when, which log (the hash of its first record), the newest record's id and
hash, the number of records, the store's path (for people to read), the
installation key the log pinned with its first machine record (``log_key``,
store/signatures.py: a log rewritten whole and signed with another key shows),
and the installation's Ed25519 signature over all of it, so a line cannot be written
or changed without the signing key. FILE is meant to be append-only
(``chattr +a``, a write-once share, another machine's log): the lines are
only ever appended, under a lock.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from interview_assist.core.errors import InputError, KeyProblem
from interview_assist.core.signing import Signer, existing_signer, fingerprint, installation_signer, signature_ok, signing_key_path
from interview_assist.store.audit import ChainCheck
from interview_assist.store.connection import utc_now


@dataclass(frozen=True, slots=True)
class KeptHead:
    line: int  # counted from 1
    at: str
    chain: str  # the hash of the log's first record
    record: int
    head: str
    records: int
    signed_by: str


@dataclass(frozen=True, slots=True)
class HeadsCheck:
    kept: KeptHead | None  # the newest line, None when the file holds none yet
    problem: str | None  # why the log does not match it (None: it does)


def _read_latest(path: Path) -> tuple[int, str] | None:
    """The newest line of ``path`` (its number and text), None for a missing or empty file."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the kept heads ({exc.strerror or exc})") from None
    lines = data.decode("utf-8", errors="replace").splitlines()
    for n in range(len(lines), 0, -1):
        if lines[n - 1].strip():
            return n, lines[n - 1]
    return None


def _signer_for(path: Path, latest: tuple[int, str] | None) -> Signer:
    signer = installation_signer() if latest is None else existing_signer()
    if signer is None:
        raise KeyProblem(
            f"{signing_key_path()}: the installation's signing key is missing, so the heads kept in {path} cannot be "
            "checked (restore it, or set $INTERVIEW_ASSIST_SIGNING_KEY)"
        )
    return signer


def check_heads(path: Path, chain: ChainCheck, chain_id: str) -> HeadsCheck:
    """Compare the log (``chain``, whose first record's hash is ``chain_id``) with the newest head kept in ``path``."""
    latest = _read_latest(path)
    if latest is None:
        return HeadsCheck(None, None)
    signer = _signer_for(path, latest)
    n, text = latest
    try:
        line: dict[str, Any] = json.loads(text)
        kept = KeptHead(n, str(line["at"]), str(line["chain"]), int(line["record"]), str(line["head"]), int(line["records"]),
                        str(line["signed_by"]))
        signature = str(line["signature"])
    except (ValueError, KeyError, TypeError):
        return HeadsCheck(None, f"line {n} of {path} is not a kept head: the file was changed")
    payload = {k: v for k, v in line.items() if k != "signature"}
    if not signature_ok(kept.signed_by, payload, signature):
        return HeadsCheck(kept, f"line {n} of {path} is not validly signed: the file was changed")
    if kept.signed_by != signer.public_hex:
        return HeadsCheck(kept, (
            f"line {n} of {path} is signed by key {fingerprint(kept.signed_by)}, not by this installation's "
            f"({fingerprint(signer.public_hex)})"
        ))
    if kept.chain != chain_id:
        return HeadsCheck(kept, (
            f"line {n} of {path} is the head of another log (another store's), or this log was rewritten from its "
            "first record"
        ))
    log_key = line.get("log_key")
    if log_key is not None and chain.first_installation_key is not None and log_key != chain.first_installation_key:
        return HeadsCheck(kept, (
            f"line {n} of {path} was kept when the log's records were signed from the first by installation key "
            f"{fingerprint(str(log_key))}; they are now by {fingerprint(chain.first_installation_key)}: the log was "
            "rewritten"
        ))
    if kept.head not in chain.hashes:
        now = f"record #{chain.head_id}" if chain.head_id is not None else "no record"
        return HeadsCheck(kept, (
            f"records were removed from the end of the log, or the log was rewritten, since {kept.at}: the head kept "
            f"then (record #{kept.record}, {kept.head[:16]}..., {kept.records} records) is not in the chain, which "
            f"now ends at {now}"
        ))
    return HeadsCheck(kept, None)


def keep_head(path: Path, chain: ChainCheck, chain_id: str, store: Path) -> KeptHead:
    """Append the log's current head to ``path``, signed (the file is made 0600 if new)."""
    if chain.head_id is None or not chain.ok:
        raise InputError("only the head of an intact, non-empty log is kept")
    signer = _signer_for(path, _read_latest(path))
    line: dict[str, Any] = {
        "at": utc_now(), "chain": chain_id, "record": chain.head_id, "head": chain.head, "records": chain.records,
        "store": str(store.absolute()), "signed_by": signer.public_hex,
    }
    if chain.first_installation_key is not None:
        line["log_key"] = chain.first_installation_key
    line["signature"] = signer.sign(line)
    data = (json.dumps(line, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        number = len((path.read_bytes()).splitlines())
    except OSError as exc:
        raise InputError(f"{path}: cannot append the head ({exc.strerror or exc})") from None
    return KeptHead(number, line["at"], chain_id, chain.head_id, chain.head, chain.records, signer.public_hex)
