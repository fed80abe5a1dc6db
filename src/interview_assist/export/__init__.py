"""Exports of a validated interview: DOCX for case files, text, subtitles, JSON, RTTM.

Every format renders one :class:`~.document.ExportDocument`, which exists
only when an officer has validated every segment; ``writer`` writes it and
records its sha256 in the audit log.
"""

from __future__ import annotations

from collections.abc import Callable

from interview_assist.export import docx_file, json_file, rttm, subtitles, text
from interview_assist.export.document import ExportBlocked, ExportDocument, build_document

FORMATS: dict[str, Callable[[ExportDocument], bytes]] = {
    "docx": docx_file.render,
    "txt": text.render,
    "srt": subtitles.render_srt,
    "vtt": subtitles.render_vtt,
    "json": json_file.render,
    "rttm": rttm.render,
}

from interview_assist.export.writer import ExportResult, export_interview  # noqa: E402  (needs FORMATS)

__all__ = ["FORMATS", "ExportBlocked", "ExportDocument", "ExportResult", "build_document", "export_interview"]
