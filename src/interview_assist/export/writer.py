"""Writing an export file safely, with its audit record.

- The file is rendered in memory first, so a failure while rendering
  touches nothing on disk.
- It is written only at the path given: a folder gets ``interview-ID.EXT``
  inside it, named from the id alone; a symbolic link is never followed, and
  an existing file is replaced only with ``force``. The bytes go to a hidden
  file beside it first (removed in every case), so that a failed write
  leaves an earlier file as it was.
- Nothing is exported from an interview that does not verify against its
  audit log (the content check of ``audit verify``): a store changed
  outside the application is refused (exit 5), naming what differs.
- The sha256 of the bytes written is recorded in the audit log, in the
  transaction that covers the write: when the write fails, nothing is
  recorded and no partial file is left; when the record cannot be stored,
  the file is removed.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from interview_assist.core.errors import InputError, IntegrityError, StoreError
from interview_assist.export import FORMATS
from interview_assist.export.document import build_document
from interview_assist.store import Database, audit
from interview_assist.store.integrity import verify_interview
from interview_assist.store.officers import signer_for


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: Path
    format: str
    sha256: str
    bytes: int
    segments: int
    officers: tuple[str, ...]


def target_path(out: Path | None, interview_id: int, fmt: str) -> Path:
    """Where an export goes: ``out`` itself, or ``interview-ID.EXT`` in the folder ``out`` (default: here)."""
    name = f"interview-{interview_id}.{fmt}"
    if out is None:
        return Path.cwd() / name
    out = Path(os.path.expanduser(out))
    if out.is_dir() and not out.is_symlink():
        return out / name
    if not out.parent.is_dir():
        raise InputError(f"{out.parent}: no such folder (the export is written only where you ask)")
    return out


def _check_writable(path: Path, force: bool) -> bool:
    """True when ``path`` exists (and may be replaced)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None
    if stat.S_ISLNK(st.st_mode):
        raise InputError(f"{path}: is a symbolic link; refusing to write through it")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{path}: exists and is not a regular file")
    if not force:
        raise InputError(f"{path}: already exists; pass --force to overwrite it")
    return True


def _write(path: Path, data: bytes, replace: bool) -> Callable[[bool], None]:
    """Put ``data`` at ``path`` whole or not at all; returns ``finish(keep)``.

    The bytes go to a hidden file beside ``path`` first and are synced, then
    renamed over it, so a failed or interrupted write (a full disk, Ctrl-C)
    leaves any earlier file at ``path`` as it was. ``finish(True)`` drops the
    copy of the earlier file; ``finish(False)`` takes the new file away and
    puts the earlier one back (its audit record could not be stored).
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror or exc})") from None
    previous: Path | None = None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if replace:
            previous = path.with_name(f".{path.name}.{os.getpid()}.previous")
            try:
                os.link(path, previous)
            except OSError:  # a file system without hard links: no way back after the rename
                previous = None
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # never over a file that appeared meanwhile
            except FileExistsError:
                raise InputError(f"{path}: already exists; pass --force to overwrite it") from None
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV) or path.exists():
                    raise
                os.replace(tmp, path)
            tmp.unlink(missing_ok=True)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if previous is not None:
            previous.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            if exc.errno == errno.ENOSPC:
                raise StoreError(f"{path}: disk full; no export was written and nothing was recorded") from None
            raise InputError(f"{path}: cannot write ({exc.strerror or exc}); no export was written") from None
        raise

    def finish(keep: bool) -> None:
        if not keep:
            if previous is not None:
                os.replace(previous, path)
            else:
                path.unlink(missing_ok=True)
        elif previous is not None:
            previous.unlink(missing_ok=True)

    return finish


def write_file(path: Path, data: bytes, *, force: bool = False) -> None:
    """Write ``data`` at ``path`` only (no symlink, no overwrite without ``force``); no partial file on failure."""
    _write(path, data, _check_writable(path, force))(True)


def require_verified(db: Database, interview_id: int) -> None:
    """Refuse (:class:`IntegrityError`, exit 5) an interview that does not verify against its audit log,
    as ``audit verify`` checks it: the store was changed outside the application."""
    report = verify_interview(db, interview_id)
    if report.ok:
        return
    if not report.chain.ok:
        what = f"the audit log's hash chain is broken at record #{report.chain.first_broken} ({report.chain.reason})"
    else:
        what = report.problems[0] + (f" (and {len(report.problems) - 1} more)" if len(report.problems) > 1 else "")
    raise IntegrityError(
        f"interview {interview_id} was changed outside the application, so it is not exported: {what}; "
        f"see `interview-assist audit verify {interview_id}`"
    )


def export_interview(
    db: Database, interview_id: int, fmt: str, out: Path | None = None, *, actor: str, force: bool = False
) -> ExportResult:
    """Render, write and record one export; refused (``IntegrityError``) when the interview does not verify,
    and (``ExportBlocked``) until every segment is validated."""
    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r} (formats: {', '.join(FORMATS)})")
    require_verified(db, interview_id)
    doc = build_document(db, interview_id, exported_by=actor)
    data = FORMATS[fmt](doc)
    digest = hashlib.sha256(data).hexdigest()
    path = target_path(out, interview_id, fmt)
    replace = _check_writable(path, force)
    finish = None
    try:
        with db.atomic() as c:
            audit.append(
                c, actor=actor, signer=signer_for(db, c, actor), action="export", interview_id=interview_id,
                detail={
                    "format": fmt, "sha256": digest, "bytes": len(data), "path": str(path.absolute()),
                    "replaced": replace, "audit_head": doc.provenance.audit_head,
                },
            )
            finish = _write(path, data, replace)
    except BaseException:
        if finish is not None:  # the record could not be stored: no unrecorded export may remain
            finish(False)
        raise
    finish(True)
    return ExportResult(path, fmt, digest, len(data), len(doc.segments), doc.provenance.officers)
