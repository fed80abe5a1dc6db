"""JSON: every word with its times and speaker, the ASR text beside the validated text.

The layout is described by ``schema.json`` (JSON Schema 2020-12), which ships
with the package so that a receiving system can check what it gets.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from importlib import resources
from typing import Any

from interview_assist.export.document import ExportDocument

SCHEMA_ID = "interview-assist/export/1"


def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(resources.files(__package__).joinpath("schema.json").read_text("utf-8"))
    return loaded


def as_dict(doc: ExportDocument) -> dict[str, Any]:
    p = doc.provenance
    return {
        "schema": SCHEMA_ID,
        "provenance": {
            "interview_id": p.interview_id,
            "audio": {"path": p.audio_path, "sha256": p.audio_sha256, "duration": p.duration},
            "transcribed_at": p.transcribed_at,
            "models": [{"name": m.name, "sha256": m.sha256} for m in p.models],
            "settings": p.settings,
            "validated_by": list(p.officers),
            "first_validated_at": p.first_validated_at,
            "last_validated_at": p.last_validated_at,
            "exported_by": p.exported_by,
            "exported_at": p.exported_at,
            "audit_head": p.audit_head,
            "tool": p.tool,
        },
        "speakers": [
            {"label": sp.label, "role": sp.role, "name": sp.name, "confirmed": sp.confirmed} for sp in doc.speakers
        ],
        "segments": [
            {
                "index": s.index,
                "start": s.start,
                "end": s.end,
                "speaker": s.speaker,
                "role": s.role,
                "speaker_name": s.speaker_name,
                "language": s.language,
                "language_probability": s.language_probability,
                "overlap": s.overlap,
                "text": s.text,
                "asr_text": s.asr_text,
                "edited": s.edited,
                "validated_by": s.validated_by,
                "validated_at": s.validated_at,
                "words": [
                    {
                        "start": w.start, "end": w.end, "text": w.text, "probability": w.probability,
                        "speaker": w.speaker, "overlap": w.overlap,
                    }
                    for w in s.words
                ],
                "names": [{**asdict(n), "reasons": list(n.reasons)} for n in s.names],
                "quality_flags": [asdict(q) for q in s.quality],
            }
            for s in doc.segments
        ],
    }


def render(doc: ExportDocument) -> bytes:
    return (json.dumps(as_dict(doc), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
