"""Rich text for a segment: low-confidence words and flagged names marked inline."""

from __future__ import annotations

from rich.text import Text

from interview_assist.review.session import SegmentView

LOW_PROBABILITY = 0.5


def segment_text(view: SegmentView, word_cursor: int | None = None) -> Text:
    """The standing text; the ASR words with their marks while nobody edited it.

    ``word_cursor`` underlines the word playback would start from.
    """
    if view.review.edited_text is not None:
        return Text(view.review.edited_text, style="italic")
    flagged: dict[int, bool] = {}
    for f in view.flags:
        for j in range(f.flag.first_word, f.flag.last_word + 1):
            flagged[j] = flagged.get(j, False) or f.open
    out = Text()
    for j, w in enumerate(view.segment.words):
        style = ""
        if j in flagged:
            style = "bold reverse red" if flagged[j] else "bold green"
        elif w.probability < LOW_PROBABILITY:
            style = "underline yellow"
        if j == word_cursor:
            style = (style + " on blue").strip()
        out.append(w.text, style=style)
    if not view.segment.words:
        out.append(view.segment.text or "[no words transcribed]", style="dim")
    return _strip(out)


def _strip(text: Text) -> Text:
    lead = len(text.plain) - len(text.plain.lstrip())
    return text[lead:] if lead else text


STATE_STYLE = {"draft": "yellow", "edited": "cyan", "validated": "green"}


def state_text(view: SegmentView) -> Text:
    return Text(view.review.status, style=STATE_STYLE.get(view.review.status, ""))
