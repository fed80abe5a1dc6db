"""What leaves the store: ``export`` of a validated interview and the QA ``report``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from interview_assist.cli.common import DB_OPTION, INTERVIEW_ID, OFFICER_OPTION, officer_name, open_store, require_store


def _ranges(indices: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for i in indices:
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def _explain_blocked(exc) -> None:
    """The refusal, then what stands in the way: unvalidated segments (as ranges) and open flags."""
    from interview_assist.core.spans import format_timestamp

    limit = 40
    click.echo(f"interview-assist: error: {exc}", err=True)
    starts = {p.segment: p.start for p in exc.unvalidated}
    runs = _ranges(sorted(starts))
    if runs:
        click.echo("Segments not validated yet:", err=True)
        for a, b in runs[:limit]:
            label = f"{a + 1}" if a == b else f"{a + 1}-{b + 1}"
            click.echo(f"  segment {label} (from {format_timestamp(starts[a])})", err=True)
        if len(runs) > limit:
            click.echo(f"  ... and {len(runs) - limit} more stretches", err=True)
    if exc.open_flags:
        click.echo("Open flags (resolve them in the review screen):", err=True)
        for p in exc.open_flags[:limit]:
            click.echo(f"  segment {p.segment + 1} at {format_timestamp(p.start)}: {p.what}", err=True)
        if len(exc.open_flags) > limit:
            click.echo(f"  ... and {len(exc.open_flags) - limit} more (`interview-assist flags ID --open`)", err=True)


@click.command()
@click.argument("interview_id", metavar="ID", type=INTERVIEW_ID)
@click.option(
    "--format", "fmt", type=click.Choice(["docx", "txt", "srt", "vtt", "json", "rttm"]), default="docx",
    show_default=True, help="docx for the case file; json keeps every word; srt/vtt subtitles; rttm speaker turns.",
)
@click.option(
    "--out", type=click.Path(path_type=Path), default=None,
    help="File to write, or a folder to write interview-ID.FORMAT in (default: the current folder).",
)
@click.option("--force", is_flag=True, help="Overwrite the file if it exists.")
@OFFICER_OPTION
@DB_OPTION
def export(interview_id: int, fmt: str, out: Path | None, force: bool, officer: str | None, db_path: Path | None) -> None:
    """Export the validated transcript of interview ID, with its provenance.

    Refused (exit 2), with the list of what is missing, until an officer has
    validated every segment and no flag is open. The sha256 of the file is
    recorded in the audit log.
    """
    from interview_assist.export import ExportBlocked, export_interview
    from interview_assist.store.officers import check_officer

    require_store(db_path)
    actor = officer_name(officer)
    with open_store(db_path) as db:
        check_officer(db, actor)  # a locked or unregistered key fails here, before the document is made
        try:
            result = export_interview(db, interview_id, fmt, out, actor=actor, force=force)
        except ExportBlocked as exc:
            _explain_blocked(exc)
            sys.exit(exc.exit_code)
    click.echo(
        f"Exported interview {interview_id} ({result.segments} segments, validated by "
        f"{', '.join(result.officers)}) to {result.path}"
    )
    click.echo(f"sha256 {result.sha256} (recorded in the audit log)")


@click.command()
@click.argument("interview_id", metavar="ID", type=INTERVIEW_ID, required=False)
@click.option("--all", "every", is_flag=True, help="Every interview in the store, with totals.")
@click.option("--format", "fmt", type=click.Choice(["html", "json", "csv"]), default="html", show_default=True,
              help="html: a self-contained page with plots; json: every figure; csv: one row per interview.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output).")
@click.option("--force", is_flag=True, help="Overwrite the --out file if it exists.")
@DB_OPTION
def report(interview_id: int | None, every: bool, fmt: str, out: Path | None, force: bool, db_path: Path | None) -> None:
    """The QA confidence report of interview ID, or of --all interviews.

    Validation progress, word confidence, flags raised and how they were
    decided, edit rate per speaker, reviewers and review time. It holds
    figures only, never transcript text.
    """
    from interview_assist.core.errors import InputError
    from interview_assist.export.writer import write_file
    from interview_assist.report import render_report

    if (interview_id is None) == (not every):
        raise InputError("give one interview ID, or --all")
    require_store(db_path)
    with open_store(db_path, read_only=True) as db:
        data = render_report(db, interview_id, fmt)
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    write_file(out, data, force=force)
    click.echo(f"QA report written to {out}", err=True)
