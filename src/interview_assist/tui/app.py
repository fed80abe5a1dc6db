"""The review app: holds the store, the officer's session and the player, and shows the review screen.

The screen and its keys are in :mod:`.screens.review`; the dialogs in
:mod:`.dialogs`.
"""

from __future__ import annotations

import gc
import random
from pathlib import Path

from textual.app import App

from interview_assist.core.errors import InterviewAssistError
from interview_assist.core.officers import OfficerKey, unlock
from interview_assist.review.playback import AudioSink, Player, default_sink
from interview_assist.review.policy import OversightPolicy
from interview_assist.review.session import ReviewSession
from interview_assist.store import Database
from interview_assist.store.keys import KeySource
from interview_assist.store.officers import check_officer
from interview_assist.tui.dialogs import OfficerUnlock
from interview_assist.tui.screens.review import ReviewScreen, parse_time
from interview_assist.tui.widgets.segment_table import SegmentTable

__all__ = ["ReviewApp", "parse_time"]


class ReviewApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "interview-assist review"
    ENABLE_COMMAND_PALETTE = False  # not used; its Ctrl-P plays from a word in the editor

    def __init__(
        self, db_path: Path | None, interview_id: int, officer: str, *, sink: AudioSink | None = None,
        confirm_officer: bool = True, policy: OversightPolicy | None = None, rng: random.Random | None = None,
        key: KeySource | None = None,
    ):
        super().__init__()
        self.db = Database(db_path, key=key)
        self.session = ReviewSession(self.db, interview_id, officer, policy=policy, rng=rng)
        # Before the screen is drawn: a check's word is there from the first frame, never seen to appear.
        self.session.place_checks()
        t = self.session.transcript
        self.player = Player(t.audio_path, sink if sink is not None else default_sink(), sha256=t.audio_sha256)
        self.confirmed = not confirm_officer

    def get_default_screen(self) -> ReviewScreen:
        self.review = ReviewScreen()
        return self.review

    def on_mount(self) -> None:
        self.sub_title = f"interview {self.session.interview_id} · officer {self.session.officer}"
        self.freeze_loaded()
        if not self.confirmed:
            officer = self.session.officer
            self.push_screen(
                OfficerUnlock(officer, f"interview {self.session.interview_id}", lambda p: unlock(officer, p), self._accept_key),
                self._officer_answered,
            )
        else:
            self.review._attempt(self.session.start)

    def _accept_key(self, key: OfficerKey) -> None:
        """The unlocked key, for this session's records, if it is the one the store registered for the officer."""
        self.db.officers.add(key)
        try:
            check_officer(self.db, key.name)
        except InterviewAssistError:
            self.db.officers.unlocked.pop(key.name, None)
            raise

    def _officer_answered(self, key: OfficerKey | None) -> None:
        if key is not None:
            self.confirmed = True
            if self.review._attempt(self.session.start):  # the session and its policy, in the audit log
                self.review._say(f"reviewing as {self.session.officer}")
        else:
            self.exit(return_code=1)

    def on_unmount(self) -> None:
        for played in self.player.close():  # a play cut short by quitting is recorded with what was heard
            try:
                self.session.record_play(played)
            except InterviewAssistError:
                pass
        self.db.close()
        gc.unfreeze()

    @staticmethod
    def freeze_loaded() -> None:
        """Keep the loaded interview out of the cyclic garbage collector's full passes.

        With 2,500 segments the process holds about 150,000 long-lived objects;
        a full pass over them took 35 ms (more in a bigger heap) and fell at
        random on a key press. Reference counting still frees them.
        """
        gc.freeze()

    # What the review screen shows, for whoever drives the app (tests, Pilot).

    @property
    def table(self) -> SegmentTable:
        return self.review.table

    @property
    def current(self) -> int:
        return self.review.current
