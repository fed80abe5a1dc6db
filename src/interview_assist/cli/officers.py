"""``officers add``, ``officers list``, ``officers revoke``: officers' signing keys and their registration in a store."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click

from interview_assist.cli.common import DB_OPTION, open_store, require_store


@click.group()
def officers() -> None:
    """Register officers' signing keys in the store (add), list them, revoke one."""


def _passphrase(name: str, passphrase_file: Path | None, *, new: bool) -> str:
    import os

    from interview_assist.core.errors import KeyProblem
    from interview_assist.core.officers import PASSPHRASE_ENV, read_passphrase_file

    if passphrase_file is not None:
        return read_passphrase_file(passphrase_file)
    if env := os.environ.get(PASSPHRASE_ENV):
        return env
    if not sys.stdin.isatty():
        raise KeyProblem(f"officer {name}'s passphrase is needed: --passphrase-file FILE, ${PASSPHRASE_ENV}, or a terminal")
    what = "New passphrase for" if new else "Passphrase of"
    return str(click.prompt(f"{what} officer {name}'s key", hide_input=True, confirmation_prompt=new, err=True))


PASSPHRASE_FILE = click.option(
    "--passphrase-file", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="A file (0600) whose first line is the officer's passphrase (default: $INTERVIEW_ASSIST_OFFICER_PASSPHRASE, "
    "else asked at the terminal, twice for a new key).",
)
PROFILE = click.option(
    "--profile", "folder", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="The officer's profile folder holding NAME.key (default: $INTERVIEW_ASSIST_OFFICERS_DIR, else "
    "~/.config/interview-assist/officers).",
)


@officers.command("add")
@click.argument("name")
@PASSPHRASE_FILE
@PROFILE
@DB_OPTION
def officers_add(name: str, passphrase_file: Path | None, folder: Path | None, db_path: Path | None) -> None:
    """Register officer NAME: make their key pair (the private key sealed by their passphrase, in their profile)
    and record the public key in the store, signed by this installation's key.

    An officer who already has a key in the profile (registered in another
    store) types its passphrase, and that key is registered.
    """
    from interview_assist.core.officers import create_officer_key, key_path, unlock
    from interview_assist.core.people import person_name
    from interview_assist.core.signing import fingerprint, installation_signer
    from interview_assist.store.officers import register_officer

    name = person_name(name, "the officer's name")
    path = key_path(name, folder)
    with open_store(db_path) as db:
        existing = path.exists()
        passphrase = _passphrase(name, passphrase_file, new=not existing)
        key = unlock(name, passphrase, folder) if existing else create_officer_key(name, passphrase, folder=folder)
        signer = installation_signer()
        done = register_officer(db, name, key.public_hex, actor=getpass.getuser(), signer=signer)
    click.echo(
        f"Registered officer {name} in {db.path}: key {fingerprint(key.public_hex)} ({'existing' if existing else 'new'}, "
        f"{path}); audit record #{done.register_record}, signed by installation key {fingerprint(signer.public_hex)}"
    )


@officers.command("list")
@DB_OPTION
def officers_list(db_path: Path | None) -> None:
    """List the officers registered in the store, their keys, who registered them, and revocations."""
    from interview_assist.store.officers import officers as registered

    require_store(db_path)
    with open_store(db_path, read_only=True) as db:
        rows = registered(db)
    if not rows:
        click.echo("No officers registered (interview-assist officers add NAME).")
    for o in rows:
        state = (
            f"REVOKED on {o.revoked_at[:10]} by {o.revoked_by} (audit record #{o.revoke_record})" if o.revoked_at else "standing"
        )
        click.echo(
            f"{o.name}: key {o.fingerprint} · registered on {o.registered_at[:10]} by {o.registered_by} "
            f"(audit record #{o.register_record}) · {state}"
        )


@officers.command("revoke")
@click.argument("name")
@DB_OPTION
def officers_revoke(name: str, db_path: Path | None) -> None:
    """Revoke officer NAME's key: their earlier records stay valid; nothing later can be signed with it."""
    from interview_assist.core.signing import installation_signer
    from interview_assist.store.officers import revoke_officer

    require_store(db_path)
    with open_store(db_path) as db:
        done = revoke_officer(db, name, actor=getpass.getuser(), signer=installation_signer())
    click.echo(f"Revoked officer {done.name}'s key {done.fingerprint}; audit record #{done.revoke_record}")
