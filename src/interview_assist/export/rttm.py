"""RTTM: who spoke when, as validated (one SPEAKER line per segment).

Provenance and the roles of the speakers are ``;;`` comment lines, which
NIST's scoring tools skip.
"""

from __future__ import annotations

from interview_assist.export.document import ExportDocument


def render(doc: ExportDocument) -> bytes:
    uri = f"interview-{doc.provenance.interview_id}"
    lines = [f";; {label}: {' '.join(value.split())}" for label, value in doc.provenance.lines()]
    for sp in doc.speakers:
        lines.append(f";; speaker {sp.label}: {sp.role}" + (f" {' '.join(sp.name.split())}" if sp.name else ""))
    for s in doc.segments:
        label = s.speaker or "unknown"
        lines.append(f"SPEAKER {uri} 1 {s.start:.3f} {max(s.end - s.start, 0.0):.3f} <NA> <NA> {label} <NA> <NA>")
    return ("\n".join(lines) + "\n").encode("utf-8")
