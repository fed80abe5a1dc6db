"""The officer's attention in a review session: what they heard, why they did not, the attention checks.

A mixin of :class:`~interview_assist.review.session.ReviewSession` (which
holds the interview, the policy and the officer). It

- records every play (:meth:`Oversight.record_play`) and keeps the union of
  what this officer heard, from this session and earlier ones;
- says which segments need their audio (:meth:`Oversight.needs_audio`: a
  name flag, a loop/gap/language... flag, low confidence) and refuses to
  decide one that was not heard, at least ``policy.heard_share`` of it,
  unless the officer recorded why (:meth:`Oversight.note_unheard`);
- places the attention checks (:meth:`Oversight.place_checks`) and settles
  them: missed on a validation, caught or missed on an edit.

Plays, checks and notes are observations: they are written without the
concurrent-change guard (they change nothing another screen shows).
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from interview_assist.core.errors import AttentionCheckMissed, NotHeard
from interview_assist.core.spans import Span
from interview_assist.review import attention
from interview_assist.review.attention import AttentionCheck
from interview_assist.review.heard import QUALITY_NAMES, HeardSpans, covers
from interview_assist.review.playback import Played
from interview_assist.review.policy import OversightPolicy
from interview_assist.store.oversight import UnheardNote, note_unheard, open_review, plays, record_check, record_play, unheard_notes

if TYPE_CHECKING:
    from interview_assist.core.transcript import Transcript
    from interview_assist.store import Database, SegmentReview, StoredNameFlag, StoredQualityFlag


@dataclass(frozen=True, slots=True)
class CheckResult:
    """How an attention check ended, for the screen to say (the words stay out of errors and logs)."""

    check: AttentionCheck
    outcome: str  # caught | missed


class Oversight:
    # Provided by ReviewSession:
    db: Database
    interview_id: int
    officer: str
    policy: OversightPolicy
    transcript: Transcript
    checks: dict[int, AttentionCheck]
    _rng: random.Random
    _reviews: list[SegmentReview]
    _flags: dict[int, list[StoredNameFlag]]
    _quality: dict[int, list[StoredQualityFlag]]
    _starts: list[float]

    last_check: CheckResult | None = None

    def _load_attention(self) -> None:
        """What this officer heard and noted so far; the attention checks of segments that still stand."""
        self._heard = HeardSpans(Span(*p.heard) for p in plays(self.db, self.interview_id, self.officer) if p.heard)
        self._notes: list[UnheardNote] = unheard_notes(self.db, self.interview_id, self.officer)
        kept: dict[int, AttentionCheck] = {}
        for check in self.checks.values():  # segments were renumbered (a split, a merge, another screen's change)
            i = bisect.bisect_left(self._starts, check.start)
            if i < len(self._starts) and self._eligible(i):
                seg = self.transcript.segments[i]
                if (seg.start, seg.end) == (check.start, check.end) and check.word < len(seg.words) \
                        and seg.words[check.word].text == check.heard:
                    kept[i] = AttentionCheck(i, check.word, check.start, check.end, check.heard, check.shown)
        self.checks = kept

    def start(self) -> None:
        """The officer confirmed who they are: record the session and the policy it runs under."""
        open_review(self.db, self.interview_id, actor=self.officer, policy=self.policy.as_dict())

    # -- heard -------------------------------------------------------------------------

    def heard(self, index: int) -> float:
        """The share of segment ``index`` this officer played (0-1)."""
        return self._heard.coverage(self.transcript.segments[index].span)

    def needs_audio(self, index: int) -> tuple[str, ...]:
        """Why segment ``index`` cannot be decided unheard: its flags, its low confidence; () when it can."""
        reasons: list[str] = ["name flag"] if self._flags.get(index) else []
        for q in self._quality.get(index, ()):
            name = QUALITY_NAMES.get(q.kind, f"{q.kind} flag")
            if name not in reasons:
                reasons.append(name)
        words = self.transcript.segments[index].words
        if words:
            doubtful = sum(w.probability < self.policy.low_word_probability for w in words)
            if doubtful / len(words) >= self.policy.low_confidence_share:
                reasons.append("low confidence")
        return tuple(reasons)

    def noted(self, span: Span) -> bool:
        return self.note_id(span) is not None

    def note_id(self, span: Span) -> int | None:
        """The officer's note on why ``span`` is decided unheard, if one covers it."""
        for n in reversed(self._notes):
            if covers(Span(n.start, n.end), span, self.policy.heard_share):
                return n.id
        return None

    def require_audio(self, index: int, span: Span, what: str) -> None:
        """Refuse (:class:`NotHeard`) to decide ``span`` of a risky segment before it was heard, or noted."""
        reasons = self.needs_audio(index)
        if not reasons:
            return
        seg = self.transcript.segments[index].span
        if seg.overlap(span) > 0:  # what `p` plays: a flag's span is heard within its segment's
            span = Span(max(span.start, seg.start), min(span.end, seg.end))
        heard = self._heard.coverage(span)
        if heard >= self.policy.heard_share or self.noted(span):
            return
        raise NotHeard(
            f"{what} needs its audio ({', '.join(reasons)}): {heard:.0%} of it heard, {self.policy.heard_share:.0%} "
            "needed; play it (p), or record why not (h)"
        )

    def record_play(self, played: Played) -> list[int]:
        """Record one play; the indexes of the segments whose heard share it changed."""
        record_play(
            self.db, self.interview_id, actor=self.officer, start=played.span.start, end=played.span.end,
            speed=played.speed, outcome=played.outcome,
            heard=(played.heard.start, played.heard.end) if played.heard else None, seconds=played.seconds,
            reason=played.reason,
        )
        if played.heard is None:
            return []
        self._heard.add(played.heard)
        first = max(bisect.bisect_right(self._starts, played.heard.start) - 1, 0)
        touched = []
        for i in range(first, len(self.transcript.segments)):
            span = self.transcript.segments[i].span
            if span.start > played.heard.end:
                break
            if span.overlap(played.heard) > 0 or (span.duration == 0 and played.heard.start <= span.start):
                touched.append(i)
        return touched

    def note_unheard(self, index: int, reason: str) -> UnheardNote:
        """Record why the officer decides segment ``index`` without hearing it."""
        seg = self.transcript.segments[index]
        note = note_unheard(self.db, self.interview_id, actor=self.officer, segment=index, start=seg.start, end=seg.end, reason=reason)
        self._notes.append(note)
        return note

    # -- attention checks --------------------------------------------------------------------

    def _eligible(self, index: int) -> bool:
        r = self._reviews[index]
        return r.status != "validated" and r.edited_text is None and not self._flags.get(index) and not self._quality.get(index)

    def place_checks(self) -> int:
        """Put the attention checks of this session on the screen (once); how many were placed."""
        rate = self.policy.attention_rate
        if rate <= 0 or self.checks:
            return len(self.checks)
        taken = attention.vocabulary(
            [s.text for s in self.transcript.segments] + [r.edited_text for r in self._reviews if r.edited_text]
        )
        for i, seg in enumerate(self.transcript.segments):
            if not self._eligible(i) or self._rng.random() >= 1.0 / rate:
                continue
            words = [(w.text, w.probability) for w in seg.words]
            check = attention.place(i, seg.start, seg.end, words, seg.language, taken, self._rng, self.policy.low_word_probability)
            if check is not None:
                self.checks[i] = check
                taken.add(check.decoy.casefold())
        return len(self.checks)

    def shown_words(self, index: int) -> list[str]:
        """The segment's words as the screen shows them (with its attention check's word)."""
        check = self.checks.get(index)
        return [check.shown if check is not None and j == check.word else w.text
                for j, w in enumerate(self.transcript.segments[index].words)]

    def display_text(self, index: int) -> str:
        """The segment's text as the screen shows it (with its attention check's word)."""
        check = self.checks.get(index)
        if check is None:
            return self._reviews[index].text
        return "".join(self.shown_words(index)).strip()

    def _settle(self, check: AttentionCheck, outcome: str, via: str) -> None:
        del self.checks[check.segment]
        self.last_check = CheckResult(check, outcome)
        record_check(
            self.db, self.interview_id, actor=self.officer, segment=check.segment, word=check.word, outcome=outcome,
            start=check.start, end=check.end, via=via,
        )

    def check_not_missed(self, index: int) -> None:
        """A validation of a segment that shows an attention check misses it: recorded, and refused."""
        self.last_check = None
        check = self.checks.get(index)
        if check is not None:
            self._settle(check, "missed", "validate")
            raise AttentionCheckMissed(
                f"attention check missed on segment {index + 1}: it showed a deliberately wrong word and was validated "
                "as shown; it is not validated: read it again"
            )

    def settle_check_by_edit(self, index: int, text: str) -> str:
        """The text to store for an edit: an attention check on the segment is caught or missed, and its word
        never stored. The screen compares an unchanged text before calling this (nothing is decided then)."""
        self.last_check = None
        check = self.checks.get(index)
        if check is None or not text.strip():
            return text
        outcome, text = attention.outcome_of_edit(check, text)
        self._settle(check, outcome, "edit")
        return text
