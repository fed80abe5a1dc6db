"""The report's figures on human oversight: what each officer heard, their attention checks, their pace.

All of it is read from the audit log (times and numbers only):

- heard coverage of a segment: the share of its audio the validating officer
  had played when they validated it (recorded in the validation);
- attention checks: caught and missed, per officer; the catch rate is caught
  over caught + missed;
- pace: per officer, review time (as for the reviewers table: the pauses
  between their actions, breaks of ``IDLE_SECONDS`` or more left out, plays
  and checks counted as actions) against the audio of the segments they
  validated; for each validation, the seconds since the officer's previous
  validation (or the start of their session), a break counting as unknown;
  the validations that came sooner than their segment lasts;
- pace warnings, under the policy the officer's latest session recorded (the
  defaults when none was: a review before sessions were recorded): review
  time below ``min_review_ratio`` × the audio validated (reading alone takes
  about 0.6 × the time the words take to say), or more than
  ``max_fast_share`` of the timed validations sooner than their segment
  lasts (those segments cannot have been listened to in full); only from
  ``min_validations`` validations. A warning, never a block.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from interview_assist.core.spans import format_timestamp
from interview_assist.report.timing import IDLE_SECONDS, parse_time, review_time
from interview_assist.review.policy import OversightPolicy
from interview_assist.store.audit import OBSERVATIONS
from interview_assist.store.integrity import AuditRecord, standing_validations

DECISIONS = frozenset({
    "validate_segment", "edit_segment", "resolve_name_flag", "resolve_flag", "set_segment_speaker",
    "set_speaker", "merge_segments", "split_segment", "undo",
})


@dataclass(frozen=True, slots=True)
class TimedValidation:
    segment: int
    start: float | None  # the segment's span when it was validated (None: recorded before spans were)
    duration: float | None
    spent: float | None  # seconds since the officer's previous validation or session start (None: unknown, a break)
    heard: float | None  # share of the segment the officer had played (None: not recorded)
    needed_audio: bool
    noted: bool  # decided unheard, with a reason recorded

    @property
    def fast(self) -> bool:
        return self.spent is not None and self.duration is not None and self.spent < self.duration


@dataclass(frozen=True, slots=True)
class OfficerOversight:
    name: str
    policy: OversightPolicy
    policy_recorded: bool
    sessions: int
    validations: tuple[TimedValidation, ...]
    review_seconds: float
    plays: int
    failed_plays: int
    played_seconds: float
    caught: int
    missed: int
    notes: int
    warnings: tuple[str, ...]

    @property
    def validated_seconds(self) -> float:
        return sum(v.duration or 0.0 for v in self.validations)

    @property
    def review_ratio(self) -> float | None:
        return self.review_seconds / self.validated_seconds if self.validated_seconds else None

    @property
    def timed(self) -> int:
        return sum(v.spent is not None and v.duration is not None for v in self.validations)

    @property
    def fast(self) -> int:
        return sum(v.fast for v in self.validations)

    @property
    def checks(self) -> int:
        return self.caught + self.missed

    @property
    def catch_rate(self) -> float | None:
        return self.caught / self.checks if self.checks else None

    @property
    def heard_mean(self) -> float | None:
        heard = [v.heard for v in self.validations if v.heard is not None]
        return sum(heard) / len(heard) if heard else None

    @property
    def heard_in_full(self) -> int:
        """Validations of segments heard to the policy's share."""
        return sum(v.heard is not None and v.heard >= self.policy.heard_share for v in self.validations)

    @property
    def needed_audio(self) -> int:
        return sum(v.needed_audio for v in self.validations)

    @property
    def noted(self) -> int:
        return sum(v.noted for v in self.validations)


@dataclass(frozen=True, slots=True)
class HeardSegment:
    """A segment as it stands validated, and how much of it its validating officer heard."""

    segment: int
    start: float
    end: float
    validated_by: str
    heard: float | None


@dataclass(frozen=True, slots=True)
class InterviewOversight:
    officers: tuple[OfficerOversight, ...] = ()
    segments: tuple[HeardSegment, ...] = ()

    @property
    def validated_seconds(self) -> float:
        return sum(s.end - s.start for s in self.segments if s.heard is not None)

    @property
    def heard_seconds(self) -> float:
        return sum((s.end - s.start) * s.heard for s in self.segments if s.heard is not None)

    @property
    def heard_share(self) -> float | None:
        """The share of the validated audio (recorded with its coverage) its validating officers heard."""
        return self.heard_seconds / self.validated_seconds if self.validated_seconds else None

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(w for o in self.officers for w in o.warnings)

    @property
    def caught(self) -> int:
        return sum(o.caught for o in self.officers)

    @property
    def missed(self) -> int:
        return sum(o.missed for o in self.officers)


def _validations(records: list[AuditRecord]) -> list[TimedValidation]:
    """The officer's validations that stand: one an undo took back is not counted."""
    undone = {r.detail.get("undoes") for r in records if r.action == "undo"}
    out = []
    anchor: str | None = None
    for r in records:
        if r.action == "review_opened":
            anchor = r.at
            continue
        if r.action != "validate_segment" or r.id in undone:
            continue
        d = r.detail
        spent = None
        if anchor is not None:
            gap = (parse_time(r.at) - parse_time(anchor)).total_seconds()
            spent = gap if gap < IDLE_SECONDS else None
        anchor = r.at
        start, end = d.get("start"), d.get("end")
        out.append(TimedValidation(
            int(d.get("segment", -1)), start, end - start if start is not None and end is not None else None, spent,
            d.get("heard"), bool(d.get("needs_audio")), d.get("unheard_note") is not None,
        ))
    return out


