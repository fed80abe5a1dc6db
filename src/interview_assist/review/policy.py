"""The oversight policy: what a review asks of the officer so that it shows they heard and read.

One frozen dataclass. Every review session records the policy it ran under
(audit record ``review_opened``), so the QA report states the settings each
officer worked with. An operator sets it in a TOML file of flat keys
(``interview-assist review ID --policy FILE``, else ``$INTERVIEW_ASSIST_POLICY``);
a setting left out keeps its default. Why the defaults are what they are is
in the README ("Human oversight").
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from interview_assist.core.errors import InputError

POLICY_ENV = "INTERVIEW_ASSIST_POLICY"


@dataclass(frozen=True, slots=True)
class OversightPolicy:
    # One segment in N (of those a check can be put on) shows a deliberately wrong word; 0: no checks.
    attention_rate: int = 50
    # A word heard with a probability below this is doubtful (underlined on the screen).
    low_word_probability: float = 0.5
    # A segment in which at least this share of the words is doubtful has low confidence: it needs its audio.
    low_confidence_share: float = 0.25
    # "Most of" a span: the share of it that must have been played before it is decided.
    heard_share: float = 0.8
    # Pace warning: review time under this multiple of the audio the officer validated.
    min_review_ratio: float = 0.5
    # Pace warning: more than this share of validations came sooner than their segment lasts.
    max_fast_share: float = 0.5
    # Pace warnings are given from this many validations by one officer in one interview.
    min_validations: int = 10

    def __post_init__(self) -> None:
        def need(ok: bool, what: str) -> None:
            if not ok:
                raise InputError(f"oversight policy: {what}")

        need(isinstance(self.attention_rate, int) and self.attention_rate >= 0,
             f"attention_rate is one segment in N (0 turns checks off), not {self.attention_rate!r}")
        need(isinstance(self.min_validations, int) and self.min_validations >= 1,
             f"min_validations must be a whole number of at least 1, not {self.min_validations!r}")
        for name in ("low_word_probability", "low_confidence_share", "max_fast_share"):
            value = getattr(self, name)
            need(isinstance(value, int | float) and 0.0 <= value <= 1.0, f"{name} must be between 0 and 1, not {value!r}")
        need(isinstance(self.heard_share, int | float) and 0.0 < self.heard_share <= 1.0,
             f"heard_share must be above 0 and at most 1, not {self.heard_share!r}")
        need(isinstance(self.min_review_ratio, int | float) and self.min_review_ratio >= 0.0,
             f"min_review_ratio must not be negative, not {self.min_review_ratio!r}")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(cls, values: dict[str, Any] | None) -> OversightPolicy:
        """The policy a review session recorded; settings it lacks (an older session) keep their defaults."""
        known = {f.name for f in fields(cls)}
        try:
            return cls(**{k: v for k, v in (values or {}).items() if k in known})
        except (InputError, TypeError):
            return cls()

    def describe(self) -> str:
        """One line for people: the report states it."""
        checks = f"1 in {self.attention_rate}" if self.attention_rate else "off"
        return (
            f"attention checks {checks}; low confidence: {self.low_confidence_share:.0%} or more of the words below "
            f"probability {self.low_word_probability}; a span counts as heard from {self.heard_share:.0%} of it played; "
            f"pace warnings from {self.min_validations} validations: review time under {self.min_review_ratio} × the "
            f"audio validated, or more than {self.max_fast_share:.0%} of validations sooner than their segment lasts"
        )


def load_policy(path: Path | None = None) -> OversightPolicy:
    """The policy in ``path`` (else in ``$INTERVIEW_ASSIST_POLICY``), or the defaults."""
    if path is None and (env := os.environ.get(POLICY_ENV)):
        path = Path(env).expanduser()
    if path is None:
        return OversightPolicy()
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the oversight policy ({exc.strerror or exc})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: is not a TOML policy file ({exc})") from None
    known = [f.name for f in fields(OversightPolicy)]
    if unknown := sorted(set(data) - set(known)):
        raise InputError(f"{path}: unknown policy setting {unknown[0]!r} (settings: {', '.join(known)})")
    return OversightPolicy(**data)
