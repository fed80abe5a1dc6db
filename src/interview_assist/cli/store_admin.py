"""Keeping the store: ``store encrypt``, ``store compact`` and ``store rotate-signing-key``, and ``purge``
(deletion and retention)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from interview_assist.cli.common import (
    DB_OPTION,
    INTERVIEW_ID,
    OFFICER_OPTION,
    fail,
    officer_name,
    open_store,
    require_store,
    store_key,
)


@click.group()
def store() -> None:
    """Keep the store: encrypt a plain one (encrypt), empty its journal and free space (compact), change the
    installation key its log trusts (rotate-signing-key)."""


@store.command("encrypt")
@OFFICER_OPTION
@DB_OPTION
def store_encrypt(officer: str | None, db_path: Path | None) -> None:
    """Encrypt, in place, a store made by an older version (plain SQLite).

    The key is the store key file (--key-file, $INTERVIEW_ASSIST_KEY_FILE, or
    ~/.config/interview-assist/store.key, made if missing) or a passphrase
    (--passphrase, $INTERVIEW_ASSIST_PASSPHRASE). The audit chain is kept
    intact, and the encryption recorded in it. Close every other use of the
    store first (review screens, batches). A store already encrypted is left
    as it is.
    """
    from interview_assist.store import default_db_path
    from interview_assist.store.encryption import encrypt_store

    require_store(db_path)
    path = db_path or default_db_path()
    key = store_key(db_path, new_key=True)
    done = encrypt_store(path, key, actor=officer_name(officer))
    if done.already:
        click.echo(f"{path}: already encrypted, and {key.described} opens it; nothing to do")
        return
    click.echo(
        f"Encrypted {path} ({done.rows} rows) with {key.described}. The audit chain is intact: {done.records} records, "
        f"the last of which records the encryption (head {done.head})."
    )
    click.echo(
        "Keep a copy of the key apart from the store: without it nobody can read the store. Copies and backups of "
        "the store made before now are not encrypted: delete them."
    )


@store.command("rotate-signing-key")
@click.argument("new_key_file", metavar="NEW_KEY_FILE", type=click.Path(dir_okay=False, path_type=Path))
@DB_OPTION
def store_rotate_signing_key(new_key_file: Path, db_path: Path | None) -> None:
    """Make the key in NEW_KEY_FILE (made if missing, 0600) the installation key the store's log trusts.

    The log trusts the installation key that signed its first record of the
    machine or of an administrator, and no other: a store moved to another
    machine, or a new key, needs this record, signed by the key it replaces
    (this installation's: $INTERVIEW_ASSIST_SIGNING_KEY, else
    ~/.config/interview-assist/signing.key). Then use NEW_KEY_FILE as the
    installation's signing key.
    """
    import getpass

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from interview_assist.core.secrets import create_key_file, read_key_file
    from interview_assist.core.signing import WHAT, Signer, fingerprint, installation_signer
    from interview_assist.store.officers import rotate_installation_key

    require_store(db_path)
    seed = read_key_file(new_key_file, WHAT) if new_key_file.exists() else create_key_file(new_key_file, WHAT)
    new = Signer(Ed25519PrivateKey.from_private_bytes(seed), new_key_file)
    old = installation_signer()
    with open_store(db_path) as db:
        record = rotate_installation_key(db, new.public_hex, actor=getpass.getuser(), signer=old)
    click.echo(
        f"The log of {db.path} now trusts installation key {fingerprint(new.public_hex)} ({new_key_file}), in place of "
        f"{fingerprint(old.public_hex)}: audit record #{record}. Use it from now on: $INTERVIEW_ASSIST_SIGNING_KEY="
        f"{new_key_file}, or move it to the default place."
    )


@store.command("compact")
@DB_OPTION
def store_compact(db_path: Path | None) -> None:
    """Rewrite the store without its free pages and empty its write-ahead log.

    Needed only when a purge reported that another process kept the
    deleted text in the write-ahead log: close that process, then run this.
    """
    from interview_assist.store.purge import compact

    require_store(db_path)
    with open_store(db_path) as db:
        if not compact(db):
            fail(f"{db.path}: another process is reading the store; close it and run again", 4)
    click.echo(f"{db.path}: compacted; its write-ahead log is empty")


@click.command()
@click.argument("interview_ids", metavar="[ID]...", type=INTERVIEW_ID, nargs=-1)
@click.option(
    "--exported-before", "days", type=click.FloatRange(min=0), default=None, metavar="DAYS",
    help="Retention: every interview last exported more than DAYS days ago, and not changed since.",
)
@click.option("--reason", default=None, help="Why the content is deleted (kept in the tombstone).")
@OFFICER_OPTION
@click.option("--dry-run", is_flag=True, help="List what would be purged (and what is kept, and why); change nothing.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (needed when not at a terminal).")
@DB_OPTION
def purge(
    interview_ids: tuple[int, ...], days: float | None, reason: str | None, officer: str | None, dry_run: bool, yes: bool,
    db_path: Path | None,
) -> None:
    """Delete the content of interviews for good, leaving a signed tombstone in the audit log.

    The segments, words, flags and decisions, case glossary, speakers and
    their names, speaker turns, and the recording's path are deleted and
    overwritten in the store file. The tombstone (the interview, who, why,
    when, and the sha256 of what was deleted, never the text) is signed with
    this installation's key; `audit verify` reports the interview as purged.
    With --exported-before DAYS (retention) an interview never exported, or
    changed since its last export, is never purged.
    """
    from interview_assist.core.errors import InputError
    from interview_assist.core.signing import fingerprint, installation_signer
    from interview_assist.store.officers import check_officer
    from interview_assist.store.purge import purge_interview, require_interview, retention, wipe

    if bool(interview_ids) == (days is not None):
        raise InputError("give the interview IDs to purge, or --exported-before DAYS (retention)")
    if not dry_run and not (reason or "").strip():
        raise InputError("say why with --reason (it is kept in the tombstone)")
    require_store(db_path)
    actor = officer_name(officer)
    with open_store(db_path, read_only=dry_run) as db:
        if days is not None:
            cases = retention(db, days)
            due = [case.interview_id for case in cases if case.due]
            for case in cases:
                click.echo(f"interview {case.interview_id}: {'PURGE' if case.due else 'keep'} ({case.why})")
        else:
            due = list(dict.fromkeys(interview_ids))
            for iid in due:
                require_interview(db.conn, db, iid)  # unknown or already purged: refused before anything is done
                if dry_run:
                    click.echo(f"interview {iid}: PURGE (asked for)")
        if dry_run or not due:
            click.echo(f"{len(due)} interview(s) would be purged; nothing was changed" if dry_run else "Nothing to purge.")
            return
        listed = ", ".join(map(str, due))
        if not yes:
            if not sys.stdin.isatty():
                raise InputError("purging cannot be undone: confirm with --yes")
            click.confirm(f"Delete the content of interview(s) {listed} for good?", abort=True, err=True)
        check_officer(db, actor)
        signer = installation_signer()
        for iid in due:
            t = purge_interview(db, iid, actor=actor, reason=reason or "", signer=signer)
            rows = ", ".join(f"{n} {table}" for table, n in t.rows.items() if n)
            click.echo(
                f"Purged interview {iid} ({rows or 'no rows'}); tombstone: audit record #{t.record}, "
                f"signed by key {fingerprint(signer.public_hex)}"
            )
        if not wipe(db):
            fail(
                f"purged interview(s) {listed}, but another process is reading the store, so the deleted text is still in "
                f"its write-ahead log; close it and run: interview-assist store compact --db {db.path}", 4,
            )
