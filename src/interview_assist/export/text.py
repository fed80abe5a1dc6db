"""Plain text: the provenance block, the transcript, then the names the officer checked."""

from __future__ import annotations

from interview_assist.core.spans import format_timestamp
from interview_assist.core.transcript import NAME_REASONS
from interview_assist.export.document import ExportDocument, ExportSegment, NameDecision


def marked_text(segment: ExportSegment, numbers: dict[int, int]) -> str:
    """The segment's text with each checked name followed by its note number, e.g. "Kunduz[2]"."""
    out, at = [], 0
    for a, b, n in segment.name_marks():
        out.append(segment.text[at:b] + f"[{numbers[id(n)]}]")
        at = b
    return "".join(out) + segment.text[at:]


def note_numbers(doc: ExportDocument) -> dict[int, int]:
    """A note number for every name decision, in time order (keyed by object identity)."""
    return {id(n): k for k, (_, n) in enumerate(doc.names, 1)}


def describe(n: NameDecision, in_text: bool = True) -> str:
    """One line on what happened to a flagged name, for the reader of the case file.

    ``in_text`` is False for a kept name that the validated text no longer
    holds (the officer rewrote the segment after deciding on it).
    """
    why = "; ".join(NAME_REASONS.get(r, r) for r in n.reasons)
    by = f" by {n.decided_by} at {n.decided_at}" if n.decided_by else ""
    if n.decision in ("accepted", "edited") and not n.corrected:
        what = f'"{n.heard}" kept as heard'
        what += " (a suggestion with the same spelling accepted)" if n.decision == "accepted" else " (spelling entered by the officer)"
    elif n.decision in ("accepted", "edited"):
        what = f'the machine heard "{n.heard}"; corrected to "{n.spelling}"'
        what += " (a suggestion accepted)" if n.decision == "accepted" else " (spelling entered by the officer)"
    elif n.decision == "confirmed":
        what = f'"{n.heard}" confirmed as heard'
    else:
        what = f'flag on "{n.heard}" dismissed: {n.dismiss_reason}'
    gone = " Not in the validated text: the officer rewrote the segment afterwards." if n.is_name and not in_text else ""
    return f"{what}{by}.{gone} Flagged because: {why}."


def render(doc: ExportDocument) -> bytes:
    lines = ["INTERVIEW TRANSCRIPT (validated)", ""]
    lines += [f"{label}: {value}" for label, value in doc.provenance.lines()]
    lines.append("")
    for sp in doc.speakers:
        name = f" {sp.name}" if sp.name else ""
        lines.append(f"Speaker {sp.label}: {sp.role}{name}")
    if doc.speakers:
        lines.append("")
    numbers = note_numbers(doc)
    for s in doc.segments:
        overlap = " [overlapping speech]" if s.overlap else ""
        lines.append(
            f"[{format_timestamp(s.start)} - {format_timestamp(s.end)}] {s.who_and_language}{overlap}: "
            f"{marked_text(s, numbers) or '[no words]'}"
        )
    if doc.names:
        lines += ["", "NAMES CHECKED BY THE OFFICER", ""]
        marked = {id(n) for s in doc.segments for _, _, n in s.name_marks()}
        for s, n in doc.names:
            lines.append(f"[{numbers[id(n)]}] {format_timestamp(n.start)}: {describe(n, id(n) in marked)}")
    return ("\n".join(lines) + "\n").encode("utf-8")
