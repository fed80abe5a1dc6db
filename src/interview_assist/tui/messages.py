"""Messages that workers post to the review screen (small dataclasses; see STYLE.md)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from interview_assist.core.officers import OfficerKey
from interview_assist.review.playback import Played


@dataclass
class PlayFinished(Message):
    """A play is over (played to its end, stopped, or failed): the screen records it on the main thread."""

    played: Played


@dataclass
class FollowFinished(Message):
    """A segment's stretch played in follow-along is over: recorded, then follow-along goes on (or waits)."""

    played: Played
    index: int  # the segment it was played for
    run: int  # the follow-along run it belongs to (an older run's play is recorded, not followed on)


@dataclass
class Unlocked(Message):
    """The officer's key, unlocked from the passphrase typed (or why not): posted by the unlock dialog's worker."""

    key: OfficerKey | None
    problem: str | None
