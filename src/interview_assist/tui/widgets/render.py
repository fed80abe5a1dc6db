"""Rich text for a segment: low-confidence words and flagged names marked inline, an attention check's word
in place; how much of it the officer heard."""

from __future__ import annotations

from rich.text import Text

from interview_assist.review.session import SegmentView


def segment_text(view: SegmentView, word_cursor: int | None = None, playing: int | None = None) -> Text:
    """The standing text; the ASR words with their marks while nobody edited it.

    ``word_cursor`` underlines the word playback would start from; ``playing``
    is the word follow-along is playing, shown in reverse video.
    """
    if view.review.edited_text is not None:
        return Text(view.review.edited_text, style="italic")
    flagged: dict[int, bool] = {}
    for f in view.flags:
        for j in range(f.flag.first_word, f.flag.last_word + 1):
            flagged[j] = flagged.get(j, False) or f.open
    out = Text()
    check = view.check  # an attention check's word is shown as the heard word would be
    for j, w in enumerate(view.segment.words):
        style = ""
        if j in flagged:
            style = "bold reverse red" if flagged[j] else "bold green"
        elif w.probability < view.low_probability:
            style = "underline yellow"
        if j == word_cursor:
            style = (style + " on blue").strip()
        if j == playing:
            style = (style + " bold reverse").strip()
        out.append(check.shown if check is not None and j == check.word else w.text, style=style)
    if not view.segment.words:
        out.append(view.segment.text or "[no words transcribed]", style="dim")
    return _strip(out)


def _strip(text: Text) -> Text:
    lead = len(text.plain) - len(text.plain.lstrip())
    return text[lead:] if lead else text


STATE_STYLE = {"draft": "yellow", "edited": "cyan", "validated": "green"}


def state_text(view: SegmentView) -> Text:
    return Text(view.review.status, style=STATE_STYLE.get(view.review.status, ""))


def heard_text(view: SegmentView) -> Text:
    """How much of the segment this officer played: "·" nothing; yellow while it needs more; green when heard."""
    if view.heard <= 0:
        return Text("·", style="yellow" if not view.audio_ok else "dim")
    style = "green" if view.audio_ok and view.needs_audio else ("yellow" if not view.audio_ok else "")
    return Text(f"{view.heard:.0%}", style=style)