def _warnings(name: str, o: OfficerOversight) -> tuple[str, ...]:
    p = o.policy
    if len(o.validations) < p.min_validations:
        return ()
    out = []
    ratio = o.review_ratio
    if ratio is not None and ratio < p.min_review_ratio:
        out.append(
            f"{name}: {len(o.validations)} validations of {format_timestamp(o.validated_seconds)} of audio in "
            f"{o.review_seconds / 60:.1f} min of review ({ratio:.2f} × the audio; under {p.min_review_ratio} × nobody "
            "reads every word)"
        )
    if o.timed and o.fast / o.timed > p.max_fast_share:
        out.append(
            f"{name}: {o.fast} of {o.timed} validations came sooner than their segment lasts ({o.fast / o.timed:.0%}; "
            f"over {p.max_fast_share:.0%}): those segments were not listened to in full"
        )
    return tuple(out)


def _officer(name: str, records: list[AuditRecord]) -> OfficerOversight:
    opened = [r for r in records if r.action == "review_opened"]
    policy = OversightPolicy.from_record(opened[-1].detail.get("policy")) if opened else OversightPolicy()
    plays = [r.detail for r in records if r.action == "play"]
    checks = [r.detail.get("outcome") for r in records if r.action == "attention_check"]
    o = OfficerOversight(
        name=name, policy=policy, policy_recorded=bool(opened), sessions=len(opened),
        validations=tuple(_validations(records)),
        review_seconds=review_time(r.at for r in records if r.action in DECISIONS or r.action in OBSERVATIONS),
        plays=len(plays), failed_plays=sum(p.get("outcome") == "failed" for p in plays),
        played_seconds=sum(p["heard"][1] - p["heard"][0] for p in plays if p.get("heard")),
        caught=checks.count("caught"), missed=checks.count("missed"),
        notes=sum(r.action == "note_unheard" for r in records), warnings=(),
    )
    return replace(o, warnings=_warnings(name, o))


def interview_oversight(records: list[AuditRecord]) -> InterviewOversight:
    """The oversight figures of one interview, from its audit records (oldest first)."""
    by_officer: dict[str, list[AuditRecord]] = {}
    for r in records:
        if r.action in DECISIONS or r.action in OBSERVATIONS:
            by_officer.setdefault(r.actor, []).append(r)
    officers = tuple(_officer(name, recs) for name, recs in sorted(by_officer.items(), key=lambda kv: kv[1][0].id))
    segments = tuple(
        HeardSegment(i, r.detail["start"], r.detail["end"], r.actor, r.detail.get("heard"))
        for i, r in sorted(standing_validations(records).items()) if "start" in r.detail and "end" in r.detail
    )
    return InterviewOversight(officers, segments)


@dataclass(frozen=True, slots=True)
class OfficerTotals:
    """One officer across interviews."""

    interviews: int = 0
    validations: int = 0
    fast: int = 0
    timed: int = 0
    caught: int = 0
    missed: int = 0
    with_warnings: int = 0  # interviews in which their pace drew a warning
    attention_rates: tuple[int, ...] = field(default=())

    @property
    def catch_rate(self) -> float | None:
        return self.caught / (self.caught + self.missed) if self.caught + self.missed else None

    def __add__(self, o: OfficerTotals) -> OfficerTotals:
        return OfficerTotals(
            self.interviews + o.interviews, self.validations + o.validations, self.fast + o.fast, self.timed + o.timed,
            self.caught + o.caught, self.missed + o.missed, self.with_warnings + o.with_warnings,
            tuple(sorted(set(self.attention_rates) | set(o.attention_rates))),
        )


def officer_totals(reports: list[InterviewOversight]) -> dict[str, OfficerTotals]:
    out: dict[str, OfficerTotals] = {}
    for r in reports:
        for o in r.officers:
            one = OfficerTotals(1, len(o.validations), o.fast, o.timed, o.caught, o.missed, int(bool(o.warnings)),
                                (o.policy.attention_rate,) if o.policy_recorded else ())
            out[o.name] = out.get(o.name, OfficerTotals()) + one
    return dict(sorted(out.items()))


def officer_dict(o: OfficerOversight) -> dict[str, Any]:
    return {
        "name": o.name, "policy": o.policy.as_dict(), "policy_recorded": o.policy_recorded, "sessions": o.sessions,
        "validations": len(o.validations), "validated_seconds": round(o.validated_seconds, 3),
        "review_seconds": round(o.review_seconds, 3), "review_ratio": o.review_ratio,
        "timed_validations": o.timed, "validations_faster_than_segment": o.fast,
        "seconds_per_validation": [
            {"segment": v.segment, "start": v.start, "duration": v.duration, "seconds": v.spent} for v in o.validations
        ],
        "heard_mean": o.heard_mean, "validations_heard_in_full": o.heard_in_full,
        "validations_needing_audio": o.needed_audio, "validations_unheard_with_reason": o.noted,
        "plays": o.plays, "failed_plays": o.failed_plays, "played_seconds": round(o.played_seconds, 3),
        "attention_checks": o.checks, "attention_caught": o.caught, "attention_missed": o.missed,
        "catch_rate": o.catch_rate, "unheard_notes": o.notes, "pace_warnings": list(o.warnings),
    }


def interview_dict(x: InterviewOversight) -> dict[str, Any]:
    return {
        "heard_share": x.heard_share,
        "heard_seconds": round(x.heard_seconds, 3),
        "validated_seconds_with_coverage": round(x.validated_seconds, 3),
        "segments": [
            {"segment": s.segment, "start": s.start, "end": s.end, "validated_by": s.validated_by, "heard": s.heard}
            for s in x.segments
        ],
        "officers": [officer_dict(o) for o in x.officers],
        "pace_warnings": list(x.warnings),
    }
