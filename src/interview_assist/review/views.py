"""Plain-text and JSON views of a stored interview (used by ``show``)."""

from __future__ import annotations

from typing import Any

from interview_assist.core.spans import format_timestamp
from interview_assist.core.transcript import NAME_REASONS, NameFlag
from interview_assist.store import ExportRecord, SegmentReview, StoredInterview


def interview_dict(stored: StoredInterview, reviews: list[SegmentReview] | None = None) -> dict[str, Any]:
    t = stored.transcript
    flags_by_segment: dict[int, list[dict[str, Any]]] = {}
    for f in t.flags:
        flags_by_segment.setdefault(f.segment, []).append(
            {"kind": f.kind, "reason": f.reason, "start": f.start, "end": f.end}
        )
    names_by_segment: dict[int, list[dict[str, Any]]] = {}
    for nf in t.name_flags:
        names_by_segment.setdefault(nf.segment, []).append(name_flag_dict(nf))
    speakers = {sp.label: sp for sp in t.speakers}

    def who(label: str | None) -> dict[str, Any]:
        sp = speakers.get(label) if label else None
        return {"speaker": label, "role": sp.role if sp else None, "speaker_name": sp.name if sp else None}

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
        "speakers": [
            {
                "label": sp.label,
                "role": sp.role,
                "name": sp.name,
                "confirmed": sp.confirmed,
                "proposed_role": sp.proposed_role,
                "evidence": sp.evidence,
                "speaking_time": sp.speaking_time,
            }
            for sp in t.speakers
        ],
        "speaker_turns": [
            {"start": u.start, "end": u.end, "speaker": u.speaker}
            for u in (t.diarization.turns if t.diarization else ())
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
                **who(s.speaker),
                "overlap": s.overlap,
                "words": [
                    {
                        "start": w.start,
                        "end": w.end,
                        "text": w.text,
                        "probability": w.probability,
                        **who(w.speaker),
                        "overlap": w.overlap,
                    }
                    for w in s.words
                ],
                "flags": flags_by_segment.get(i, []),
                "name_flags": names_by_segment.get(i, []),
                **({"review": _review_dict(reviews[i])} if reviews else {}),
            }
            for i, s in enumerate(t.segments)
        ],
        "glossary": [{"term": e.term, "kind": e.kind} for e in t.glossary],
    }


def _review_dict(r: SegmentReview) -> dict[str, Any]:
    return {
        "status": r.status,
        "text": r.text,
        "edited": r.edited_text is not None,
        "validated_by": r.validated_by,
        "validated_at": r.validated_at,
        "open_flags": r.open_flags,
    }


def name_flag_dict(f: NameFlag) -> dict[str, Any]:
    return {
        "segment": f.segment,
        "first_word": f.first_word,
        "last_word": f.last_word,
        "start": f.start,
        "end": f.end,
        "text": f.text,
        "reasons": list(f.reasons),
        "explanations": [NAME_REASONS.get(r, r) for r in f.reasons],
        "suggestions": [
            {"text": s.text, "score": s.score, "source": s.source, "detail": s.detail, "variants": list(s.variants),
             "reason": s.reason}
            for s in f.suggestions
        ],
    }


def review_state(reviews: list[SegmentReview] | None, exported: ExportRecord | None = None) -> str:
    """Where the review stands, in words: a draft (how far along), ready to export, or exported."""
    if not reviews:
        return "DRAFT · machine draft, not validated"
    done = sum(r.status == "validated" for r in reviews)
    open_flags = sum(r.open_flags for r in reviews)
    if done < len(reviews) or open_flags:
        flags = f" · {open_flags} open flag{'s' if open_flags != 1 else ''}" if open_flags else ""
        return f"DRAFT · {done} of {len(reviews)} segments validated by an officer{flags}"
    if exported is not None:
        return (f"EXPORTED · all {len(reviews)} segments validated; exported ({exported.format}) "
                f"{exported.at[:16].replace('T', ' ')} UTC by {exported.actor}, unchanged since")
    return f"VALIDATED · all {len(reviews)} segments validated by an officer, ready to export"


def interview_text(stored: StoredInterview, reviews: list[SegmentReview] | None = None, exported: ExportRecord | None = None) -> str:
    t = stored.transcript
    lines = [
        f"Interview {stored.id} · {review_state(reviews, exported)}",
        f"Audio: {t.audio_path} · {format_timestamp(t.duration)} · sha256 {t.audio_sha256}",
        f"Model: {t.model.name} · sha256 {t.model.sha256}",
        f"Languages: {', '.join(l for l in t.languages if l) or '-'} · Flags: {len(t.flags)} · "
        f"Name flags: {len(t.name_flags)}",
    ]
    for sp in t.speakers:
        state = "confirmed" if sp.confirmed else f"proposed: {sp.evidence}"
        name = f" {sp.name}" if sp.name else ""
        lines.append(f"Speaker {sp.label}: {sp.role}{name} ({state})")
    lines.append("")
    speakers = {sp.label: sp for sp in t.speakers}
    flags_by_segment: dict[int, list[str]] = {}
    for f in t.flags:
        flags_by_segment.setdefault(f.segment, []).append(f"{f.kind}: {f.reason}")
    for nf in t.name_flags:
        first = nf.suggestions[0].text if nf.suggestions else None
        hint = f" (suggestion: {first})" if first and first != nf.text else ""
        flags_by_segment.setdefault(nf.segment, []).append(
            f"name: \"{nf.text}\" - {NAME_REASONS.get(nf.reasons[0], nf.reasons[0])}{hint}"
        )
    for i, s in enumerate(t.segments):
        lang = f"({s.language}) " if s.language else ""
        text = s.text or "[no words transcribed]"
        state = ""
        if reviews:
            r = reviews[i]
            text = r.text or text
            state = {"validated": f" ✓ {r.validated_by}", "edited": " ✎ edited"}.get(r.status, "")
        speaker = speakers.get(s.speaker) if s.speaker else None
        who = f"{speaker.role} ({speaker.label})" if speaker else (s.speaker or "")
        who = f"{who}{' ⇄ overlap' if s.overlap else ''}: " if who else ""
        lines.append(f"[{format_timestamp(s.start)} → {format_timestamp(s.end)}]{state} {who}{lang}{text}")
        for note in flags_by_segment.get(i, []):
            lines.append(f"    ⚑ {note}")
    return "\n".join(lines) + "\n"
