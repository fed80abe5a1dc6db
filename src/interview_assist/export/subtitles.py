"""SubRip (.srt) and WebVTT (.vtt): one cue per validated segment, the speaker first.

The speaker comes with the segment's language, as in the other formats:
"Officer (S1) (fr): ..." in SubRip, the voice ``<v Officer (S1) (fr)>`` in
WebVTT, whose cue text is also marked ``<lang fr>`` for players and screen
readers.

WebVTT carries the provenance block as a NOTE. SubRip has no comments, so
the provenance is its first cue, of zero length at 0:00, which players do
not show and parsers keep.
"""

from __future__ import annotations

import re

from interview_assist.export.document import ExportDocument, ExportSegment

# A language tag WebVTT's <lang> takes as it is (BCP 47 shape: "fr", "zh-Hant").
_TAG = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")


def _clock(seconds: float, sep: str) -> str:
    millis = int(round(seconds * 1000))
    h, millis = divmod(millis, 3_600_000)
    m, millis = divmod(millis, 60_000)
    s, millis = divmod(millis, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{millis:03d}"


def _one_line(text: str) -> str:
    # A blank line would end the cue early; "-->" would start a new one.
    return " ".join(text.split()).replace("-->", "->")


def render_srt(doc: ExportDocument) -> bytes:
    blocks = [
        "1\n00:00:00,000 --> 00:00:00,000\n"
        + "\n".join(_one_line(f"{label}: {value}") for label, value in doc.provenance.lines())
    ]
    for n, s in enumerate(doc.segments, 2):
        blocks.append(
            f"{n}\n{_clock(s.start, ',')} --> {_clock(max(s.end, s.start + 0.001), ',')}\n"
            f"{_one_line(s.who_and_language)}: {_one_line(s.text) or '[no words]'}"
        )
    return ("\n\n".join(blocks) + "\n").encode("utf-8")


def _vtt_escape(text: str) -> str:
    return _one_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _vtt_text(s: ExportSegment) -> str:
    text = _vtt_escape(s.text) or "[no words]"
    return f"<lang {s.language}>{text}</lang>" if _TAG.fullmatch(s.language or "") else text


def render_vtt(doc: ExportDocument) -> bytes:
    note = "\n".join(_one_line(f"{label}: {value}") for label, value in doc.provenance.lines())
    blocks = ["WEBVTT - interview transcript, validated", "NOTE provenance\n" + note]
    for s in doc.segments:
        voice = _vtt_escape(s.who_and_language).replace(">", "")
        blocks.append(
            f"segment-{s.index + 1}\n{_clock(s.start, '.')} --> {_clock(max(s.end, s.start + 0.001), '.')}\n"
            f"<v {voice}>{_vtt_text(s)}</v>"
        )
    return ("\n\n".join(blocks) + "\n").encode("utf-8")
