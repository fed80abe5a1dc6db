"""What every command shares: the store, models and officer options, the interview id, failing with a code."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

import click

DB_OPTION = click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path),  # a folder is refused by the store, in one line (exit 4)
    default=None,
    help="Store file (default: $INTERVIEW_ASSIST_DB or ~/.local/share/interview-assist/interviews.sqlite).",
)
MODELS_OPTION = click.option(
    "--models-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Models folder holding manifest.toml (default: $INTERVIEW_ASSIST_MODELS or ./models of the checkout).",
)

OFFICER_OPTION = click.option(
    "--officer", default=None, help="Who is acting (default: $INTERVIEW_ASSIST_OFFICER, else your user name)."
)


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
