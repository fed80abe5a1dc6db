"""Changes to who speaks and to the segments themselves: speaker, role, merge, split."""

from __future__ import annotations

from interview_assist.tui.dialogs import TextPrompt
from interview_assist.tui.screens.base import ReviewBase


class StructureEdits(ReviewBase):
    """The review screen's keys for speakers and segment structure (a mixin of :class:`~.review.ReviewScreen`)."""

    def action_set_speaker(self) -> None:
        if not self._guard():
            return
        i = self.current
        labels = ", ".join(f"{sp.label} ({sp.role})" for sp in self.session.transcript.speakers) or "none: not diarized"
        current = self.session.view(i).segment.speaker or ""

        def done(label: str | None) -> None:
            if label and label.strip() != current:
                self._run(lambda: self.session.set_segment_speaker(i, label.strip().upper()), i, f"segment {i + 1} now {label.strip().upper()}")

        self.app.push_screen(TextPrompt(f"Speaker of segment {i + 1} ({labels})", current), done)

    def action_set_role(self) -> None:
        if not self._guard():
            return
        v = self.session.view(self.current)
        label, before = v.segment.speaker, v.role
        if not label:
            self._say("this segment has no speaker")
            return

        def done(role: str | None) -> None:
            if not role or not self._attempt(lambda: self.session.set_role(label, role.strip().lower())):
                return
            role_ = role.strip().lower()
            for j in self.session.indices_of(label):
                self.table.refresh_segment(j)
            self._show_current()
            same = [sp.label for sp in self.session.transcript.speakers if sp.role == role_ and sp.label != label and role_ != "other"]
            done_ = f"{label} confirmed as {role_}" if role_ == before else f"{label} is now {role_}"
            self._say(f"{done_} everywhere" + (f" (so is {', '.join(same)}: check)" if same else ""))

        # Prefilled with the current role: Enter confirms a proposed one.
        self.app.push_screen(TextPrompt(f"Role of {label} everywhere (officer, interpreter, applicant, other)", before or ""), done)

    def action_merge(self) -> None:
        if not self._guard():
            return
        i = self.current
        if not self._attempt(lambda: self.session.merge_with_next(i)):
            return
        self.table.rebuild(i)
        self._show_current()
        self.review_app.freeze_loaded()
        self._say(f"segments {i + 1} and {i + 2} merged")

    def action_split(self) -> None:
        if not self._guard():
            return
        i = self.current
        # As the screen shows them: an attention check's word is not given away here either.
        listing = " ".join(f"{k}:{w.strip()}" for k, w in enumerate(self.session.shown_words(i)[:40], 1))

        def done(answer: str | None) -> None:
            if not answer:
                return
            try:
                k = int(answer.strip())
            except ValueError:
                self._say(f"not a word number: {answer!r}")
                return
            if not self._attempt(lambda: self.session.split(i, k - 1)):
                return
            self.table.rebuild(i)
            self._show_current()
            self.review_app.freeze_loaded()
            self._say(f"segment {i + 1} split before word {k}")

        self.app.push_screen(TextPrompt(f"Split segment {i + 1} before word number: {listing}"), done)
