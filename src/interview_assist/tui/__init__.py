"""The review screen (Textual). The only part of interview-assist that imports Textual."""

from __future__ import annotations

from pathlib import Path

from interview_assist.review.playback import AudioSink


def make_app(db_path: Path | None, interview_id: int, officer: str, sink: AudioSink | None = None, confirm_officer: bool = True):
    """The one factory for the review app, used by the CLI and by the tests."""
    from interview_assist.tui.app import ReviewApp

    return ReviewApp(db_path, interview_id, officer, sink=sink, confirm_officer=confirm_officer)
