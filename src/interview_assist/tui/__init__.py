"""The review screen (Textual). The only part of interview-assist that imports Textual."""

from __future__ import annotations

import random
from pathlib import Path

from interview_assist.review.playback import AudioSink
from interview_assist.review.policy import OversightPolicy
from interview_assist.store.keys import KeySource


def make_app(
    db_path: Path | None, interview_id: int, officer: str, sink: AudioSink | None = None, confirm_officer: bool = True,
    policy: OversightPolicy | None = None, rng: random.Random | None = None, key: KeySource | None = None,
):
    """The one factory for the review app, used by the CLI and by the tests.

    ``policy``: the oversight policy (default: ``OversightPolicy()``); ``rng``
    draws the attention checks (default: the system's random source, so that
    nobody can predict them); ``key``: where the store's key comes from
    (default: the environment, then the default key file).
    """
    from interview_assist.tui.app import ReviewApp

    return ReviewApp(
        db_path, interview_id, officer, sink=sink, confirm_officer=confirm_officer, policy=policy, rng=rng, key=key
    )
