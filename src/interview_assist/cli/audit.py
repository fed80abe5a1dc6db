"""``audit verify`` and ``audit log``: the hash chain, the content against the log, who did what."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import click

from interview_assist.cli.common import DB_OPTION, INTERVIEW_ID, open_store, require_store


@click.group()
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
@click.option(
    "--heads", "heads_file", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE",
    help="Signed heads kept in FILE (append-only, outside the store): check the log against the newest, "
    "then append the current head.",
)
@DB_OPTION
def audit_verify(
    interview_id: int | None, every: bool, export_file: Path | None, kept_head: str | None, heads_file: Path | None,
    db_path: Path | None,
) -> None:
    """Recompute the hash chain and compare interview ID with what its log recorded.

    Reports the first broken link of the chain, and anything changed outside
    the application: ASR words and text, the recording and model hashes,
    settings, denoise decisions, flags and the decisions on them, speakers,
    validated segments. Prints the head of the chain: kept elsewhere and
    given back with --head, it shows whether records were removed from the
    end or the chain was rewritten; --heads FILE keeps signed heads in a file
    and checks against the newest. A purged interview is reported as such,
    with its signed tombstone. Exit 0 when everything verifies, 5 when
    something does not.
    """
    from interview_assist.core.errors import InputError
    from interview_assist.store import interview_ids
    from interview_assist.store.audit import first_hash
    from interview_assist.store.audit import verify as verify_chain
    from interview_assist.store.heads import check_heads, keep_head
    from interview_assist.store.integrity import find_export, verify_interview

    if (interview_id is None) == (not every):
        raise InputError("give one interview ID, or --all")
    if export_file is not None and interview_id is None:
        raise InputError("--export needs the interview ID the file was exported from")
    if kept_head is not None and not re.fullmatch(r"[0-9a-f]{64}", kept_head.strip().lower()):
        raise InputError(f"--head takes the 64 hex digits verify printed, not {kept_head!r}")
    if export_file is not None and not export_file.is_file():
        raise InputError(f"{export_file}: no such file")
    require_store(db_path)
    failed = False
    with open_store(db_path, read_only=True) as db:
        ids = [interview_id] if interview_id is not None else interview_ids(db, purged=True)
        chain = verify_chain(db.conn)
        if not ids:
            click.echo(f"No interviews in {db.path}; nothing to verify.")
        if chain.unsigned_before is not None:
            click.echo(
                f"Records #1 to #{chain.unsigned_before}: unsigned (before officer keys); every record after them is "
                "signed and checked"
            )
        for iid in ids:
            report = verify_interview(db, iid, chain)
            failed |= not report.ok
            head = f"Interview {iid}: {report.records} audit records"
            if t := report.purged:
                head = (
                    f"Interview {iid}: PURGED on {t.at[:10]} by {t.actor} (reason: {t.detail.get('reason')}; "
                    f"tombstone: audit record #{t.id}); {report.records} audit records"
                )
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
                what = "SIGNATURE DOES NOT VERIFY" if report.chain.signature else "HASH CHAIN BROKEN"
                click.echo(f"{head}; {what} at record #{report.chain.first_broken}{where}: {report.chain.reason}. {then}")
            for problem in report.problems:
                click.echo(f"  CHANGED OUTSIDE THE APPLICATION: {problem}")
            for note in report.notes:
                click.echo(f"  note: {note}")
            if not report.problems:
                click.echo(
                    ("  its content is gone, as the signed tombstone records" if report.purged else "  content matches the log")
                    if report.chain.ok
                    else "  content matches the records as they stand, which the broken chain cannot vouch for"
                )
        if export_file is not None:
            assert interview_id is not None  # --export without an ID was refused above
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
                "(keep it apart from the store; check later with --head, or keep signed heads with --heads FILE)"
            )
        if heads_file is not None:
            heads = check_heads(heads_file, chain, first_hash(db.conn))
            if heads.problem is not None:
                failed = True
                click.echo(f"Kept heads {heads_file}: DOES NOT MATCH: {heads.problem}")
            elif heads.kept is None:
                click.echo(f"Kept heads {heads_file}: none kept yet")
            else:
                click.echo(
                    f"Kept heads {heads_file}: the head kept on {heads.kept.at[:19]} (record #{heads.kept.record}) is in "
                    "the chain: no record was removed or rewritten up to it"
                )
            if not failed and chain.ok and chain.head_id is not None:
                kept = keep_head(heads_file, chain, first_hash(db.conn), db.path)
                click.echo(f"Kept heads {heads_file}: head of record #{kept.record} appended (line {kept.line}, signed)")
            elif failed:
                click.echo(f"Kept heads {heads_file}: nothing appended (the store does not verify)")
    if failed:
        sys.exit(5)


@audit.command("log")
@click.argument("interview_id", metavar="ID", type=INTERVIEW_ID)
@click.option("--actor", default=None, help="Only the records of this person.")
@click.option("--action", default=None, help="Only records of this action (e.g. validate_segment, resolve_name_flag, play, attention_check, export).")
@click.option("--json", "as_json", is_flag=True, help="Print the records as stored (segments counted from 0).")
@DB_OPTION
def audit_log(interview_id: int, actor: str | None, action: str | None, as_json: bool, db_path: Path | None) -> None:
    """List the audit records of interview ID: who did what, when (never transcript text).

    Segments are numbered from 1, as on the review screen and in exports;
    record and flag numbers (#) count across the whole store.
    """
    from dataclasses import asdict

    from interview_assist.core.errors import InputError
    from interview_assist.store.audit import ACTIONS
    from interview_assist.store.integrity import audit_records

    if action is not None and action not in ACTIONS:
        raise InputError(f"no action {action!r} (actions: {', '.join(ACTIONS)})")
    require_store(db_path)
    with open_store(db_path, read_only=True) as db:
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
        if key == "reopened" and isinstance(value, list):
            return f"reopened={[v + 1 for v in value]}"
        # Segments and words are stored from 0; shown from 1, as everywhere a person reads them.
        counted = key in ("segment", "merged", "before_word", "word") and isinstance(value, int) and not isinstance(value, bool)
        return f"{key}={value + 1}" if counted else f"{key}={value}"

    from interview_assist.core.signing import fingerprint

    def value(key: str, v: object) -> object:
        if key == "rows" and isinstance(v, dict):  # a purge's rows deleted, by table
            return "{" + ", ".join(f"{t}: {n}" for t, n in v.items() if n) + "}"
        return fingerprint(v) if key == "signed_by" and isinstance(v, str) else v

    for r in records:
        detail = ", ".join(
            shown(k, value(k, v)) for k, v in sorted(r.detail.items())
            if (not k.endswith("sha256") or k == "sha256") and k != "signature"
        )
        click.echo(f"#{r.id} {r.at} {r.actor} {r.action}" + (f" · {detail}" if detail else ""))
