"""DOCX for the case file: provenance, speakers with their roles, the transcript
with timestamps, and the names that were flagged, marked for the reader.

A corrected name is bold, underlined and highlighted; a name confirmed as
heard is bold and underlined. Each carries a note number that points to the
table at the end: what the machine heard, what the officer decided, who
decided and when.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

from docx import Document
from docx.enum.text import WD_COLOR_INDEX
from docx.shared import Pt

from interview_assist.core.spans import format_timestamp
from interview_assist.core.transcript import NAME_REASONS
from interview_assist.export.document import ExportDocument
from interview_assist.export.text import note_numbers

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

LEGEND = (
    "Names the software flagged as uncertain are marked: a name corrected by the officer is bold, "
    "underlined and highlighted; a name confirmed as heard is bold and underlined. The number after a name "
    "refers to the table \"Names checked by the officer\" at the end."
)
_DECISION = {
    "accepted": "corrected (suggestion accepted)",
    "edited": "corrected (spelling entered)",
    "confirmed": "confirmed as heard",
    "dismissed": "flag dismissed",
}


# Characters XML 1.0 cannot hold. A name typed with one (refused since, but it
# may be in an older store) would make python-docx fail on the whole file, so
# each is shown as U+FFFD, one for one (the name marks count characters).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _x(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _table(document: DocxDocument, rows: list[list[str]], header: list[str]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for row in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, row):
            cell.text = _x(text)


def render(doc: ExportDocument) -> bytes:
    p = doc.provenance
    d = Document()
    d.core_properties.title = f"Interview {p.interview_id}: validated transcript"
    d.core_properties.author = _x(p.exported_by)
    d.core_properties.comments = f"Recording sha256 {p.audio_sha256}; exported by {p.tool}"
    d.styles["Normal"].font.size = Pt(10)

    d.add_heading(f"Interview {p.interview_id}: transcript", level=0)
    d.add_paragraph(
        "Drafted on-device by speech recognition; every segment was reviewed and validated by the officer(s) "
        f"named below. Validated by: {_x(', '.join(p.officers))}."
    )

    d.add_heading("Provenance", level=1)
    _table(d, [[label, value] for label, value in p.lines()], ["Item", "Value"])

    if doc.speakers:
        d.add_heading("Speakers", level=1)
        _table(d, [[sp.label, sp.role, sp.name or ""] for sp in doc.speakers], ["Speaker", "Role", "Name"])

    d.add_heading("Transcript", level=1)
    d.add_paragraph(LEGEND).runs[0].italic = True
    numbers = note_numbers(doc)
    for s in doc.segments:
        para = d.add_paragraph()
        overlap = " [overlapping speech]" if s.overlap else ""
        para.add_run(f"[{format_timestamp(s.start)} - {format_timestamp(s.end)}] {_x(s.who_and_language)}{overlap}: ").bold = True
        text = _x(s.text)
        at = 0
        for a, b, n in s.name_marks():
            if a > at:
                para.add_run(text[at:a])
            run = para.add_run(text[a:b])
            run.bold = True
            run.underline = True
            if n.corrected:
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW
            note = para.add_run(f"[{numbers[id(n)]}]")
            note.font.superscript = True
            at = b
        if at < len(text):
            para.add_run(text[at:])
        if not s.text:
            para.add_run("[no words]").italic = True

    if doc.names:
        d.add_heading("Names checked by the officer", level=1)
        rows = []
        marked = {id(n) for s in doc.segments for _, _, n in s.name_marks()}
        for s, n in doc.names:
            decision = _DECISION.get(n.decision, n.decision)
            if n.decision in ("accepted", "edited") and not n.corrected:
                decision = "kept as heard"
            rows.append([
                str(numbers[id(n)]),
                format_timestamp(n.start),
                n.heard,
                (n.spelling or "") + (" (not in the validated text: rewritten by the officer)" if n.is_name and id(n) not in marked else ""),
                decision + (f": {n.dismiss_reason}" if n.dismiss_reason else "")
                + (f" (offered as {n.offered_because})" if n.offered_because else ""),
                "; ".join(NAME_REASONS.get(r, r) for r in n.reasons),
                f"{n.decided_by} at {n.decided_at}",
            ])
        _table(d, rows, ["No.", "Time", "Machine heard", "In transcript", "Decision", "Flagged because", "By"])

    out = io.BytesIO()
    d.save(out)
    return out.getvalue()
