"""One officer's review of one interview: the state the review screen shows, and its actions.

Headless: the TUI sits on this and imports nothing from it but data. Every
action writes through the store at once (one transaction with its audit
record), then refreshes only what it touched, so a key press stays fast on a
three-hour interview.

Two screens may be open on one interview: every action runs in the store's
concurrent-change guard (:mod:`interview_assist.store.guard`), which refuses
it if someone else changed a segment it acts on since this session read that
segment; an action on a segment nobody else changed goes through.

What the session asks of the officer's attention (the oversight policy: a
risky segment or flag is decided only once heard or with a reason; the
attention checks; plays recorded) is in :mod:`.oversight`, which this class
takes in.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from interview_assist.core.errors import InputError
from interview_assist.core.people import person_name
from interview_assist.core.spans import Span
from interview_assist.core.transcript import ROLES, Segment, Speaker, Transcript
from interview_assist.review.attention import AttentionCheck
from interview_assist.review.oversight import Oversight
from interview_assist.review.policy import OversightPolicy
from interview_assist.store import (
    Database,
    SegmentReview,
    StoredNameFlag,
    StoredQualityFlag,
    edit_segment,
    load_interview,
    merge_with_next,
    name_flags,
    quality_flags,
    resolve_name_flag,
    resolve_quality_flag,
    review_of,
    reviews,
    set_segment_speaker,
    set_speaker,
    split_before_word,
    text_problem,
    validate_segment,
)
from interview_assist.store.guard import Seen, guarded, last_record, segment_versions
from interview_assist.store.undo import Undone, undo_last, undoable


@dataclass(frozen=True, slots=True)
class SegmentView:
    index: int
    segment: Segment
    review: SegmentReview
    flags: tuple[StoredNameFlag, ...]
    role: str | None
    quality: tuple[StoredQualityFlag, ...] = ()
    # The role is the machine's proposal, which no one has confirmed yet.
    role_proposed: bool = False
    role_evidence: str = ""
    # The officer's attention: how much of the segment they played (0-1); why it needs its audio
    # (name flag, low confidence...); whether that need is met (heard enough, or a reason recorded);
    # the attention check on screen, if any.
    heard: float = 0.0
    needs_audio: tuple[str, ...] = ()
    audio_ok: bool = True
    unheard_noted: bool = False
    check: AttentionCheck | None = None
    low_probability: float = 0.5  # words below it are marked doubtful

    @property
    def open_flags(self) -> tuple[StoredNameFlag, ...]:
        """Open name flags."""
        return tuple(f for f in self.flags if f.open)

    @property
    def open_quality(self) -> tuple[StoredQualityFlag, ...]:
        return tuple(f for f in self.quality if f.open)

    @property
    def open_count(self) -> int:
        return len(self.open_flags) + len(self.open_quality)


class ReviewSession(Oversight):
    def __init__(
        self, db: Database, interview_id: int, officer: str, *, policy: OversightPolicy | None = None,
        rng: random.Random | None = None,
    ):
        self.db = db
        self.interview_id = interview_id
        self.officer = person_name(officer, "the officer's name")
        self.policy = policy if policy is not None else OversightPolicy()
        self._rng = rng if rng is not None else random.SystemRandom()
        self.checks: dict[int, AttentionCheck] = {}
        self.reload()

    def reload(self) -> None:
        """Read the whole interview again (after a split or merge renumbers segments)."""
        db, interview_id = self.db, self.interview_id
        # Versions first: a write that lands between these reads makes an action refused, never unseen.
        self._versions: list[Seen] = segment_versions(db, interview_id)
        self._loaded = last_record(db, interview_id)
        stored = load_interview(db, interview_id)
        self.transcript: Transcript = stored.transcript
        self._reviews = reviews(db, interview_id)
        self._flags: dict[int, list[StoredNameFlag]] = {}
        for f in name_flags(db, interview_id):
            self._flags.setdefault(f.flag.segment, []).append(f)
        self._quality: dict[int, list[StoredQualityFlag]] = {}
        for q in quality_flags(db, interview_id):
            self._quality.setdefault(q.segment, []).append(q)
        self._starts = [s.start for s in self.transcript.segments]
        self._load_attention()

    @contextmanager
    def _writing(self, *indices: int) -> Iterator[None]:
        """One transaction around an action on segments ``indices``, refused if someone else changed one of
        them since this session read it."""
        with guarded(self.db, self.interview_id, {i: self._versions[i] for i in indices}, self._loaded) as after:
            yield
        for i, seen in after.items():
            self._versions[i] = seen

    def row_of(self, index: int) -> int:
        """The stored row of segment ``index`` (it keeps its row when others are split or merged)."""
        return self._versions[index][0]

    def index_of_row(self, row: int) -> int | None:
        """Where the segment stored in ``row`` is now (None: merged into another)."""
        return next((i for i, (r, _) in enumerate(self._versions) if r == row), None)

    # -- reading ---------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.transcript.segments)

    def view(self, index: int) -> SegmentView:
        seg = self.transcript.segments[index]
        sp = self.transcript.speaker(seg.speaker)
        heard = self.heard(index)
        needs = self.needs_audio(index)
        noted = bool(needs) and self.noted(seg.span)
        return SegmentView(
            index, seg, self._reviews[index], tuple(self._flags.get(index, ())), sp.role if sp else None,
            tuple(self._quality.get(index, ())),
            role_proposed=sp is not None and not sp.confirmed, role_evidence=sp.evidence if sp else "",
            heard=heard, needs_audio=needs, audio_ok=not needs or heard >= self.policy.heard_share or noted,
            unheard_noted=noted, check=self.checks.get(index), low_probability=self.policy.low_word_probability,
        )

    def view_status(self, index: int) -> str:
        """The review status of segment ``index`` (draft, edited, validated), without building its view."""
        return self._reviews[index].status

    @property
    def validated(self) -> int:
        return sum(r.status == "validated" for r in self._reviews)

    @property
    def open_flags(self) -> int:
        return sum(f.open for fs in self._flags.values() for f in fs) + sum(
            q.open for qs in self._quality.values() for q in qs
        )

    def first_to_review(self) -> int:
        """Where the officer left off: the first segment not validated yet."""
        nxt = self.next_unvalidated(-1)
        return 0 if nxt is None else nxt

    def next_unvalidated(self, after: int) -> int | None:
        n = len(self)
        for k in range(1, n + 1):
            i = (after + k) % n
            if self._reviews[i].status != "validated":
                return i
        return None

    def next_flag(self, after: int) -> int | None:
        with_open = sorted(
            {i for i, fs in self._flags.items() if any(f.open for f in fs)}
            | {i for i, qs in self._quality.items() if any(q.open for q in qs)}
        )
        if not with_open:
            return None
        k = bisect.bisect_right(with_open, after)
        return with_open[k % len(with_open)]

    def at_time(self, seconds: float) -> int:
        return max(bisect.bisect_right(self._starts, seconds) - 1, 0)

    # -- actions ------------------------------------------------------------------

    def validate(self, index: int) -> SegmentReview:
        """Validate one segment: refused while a flag in it is open, while it needs its audio and was not
        heard (nor a reason recorded), and when it shows an attention check (which is then missed)."""
        v = self.view(index)
        if v.review.status == "validated":
            return v.review
        if v.open_count:
            raise InputError(f"segment {index + 1} has {v.open_count} open flag(s): resolve them before validating")
        self.require_audio(index, v.segment.span, f"segment {index + 1}")
        self.check_not_missed(index)
        oversight = {
            "heard": round(v.heard, 3), "needs_audio": list(v.needs_audio), "unheard_note": self.note_id(v.segment.span),
        }
        with self._writing(index), undoable(self.db, self.interview_id, segment=index):
            done = validate_segment(self.db, self.interview_id, index, actor=self.officer, oversight=oversight)
        return self._refresh(index, done)

    def edit(self, index: int, text: str) -> SegmentReview:
        """Replace a segment's text. On a segment showing an attention check, the check is caught when the
        wrong word is gone from ``text`` and missed when it is not (it is then not stored: see ``last_check``)."""
        if (problem := self.edit_problem(index, text)) is not None:
            raise InputError(problem)
        text = self.settle_check_by_edit(index, text)
        if " ".join(text.split()) == self._reviews[index].text:
            return self._reviews[index]
        with self._writing(index), undoable(self.db, self.interview_id, segment=index):
            done = edit_segment(self.db, self.interview_id, index, text, actor=self.officer)
        return self._refresh(index, done)

    def edit_problem(self, index: int, text: str) -> str | None:
        """Why ``text`` cannot be segment ``index``'s text (None: it can): empty, or longer than its audio holds."""
        return text_problem(index, self.transcript.segments[index].span.duration, text)

    def resolve(self, flag_id: int, decision: str, *, suggestion: int | None = None, text: str | None = None, reason: str | None = None) -> StoredNameFlag:
        flag = next((f for fs in self._flags.values() for f in fs if f.id == flag_id), None)
        if flag is not None:
            self.require_audio(flag.flag.segment, flag.flag.span, f'the name flag on segment {flag.flag.segment + 1}')
        with self._writing(*([flag.flag.segment] if flag is not None else [])), undoable(self.db, self.interview_id, flag=("name_flags", flag_id)):
            done = resolve_name_flag(
                self.db, self.interview_id, flag_id, decision, actor=self.officer, suggestion=suggestion, text=text, reason=reason
            )
        index = done.flag.segment
        self._flags[index] = [done if f.id == flag_id else f for f in self._flags[index]]
        self._refresh(index, review_of(self.db, self.interview_id, index))
        return done

    def set_segment_speaker(self, index: int, label: str) -> SegmentReview:
        with self._writing(index), undoable(self.db, self.interview_id, segment=index):
            set_segment_speaker(self.db, self.interview_id, index, label, actor=self.officer)
        seg = self.transcript.segments[index]
        segments = list(self.transcript.segments)
        segments[index] = replace(seg, speaker=label, words=tuple(replace(w, speaker=label) for w in seg.words))
        self.transcript = replace(self.transcript, segments=tuple(segments))
        return self._refresh(index, review_of(self.db, self.interview_id, index))

    def resolve_quality(self, flag_id: int, decision: str, note: str | None = None) -> None:
        q = next((q for qs in self._quality.values() for q in qs if q.id == flag_id), None)
        if q is not None:
            self.require_audio(q.segment, Span(q.start, q.end), f"the {q.kind} flag on segment {q.segment + 1}")
        with self._writing(*([q.segment] if q is not None else [])), undoable(self.db, self.interview_id, flag=("flags", flag_id)):
            resolve_quality_flag(self.db, self.interview_id, flag_id, decision, actor=self.officer, note=note)
        index = next(i for i, qs in self._quality.items() if any(q.id == flag_id for q in qs))
        self._quality[index] = [q for q in quality_flags(self.db, self.interview_id) if q.segment == index]
        self._refresh(index, review_of(self.db, self.interview_id, index))

    def merge_with_next(self, index: int) -> None:
        with self._writing(*range(index, min(index + 2, len(self)))), undoable(self.db, self.interview_id, segment=index, merge=True):
            merge_with_next(self.db, self.interview_id, index, actor=self.officer)
        self.reload()

    def split(self, index: int, word: int) -> None:
        with self._writing(index), undoable(self.db, self.interview_id, segment=index):
            split_before_word(self.db, self.interview_id, index, word, actor=self.officer)
        self.reload()

    def undo(self) -> Undone:
        """Undo this officer's last change to the interview (recorded as an action of its own)."""
        # (undo_last itself refuses when anyone changed the interview after the action it undoes)
        with self._writing():
            done = undo_last(self.db, self.interview_id, actor=self.officer)
        i = done.segment
        if done.structural or done.action == "set_segment_speaker":
            self.reload()  # renumbered segments, or a speaker's words
            return done
        self._versions[i] = segment_versions(self.db, self.interview_id)[i]  # this undo's own change
        if done.action == "resolve_name_flag":
            self._flags[i] = [f for f in name_flags(self.db, self.interview_id) if f.flag.segment == i]
        elif done.action == "resolve_flag":
            self._quality[i] = [q for q in quality_flags(self.db, self.interview_id) if q.segment == i]
        self._refresh(i, review_of(self.db, self.interview_id, i))
        return done

    def set_role(self, label: str, role: str) -> Speaker:
        """The role of one speaker, everywhere in the interview."""
        if role not in ROLES:
            raise InputError(f"unknown role {role!r} (roles: {', '.join(ROLES)})")
        with self._writing(*self.indices_of(label)):
            done = set_speaker(self.db, self.interview_id, label, actor=self.officer, role=role)
        self.transcript = replace(self.transcript, speakers=tuple(done if s.label == label else s for s in self.transcript.speakers))
        for j in self.indices_of(label):  # a new role sent the speaker's validated segments back for review
            if self._reviews[j].status == "validated":
                self._refresh(j, review_of(self.db, self.interview_id, j))
        return done

    def indices_of(self, label: str) -> list[int]:
        return [i for i, s in enumerate(self.transcript.segments) if s.speaker == label]

    def _refresh(self, index: int, review: SegmentReview) -> SegmentReview:
        self._reviews[index] = review
        return review
