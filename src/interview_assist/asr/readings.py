"""What the decoder read from one clip, and the bounds it is judged by.

:class:`Reading` is one clip's reading (:meth:`interview_assist.asr.transcriber.Transcriber.decode`);
:func:`most_tokens` is the most text a clip's length may hold, and :func:`said` the text of a
reading judged for a loop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from interview_assist.asr.hallucination import LOOP_COMPRESSION_RATIO
from interview_assist.core.transcript import Segment

# The most text a reading may hold: this many tokens, plus so many per second
# of its clip (the speech, not the silence after it). Fast speech is 4-5
# words a second, under 10 tokens even in scripts that take 2-3 tokens a
# word; a reading that runs past this is not transcribing speech but running
# on (a loop), and is stopped there and read again (Transcriber.decode,
# Reading.cut_off). Without it, one looping clip kept its whole batch of 8
# decoding to 224 tokens. Counted on the window (the 4 s of silence after a
# 1.9 s reply included), a looping reply ran to 121 tokens, and its batch
# took 4.0 s instead of about 1 s. Known limit: a few scripts take far more
# tokens a word (Georgian, Bengali, Amharic: 10-16, by whisper's tokenizer),
# so their turns of about 3 s and more reach the cap and are read again by
# the sequential decoder, which doubles their time; counted on the window,
# it was their turns of 3-5 s and more. A rate by language would mend it;
# no audio in those languages is here to measure it with.
READING_BASE_TOKENS = 32
READING_TOKENS_PER_SECOND = 15


@dataclass(frozen=True, slots=True)
class Reading:
    """A clip as the decoder read it: its segments (seconds from the clip's start);
    whether the reading reached the most text the clip's length can hold
    (:data:`READING_TOKENS_PER_SECOND`; it is stopped there, or, in a batch
    with a longer clip, runs on with it): it was running on, as a loop does; and
    whether its text is ``repetitive`` (:func:`is_repetitive`), which a
    segment alone may not be: the same sentence written again, each copy a
    segment of its own (segments written after the clip's end do not count:
    they are dropped when the reading is placed; :func:`said`). (faster-whisper's
    sequential decoder tests a window's whole text; its batched one, each
    segment's.)"""

    segments: list[Segment]
    cut_off: bool = False
    repetitive: bool = False

    @property
    def runs_on(self) -> bool:
        """Whether the reading ran on: stopped as it did, or a segment of it repetitive."""
        return self.cut_off or any((s.compression_ratio or 0.0) > LOOP_COMPRESSION_RATIO for s in self.segments)

    @property
    def looping(self) -> bool:
        """Whether the reading loops: it ran on, or its text is repetitive (a sentence written again)."""
        return self.runs_on or self.repetitive


def said(segments: list[dict[str, Any]], seconds: float) -> str:
    """The text of a reading (faster-whisper's segments, with words) to judge for a loop.

    The decoder can write its sentence again in the silence after a clip (copies timed at
    the clip's end or after it, segments of their own); those words are dropped when the
    reading is placed, so they do not make it a loop to be read again: the text is that of
    the segments that start within the clip of ``seconds``. Where a segment has words on
    both sides of the end (a copy begun inside the clip), its first words would be kept,
    so the whole text is judged, as it was.
    """
    def inside(seg: dict[str, Any]) -> bool:
        return bool((seg["words"][0] if seg.get("words") else seg)["start"] < seconds)

    cut = any(bool(seg.get("words")) and seg["words"][0]["start"] < seconds <= seg["words"][-1]["start"] for seg in segments)
    return "".join(seg["text"] for seg in segments if cut or inside(seg))


def most_tokens(seconds: float) -> int:
    """The most tokens a reading of a clip of ``seconds`` may hold (:data:`READING_TOKENS_PER_SECOND`)."""
    return READING_BASE_TOKENS + math.ceil(READING_TOKENS_PER_SECOND * seconds)
