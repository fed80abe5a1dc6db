"""What every command shares: the store (and its key), models and officer options, the interview id, failing with a code."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from interview_assist.core.officers import OfficerKeyring
    from interview_assist.store import Database
    from interview_assist.store.keys import KeySource

F = TypeVar("F", bound=Callable[..., Any])


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Keep the store's key options for :func:`store_key` (commands take only ``db_path``)."""
    ctx.meta[f"interview_assist.{param.name}"] = value
    return value


_DB = click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path),  # a folder is refused by the store, in one line (exit 4)
    default=None,
    help="Store file (default: $INTERVIEW_ASSIST_DB or ~/.local/share/interview-assist/interviews.sqlite).",
)
_KEY_FILE = click.option(
    "--key-file", type=click.Path(dir_okay=False, path_type=Path), default=None, expose_value=False, callback=_remember,
    help="The store's key file (default: $INTERVIEW_ASSIST_KEY_FILE or ~/.config/interview-assist/store.key, "
    "made for a new store).",
)
_PASSPHRASE = click.option(
    "--passphrase", is_flag=True, expose_value=False, callback=_remember,
    help="The store is keyed by a passphrase: ask for it (or set $INTERVIEW_ASSIST_PASSPHRASE).",
)


def DB_OPTION(command: F) -> F:
    """--db, and the store's key: --key-file or --passphrase."""
    return _DB(_KEY_FILE(_PASSPHRASE(command)))


def store_key(db_path: Path | None, *, new_key: bool = False) -> KeySource:
    """Where the store's key comes from, as the command line says (see :class:`~interview_assist.store.keys.KeySource`).

    A passphrase is asked twice for a new store, or when ``new_key`` (a plain store to encrypt).
    """
    from interview_assist.store import default_db_path
    from interview_assist.store.keys import KeySource, file_kind

    meta = click.get_current_context().meta
    key_file = meta.get("interview_assist.key_file")
    passphrase = None
    if meta.get("interview_assist.passphrase"):
        new = new_key or file_kind(db_path or default_db_path()) == "new"
        passphrase = click.prompt(
            "Passphrase for the new store" if new else "Passphrase of the store",
            hide_input=True, confirmation_prompt=new, err=True,
        )
    return KeySource.from_environment(key_file, passphrase)


def open_store(db_path: Path | None, *, read_only: bool = False, key: KeySource | None = None) -> Database:
    """The store, opened with the key the command line gives, and the officer's key to be unlocked as it says."""
    from interview_assist.store import Database

    return Database(db_path, read_only=read_only, key=key if key is not None else store_key(db_path), officers=officer_keyring())


def officer_keyring() -> OfficerKeyring:
    """Where the acting officer's passphrase comes from: --officer-passphrase-file, else
    $INTERVIEW_ASSIST_OFFICER_PASSPHRASE, else a prompt at a terminal, else none (one line, exit 4)."""
    from interview_assist.core.officers import OfficerKeyring, read_passphrase_file

    ctx = click.get_current_context(silent=True)
    path = ctx.meta.get("interview_assist.officer_passphrase_file") if ctx is not None else None
    passphrase = read_passphrase_file(path) if path is not None else None

    def ask(name: str) -> str:
        return str(click.prompt(f"Passphrase of officer {name}'s key", hide_input=True, err=True))

    return OfficerKeyring.from_environment(passphrase, ask if sys.stdin.isatty() else None)

MODELS_OPTION = click.option(
    "--models-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Models folder holding manifest.toml (default: $INTERVIEW_ASSIST_MODELS or ./models of the checkout).",
)

_OFFICER = click.option(
    "--officer", default=None, help="Who is acting (default: $INTERVIEW_ASSIST_OFFICER, else your user name)."
)
_OFFICER_PASSPHRASE = click.option(
    "--officer-passphrase-file", type=click.Path(dir_okay=False, path_type=Path), default=None, expose_value=False,
    callback=_remember,
    help="A file (0600) whose first line is the passphrase of the officer's key (default: "
    "$INTERVIEW_ASSIST_OFFICER_PASSPHRASE, else asked at a terminal).",
)


def OFFICER_OPTION(command: F) -> F:
    """--officer, and the passphrase of that officer's key: --officer-passphrase-file."""
    return _OFFICER(_OFFICER_PASSPHRASE(command))


class _InterviewId(click.IntRange):
    """An interview id: SQLite's integers end at 2**63 - 1; a larger number is a usage error, not a crash."""

    name = "interview id"  # "'abc' is not a valid interview id", not "... integer range"


INTERVIEW_ID = _InterviewId(min=0, max=2**63 - 1)


def fail(message: str, code: int) -> None:
    """One line on stderr, then the exit code; after a Ctrl-C, any failure is the interruption (130)."""
    from interview_assist.cli import INTERRUPTED, interrupted

    if interrupted() and code != 130:
        message, code = INTERRUPTED, 130
    click.echo(f"interview-assist: error: {message}", err=True)
    sys.exit(code)


def officer_name(officer: str | None) -> str:
    """Who acts: the option, else $INTERVIEW_ASSIST_OFFICER, else the OS user."""
    from interview_assist.core.errors import InputError
    from interview_assist.core.people import person_name

    name = (officer or os.environ.get("INTERVIEW_ASSIST_OFFICER") or getpass.getuser()).strip()
    if not name:
        raise InputError("an officer name is needed (--officer NAME)")
    return person_name(name, "the officer's name")


def require_store(db_path: Path | None) -> None:
    from interview_assist.core.errors import InputError
    from interview_assist.store import default_db_path

    path = db_path or default_db_path()
    if not path.exists():
        raise InputError(f"{path}: no such store (transcribe something first, or pass --db)")
