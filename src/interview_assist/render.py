"""Plain-text and JSON views of a stored interview (used by ``show``)."""

from __future__ import annotations

from typing import Any

from .spans import format_timestamp
from .store import StoredInterview


def interview_dict(stored: StoredInterview) -> dict[str, Any]:
    t = stored.transcript
    flags_by_segment: dict[int, list[dict[str, Any]]] = {}
    for f in t.flags:
        flags_by_segment.setdefault(f.segment, []).append(
            {"kind": f.kind, "reason": f.reason, "start": f.start, "end": f.end}
        )
    return {
        "id": stored.id,
        "status": stored.status,
        "created_at": stored.created_at,
        "audio": {"path": t.audio_path, "sha256": t.audio_sha256, "duration": t.duration},
        "model": {"name": t.model.name, "sha256": t.model.sha256},
        "languages": t.languages,
        "settings": t.settings,
        "denoise": [
            {"start": d.start, "end": d.end, "applied": d.applied, "reason": d.reason} for d in t.denoise
        ],
        "segments": [
            {
                "index": i,
                "start": s.start,
                "end": s.end,
                "text": s.text,
                "language": s.language,
                "language_probability": s.language_probability,
                "avg_logprob": s.avg_logprob,
                "words": [
                    {"start": w.start, "end": w.end, "text": w.text, "probability": w.probability}
                    for w in s.words
                ],
                "flags": flags_by_segment.get(i, []),
            }
            for i, s in enumerate(t.segments)
        ],
    }


def interview_text(stored: StoredInterview) -> str:
    t = stored.transcript
    lines = [
        f"Interview {stored.id} · {stored.status.upper()} (machine draft, not validated)",
        f"Audio: {t.audio_path} · {format_timestamp(t.duration)} · sha256 {t.audio_sha256}",
        f"Model: {t.model.name} · sha256 {t.model.sha256}",
        f"Languages: {', '.join(l for l in t.languages if l) or '-'} · Flags: {len(t.flags)}",
        "",
    ]
    flags_by_segment: dict[int, list[str]] = {}
    for f in t.flags:
        flags_by_segment.setdefault(f.segment, []).append(f"{f.kind}: {f.reason}")
    for i, s in enumerate(t.segments):
        lang = f"({s.language}) " if s.language else ""
        text = s.text or "[no words transcribed]"
        lines.append(f"[{format_timestamp(s.start)} → {format_timestamp(s.end)}] {lang}{text}")
        for note in flags_by_segment.get(i, []):
            lines.append(f"    ⚑ {note}")
    return "\n".join(lines) + "\n"
