"""The ``interview-assist`` group: its entry point, which turns errors into one line and an exit code."""

from __future__ import annotations

import logging
import os
import sys

import click

from interview_assist import __version__
from interview_assist.cli import INTERRUPTED, interrupted
from interview_assist.cli.audit import audit
from interview_assist.cli.common import fail
from interview_assist.cli.models import gazetteers, models
from interview_assist.cli.officers import officers
from interview_assist.cli.records import export, report
from interview_assist.cli.review import flags, review, show, speakers
from interview_assist.cli.store_admin import purge, store
from interview_assist.cli.transcribe import batch, transcribe
from interview_assist.core.errors import InterviewAssistError


def run() -> None:
    """Run the CLI and translate errors into messages and exit codes (see :func:`interview_assist.cli.main`)."""
    try:
        cli.main(standalone_mode=False, prog_name="interview-assist")
    except InterviewAssistError as exc:
        fail(str(exc), exc.exit_code)
    except click.exceptions.Abort:
        fail(INTERRUPTED, 130)
    except KeyboardInterrupt:
        fail(INTERRUPTED, 130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        # The reader went away (e.g. `show ID | head`): not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    except OSError as exc:
        fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "), 1)
    except Exception:
        if interrupted():  # a library turned the KeyboardInterrupt into another error
            fail(INTERRUPTED, 130)
        raise


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="interview-assist")
@click.option("-v", "--verbose", is_flag=True, help="Log progress details to stderr (never transcript text).")
def cli(verbose: bool) -> None:
    """Offline transcription assistant for asylum interviews.

    The machine drafts; a named officer reviews and validates every segment.
    Nothing leaves this computer: no model hub, no telemetry.
    """
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


for command in (
    transcribe, batch, flags, review, gazetteers, show, speakers, export, report, audit, purge, store, models, officers,
):
    cli.add_command(command)
