"""``transcribe`` one recording and ``batch`` many, with the pipeline's options (:mod:`.run_options`)."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path

import click

from interview_assist.cli.common import DB_OPTION, MODELS_OPTION, fail, open_store
from interview_assist.cli.interrupts import Interrupts, progress_bar
from interview_assist.cli.run_options import run_options
from interview_assist.pipeline.settings import RunSettings


@click.command()
@click.argument("audio", type=click.Path(path_type=Path, readable=False))
@run_options
@DB_OPTION
@MODELS_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary instead of text.")
def transcribe(audio: Path, settings: RunSettings, db_path: Path | None, models_dir: Path | None, as_json: bool) -> None:
    """Transcribe AUDIO on this machine and store it as a draft for review.

    Speakers are diarized and given proposed roles (officer, interpreter,
    applicant); confirm or change them with `interview-assist speakers`.
    Names of people and places are flagged with suggestions; list them with
    `interview-assist flags`.
    """
    from interview_assist.audio.decode import probe
    from interview_assist.core.models import ModelCatalog
    from interview_assist.pipeline.run import PipelineOptions
    from interview_assist.pipeline.run import transcribe as run_pipeline
    from interview_assist.store import save_transcript

    catalog = ModelCatalog(models_dir)
    glossary = settings.check()
    info = probe(audio)  # bad input fails before the store or a model is touched
    options = PipelineOptions.from_settings(settings)
    interview_id = None
    try:
        with open_store(db_path) as db, Interrupts() as interrupts:
            db.check_writable()  # a read-only store fails before hours of work, not after
            with progress_bar(enabled=not as_json) as hook:
                transcript = run_pipeline(audio, options, catalog=catalog, glossary=glossary, progress=hook, info=info)
            interrupts.check()
            store_path = db.path
            interview_id = save_transcript(db, transcript, actor=getpass.getuser())
        _report_stored(interview_id, store_path, transcript, as_json)
        if settings.diarize:
            _note_speaker_count(interview_id, store_path, len(transcript.speakers), settings)
    except KeyboardInterrupt:
        if interview_id is None:
            raise
        fail(f"interrupted after storing: the draft is interview {interview_id} in {store_path}", 130)


def _note_speaker_count(interview_id: int, store_path: Path, found: int, asked: RunSettings) -> None:
    """A note on stderr when the voices told apart are not as many as the operator asked for."""
    num, low, high = asked.speakers, asked.min_speakers, asked.max_speakers
    if not found or not (
        (num is not None and found != num) or (low is not None and found < low) or (high is not None and found > high)
    ):
        return
    wanted = num if num is not None else f"{low or 1} to {high or 'any number of'}"
    click.echo(
        f"note: {wanted} speakers were asked for; the voices in the recording were told apart as {found}. "
        f"Check them with: interview-assist speakers {interview_id} --db {store_path}",
        err=True,
    )


def _report_stored(interview_id: int, store_path: Path, transcript, as_json: bool) -> None:
    if as_json:
        click.echo(
            json.dumps(
                {
                    "id": interview_id,
                    "db": str(store_path),
                    "audio": transcript.audio_path,
                    "audio_sha256": transcript.audio_sha256,
                    "duration": transcript.duration,
                    "model": transcript.model.name,
                    "languages": transcript.languages,
                    "segments": len(transcript.segments),
                    "flags": len(transcript.flags),
                    "name_flags": len(transcript.name_flags),
                    "glossary_entries": len(transcript.glossary),
                    "speakers": [
                        {"label": sp.label, "proposed_role": sp.proposed_role, "evidence": sp.evidence}
                        for sp in transcript.speakers
                    ],
                    "status": "draft",
                },
                indent=2,
            )
        )
    else:
        click.echo(
            f"Stored interview {interview_id} in {store_path}: {len(transcript.segments)} segments, "
            f"{len(transcript.flags)} flags, {len(transcript.name_flags)} name flags, "
            f"languages {', '.join(transcript.languages) or '-'}."
        )
        for sp in transcript.speakers:
            click.echo(f"  {sp.label}: proposed {sp.proposed_role} ({sp.evidence})")
        if transcript.speakers:
            click.echo(f"Confirm or change roles with: interview-assist speakers {interview_id} --db {store_path}")
        if transcript.name_flags:
            click.echo(f"Names to check: interview-assist flags {interview_id} --db {store_path}")
        click.echo(f"Read it with: interview-assist show {interview_id} --db {store_path}")


_TLS_FILE = click.Path(path_type=Path)  # a folder or a missing file: one line, from the check


@click.command()
@click.argument("paths", metavar="PATH...", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Recordings transcribed at once on this machine (each worker gets its share of the cores).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run on an existing Dask cluster (tls://HOST:8786, with the three --tls-* files) instead of this "
                   "machine; its workers must see the same paths.")
@click.option("--tls-ca-file", type=_TLS_FILE, default=None,
              help="The CA certificate (PEM) that signed the cluster's certificates and this batch's.")
@click.option("--tls-cert", type=_TLS_FILE, default=None, help="This batch's certificate (PEM), signed by that CA.")
@click.option("--tls-key", type=_TLS_FILE, default=None, help="This batch's private key (PEM; readable by you only).")
@click.option("--insecure", is_flag=True,
              help="Allow an unencrypted, unauthenticated tcp:// scheduler (a test cluster on a trusted network only).")
@click.option("--threads-per-worker", type=click.IntRange(min=0), default=0,
              help="CPU threads per worker (default: the cores shared out locally; every core on a cluster).")
@click.option("--allow-outside", is_flag=True,
              help="Let a manifest name recordings and glossaries outside its own folder (refused by default).")
@run_options
@DB_OPTION
def batch(
    paths: tuple[Path, ...], workers: int, scheduler: str | None, tls_ca_file: Path | None, tls_cert: Path | None,
    tls_key: Path | None, insecure: bool, threads_per_worker: int, allow_outside: bool, settings: RunSettings,
    db_path: Path | None,
) -> None:
    """Transcribe many recordings into drafts: files, folders, or CSV manifests.

    A manifest has a header with a `path` column and optional `speakers`,
    `language`, `glossary` and `interpreter` columns; the files it names must
    be inside its folder (see --allow-outside). A recording already done
    with the same settings (same audio sha256) is skipped, so a batch that
    was stopped continues where it was when run again. A bad or crashing
    recording is reported and does not stop the others. Exit 1 if any failed.
    The options below apply to every recording; a manifest's columns
    override them for their row.
    """
    from interview_assist.batch import BatchOptions, collect_jobs, run_batch
    from interview_assist.batch.cluster import ClusterAccess
    from interview_assist.cli.batch_display import BatchDisplay, print_summary
    from interview_assist.core.errors import InputError
    from interview_assist.core.models import ModelCatalog

    # Options for every recording fail before anything runs, as with `transcribe`.
    access = None
    if scheduler is not None:
        access = ClusterAccess(scheduler, tls_ca_file, tls_cert, tls_key, insecure)
        warning = access.check()
        if warning:
            click.echo(f"interview-assist: warning: {warning}", err=True)
    elif tls_ca_file or tls_cert or tls_key or insecure:
        raise InputError("--tls-ca-file, --tls-cert, --tls-key and --insecure are for a cluster (--scheduler)")
    settings.check(ModelCatalog())
    defaults = settings
    jobs = collect_jobs(list(paths), defaults, allow_outside=allow_outside)
    if not jobs:
        raise InputError("no recordings found in " + ", ".join(map(str, paths)))
    options = BatchOptions(workers=workers, scheduler=access, threads_per_worker=threads_per_worker)
    click.echo(f"{len(jobs)} recording(s) named; checking them against the store...")
    with open_store(db_path) as db:
        db.check_writable()
        with BatchDisplay() as events:
            summary = run_batch(db, jobs, options, actor=getpass.getuser(), events=events)
    print_summary(summary)
    if summary.interrupted:
        sys.exit(130)
    if summary.of("failed"):
        sys.exit(1)
