"""Decisions on the flags of the current segment: select, accept a suggestion, spell, confirm, dismiss."""

from __future__ import annotations

from collections.abc import Callable

from interview_assist.core.spans import Span
from interview_assist.store import StoredNameFlag, StoredQualityFlag, same_name
from interview_assist.tui.dialogs import TextPrompt
from interview_assist.tui.screens.base import ReviewBase
from interview_assist.tui.widgets.detail import DetailPane

# Seconds of audio played around a name when stepping through its occurrences.
AROUND_NAME = 1.0


class FlagDecisions(ReviewBase):
    """The review screen's keys for flags (a mixin of :class:`~.review.ReviewScreen`)."""

    def _selected_flag(self) -> StoredNameFlag | None:
        """The selected name flag of this segment, or None with a message."""
        flags = DetailPane.in_order(self.session.view(self.current).flags)
        if not flags:
            self._say("this segment has no name flag")
            return None
        return flags[DetailPane.selected(flags, self.flag_id)]

    def _decide(self, flag: StoredNameFlag, action: Callable[[], object], index: int, success: str) -> None:
        """Record a decision on ``flag``, which stays selected: ] then goes to the one after it."""
        self.flag_id = flag.id
        self._run(action, index, success)

    @staticmethod
    def _was(flag: StoredNameFlag) -> str:
        """" (was: ...)" for a decision that replaces an earlier one."""
        return "" if flag.open else f" (was: {flag.status})"

    def action_select_flag(self) -> None:
        flags = DetailPane.in_order(self.session.view(self.current).flags)
        if len(flags) < 2:
            self._say("this segment has one name flag" if flags else "this segment has no name flag")
            return
        self.flag_id = flags[(DetailPane.selected(flags, self.flag_id) + 1) % len(flags)].id
        self._show_current()

    def action_next_occurrence(self) -> None:
        """Go to the next flag on the same name (heard or decided the same), select it, and play it."""
        if (flag := self._selected_flag()) is None:
            return
        every = [f for i in range(len(self.session)) for f in self.session.view(i).flags]
        others = same_name(every, flag)
        if not others:
            self._say(f'"{flag.flag.text}" is flagged nowhere else')
            return
        later = [f for f in others if (f.flag.start, f.id) > (flag.flag.start, flag.id)]
        target = (later or others)[0]
        n = sorted([flag, *others], key=lambda f: (f.flag.start, f.id)).index(target) + 1
        self.table.move_cursor(row=target.flag.segment)
        self.flag_id = target.id
        self._show_current()
        seg = self.session.view(target.flag.segment).segment
        g = target.flag
        span = Span(max(g.start - AROUND_NAME, seg.start), min(g.end + AROUND_NAME, seg.end))
        self._say(f'"{g.text}": occurrence {n} of {len(others) + 1} of this name, playing {span.start:.1f}-{span.end:.1f} s')
        self._play_worker(span, 1.0)

    def action_accept(self, n: int) -> None:
        if not self._guard() or (flag := self._selected_flag()) is None:
            return
        shown = self.query_one(DetailPane).shown_suggestions
        if shown is not None and shown < n <= len(flag.flag.suggestions[:5]):
            # Never accept what the officer cannot see (a small terminal cuts the pane).
            self._say(f"suggestion {n} is not on screen: enlarge the terminal to see it, or type the spelling with a")
            self.app.bell()
            return
        self._decide(
            flag, lambda: self.session.resolve(flag.id, "accept", suggestion=n), self.current,
            f'"{flag.flag.text}": suggestion {n} accepted' + self._was(flag),
        )

    def action_spell_name(self) -> None:
        if not self._guard() or (flag := self._selected_flag()) is None:
            return
        i = self.current
        start = flag.resolution if flag.status in ("accepted", "edited") and flag.resolution else flag.flag.text
        self._ask(
            TextPrompt(f'How is "{flag.flag.text}" written? (heard at {flag.flag.start:.1f} s)', start,
                       hint="Enter: record this spelling · Escape: cancel, nothing changes"),
            "nothing typed: the flag is unchanged",
            lambda text: self._decide(
                flag, lambda: self.session.resolve(flag.id, "edit", text=text), i,
                f'"{flag.flag.text}" spelled "{" ".join(text.split())}"' + self._was(flag),
            ),
        )

    def _ask(self, prompt: TextPrompt, blank: str, act: Callable[[str], object]) -> None:
        """Show ``prompt``: Escape does nothing, a blank answer says ``blank``, any other goes to ``act``."""

        def done(text: str | None) -> None:
            if text is None:
                return
            if not text.strip():
                self._say(blank)
                return
            act(text)

        self.app.push_screen(prompt, done)

    def _first_open_quality(self) -> StoredQualityFlag | None:
        """The quality flag c and x act on (the pane keeps it in view), or None: they act on a name flag."""
        return DetailPane.quality_target(self.session.view(self.current))

    def action_confirm_name(self) -> None:
        if not self._guard():
            return
        if (q := self._first_open_quality()) is not None:
            self._run(lambda: self.session.resolve_quality(q.id, "confirm"), self.current, f"{q.kind} flag checked against the audio")
            return
        if (flag := self._selected_flag()) is None:
            return
        self._decide(flag, lambda: self.session.resolve(flag.id, "confirm"), self.current, f'"{flag.flag.text}" confirmed as heard' + self._was(flag))

    def action_dismiss_flag(self) -> None:
        if not self._guard():
            return
        i = self.current
        blank = "dismissing a flag needs a reason: the flag is unchanged"
        if (q := self._first_open_quality()) is not None:
            self._ask(
                TextPrompt(f"Why dismiss the {q.kind} flag?", placeholder="reason (required)"), blank,
                lambda reason: self._run(lambda: self.session.resolve_quality(q.id, "dismiss", reason), i, f"{q.kind} flag dismissed"),
            )
            return
        if (flag := self._selected_flag()) is None:
            return
        self._ask(
            TextPrompt(f'Why dismiss the flag on "{flag.flag.text}"?', placeholder="reason (required), e.g. not a name"), blank,
            lambda reason: self._decide(
                flag, lambda: self.session.resolve(flag.id, "dismiss", reason=reason), i,
                f'flag on "{flag.flag.text}" dismissed' + self._was(flag),
            ),
        )
