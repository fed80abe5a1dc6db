"""Reading and reviewing one interview: ``flags``, ``review`` (the screen), ``show``, ``speakers``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from interview_assist.cli.common import DB_OPTION, INTERVIEW_ID, OFFICER_OPTION, officer_name, open_store, require_store, store_key


@click.command()
@click.argument("interview_id", metavar="ID", type=INTERVIEW_ID)
@click.option("--open", "only_open", is_flag=True, help="Only the flags no person has resolved yet.")
@click.option("--json", "as_json", is_flag=True, help="Print the flags as JSON.")
@DB_OPTION
def flags(interview_id: int, only_open: bool, as_json: bool, db_path: Path | None) -> None:
    """List the name flags of interview ID: what was heard, why it is doubtful, and suggestions with why each is offered.

    Only a person resolves a flag (accept a suggestion, edit, confirm as
    heard, or dismiss with a reason), in the review screen. Other flags on
    the same name are listed with each flag ("same name: #12, #15").
    """
    from interview_assist.core.spans import format_timestamp
    from interview_assist.core.transcript import NAME_REASONS
    from interview_assist.review.views import name_flag_dict
    from interview_assist.store import name_flags, same_name

    require_store(db_path)
    with open_store(db_path, read_only=True) as db:
        every = name_flags(db, interview_id)
    stored = [f for f in every if f.open or not only_open]
    if as_json:
        out = [
            {"id": f.id, "status": f.status, "resolution": f.resolution, "dismiss_reason": f.dismiss_reason,
             "resolved_by": f.resolved_by, "resolved_at": f.resolved_at, **name_flag_dict(f.flag),
             "same_name": [o.id for o in same_name(every, f)]}
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
        if not g.suggestions:
            click.echo("    no suggestion: none is close enough to what was heard")
        for n, s in enumerate(g.suggestions, 1):
            extra = f" · also spelled {', '.join(s.variants[:3])}" if s.variants else ""
            detail = f", {s.detail}" if s.detail else ""
            why = f" · {s.reason}" if s.reason else ""
            click.echo(f"    {n}. {s.text} ({s.source}{detail}, score {s.score:.0f}){why}{extra}")
        if others := same_name(every, f):
            click.echo(f"    same name: {', '.join(f'#{o.id} at {format_timestamp(o.flag.start)}' for o in others)}")


@click.command()
@click.argument("interview_id", metavar="ID", type=INTERVIEW_ID)
@click.option("--officer", default=None, help="Who is reviewing (default: $INTERVIEW_ASSIST_OFFICER, else your user name); their key is unlocked on open.")
@click.option(
    "--policy", "policy_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Oversight policy, a TOML file (default: $INTERVIEW_ASSIST_POLICY, else the built-in policy; see README).",
)
@DB_OPTION
def review(interview_id: int, officer: str | None, policy_file: Path | None, db_path: Path | None) -> None:
    """Review interview ID in the terminal: validate every segment, resolve name flags, play the audio.

    Each action is stored at once with its audit record under the officer's
    name, and so is every play; quit at any time and reopen to continue
    where you left off. A flagged or doubtful segment is decided only once
    its audio was played (or with a reason), and now and then a deliberately
    wrong word checks attention, as the oversight policy says.
    """
    from interview_assist.review.policy import load_policy
    from interview_assist.store import load_interview
    from interview_assist.store.officers import require_registered

    policy = load_policy(policy_file)  # a bad policy file fails here, before the screen opens
    require_store(db_path)
    officer = officer_name(officer)
    key = store_key(db_path)  # asked once (a passphrase), for this check and for the screen
    with open_store(db_path, key=key) as db:
        load_interview(db, interview_id)  # a wrong id (or key) fails here, before the screen opens
        require_registered(db, officer)  # so does an officer with no key registered in this store
    from interview_assist.tui import make_app

    app = make_app(db_path, interview_id, officer, policy=policy, key=key)
    app.run()
    if app.return_code:  # 1: the officer did not unlock their key (Escape), or the screen failed
        sys.exit(app.return_code)


@click.command()
@click.argument("interview_id", metavar="ID", type=INTERVIEW_ID)
@DB_OPTION
@click.option("--format", "fmt", type=click.Choice(["txt", "json"]), default="txt", show_default=True, help="Output format.")
def show(interview_id: int, db_path: Path | None, fmt: str) -> None:
    """Print the stored draft transcript of interview ID."""
    from interview_assist.review.views import interview_dict, interview_text
    from interview_assist.store import current_export, load_interview, reviews

    require_store(db_path)
    with open_store(db_path, read_only=True) as db:
        stored = load_interview(db, interview_id)
        states = reviews(db, interview_id)
        exported = current_export(db, interview_id)
    if fmt == "json":
        click.echo(json.dumps(interview_dict(stored, states), indent=2, ensure_ascii=False))
    else:
        click.echo(interview_text(stored, states, exported), nl=False)


@click.command()
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
    from interview_assist.core.errors import InputError
    from interview_assist.store import load_interview, set_speaker

    require_store(db_path)
    # Listing only reads: an archived store in a folder nobody may write is listed too.
    with open_store(db_path, read_only=label is None) as db:
        if label is not None:
            if role is None and name is None and not confirm:
                raise InputError("give --role, --name or --confirm to change a speaker")
            set_speaker(db, interview_id, label, actor=officer_name(officer), role=role, name=name, confirm=confirm)
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
