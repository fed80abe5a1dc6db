"""Which language each unit of speech is in, and when that is in doubt.

Whisper's language detection runs on each unit of speech alone (see
:mod:`interview_assist.asr.decoding`), which gives a probability for every
language it knows. That evidence is weak on a short unit ("yes", "okay"): on
the first word or two of the FLEURS clips it named the wrong language for
six of ten French pieces. So it is combined with a *prior*: the languages
the same speaker used in their other units, by speaking time, smoothed with
the languages of the whole recording. The choice is the language of highest
posterior probability, Bayes' rule with the detection as likelihood, which
counts in full from :data:`MIN_DETECTION_SECONDS` of speech and less below
(raised to the power duration / that length). The prior is for what
detection cannot tell: a unit of at least that length detected at
:data:`SWITCH_PROBABILITY` or more keeps its detected language (see
:func:`decisive`), as do the parts of a unit split at a switch of language,
which were found with the same bar (or, between two languages of the
interview, with :data:`CONFIDENT_PROBABILITY`; see
:func:`interview_assist.asr.switches.switch_bar`). Without that, one speaker's two long
sentences in two languages were each decoded in the other's language, a
translation.

A choice is *in doubt* when the evidence for it is weak (see :func:`choose`;
the bar is :data:`CONFIDENT_PROBABILITY`, faster-whisper's own threshold for
a detected language). Such units are flagged for the reviewer: the text may
be a translation into another language, or invented. So is every unit of a
speaker whose language was set to one the model lacks, and the text of a
stretch of a unit, left whole, that was heard alone surely in another
language, or unsurely but clearly more in another of the interview than in
its own (:func:`interview_assist.asr.switches.other_language`), and of a
language heard from one speaker alone, briefly; those reasons are in
:mod:`interview_assist.asr.language_doubts`. A language the model
lacks can also be heard, wrongly but surely, as one it knows (synthetic
Oromo was detected as Thai at 0.96): setting the speaker's language is the
safeguard there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from interview_assist.core.transcript import Segment

# faster-whisper's ``language_detection_threshold``: below it, its own
# detection does not count a language as detected.
CONFIDENT_PROBABILITY = 0.5
# Detection on less speech than this is weak: the speaker's prior decides.
MIN_DETECTION_SECONDS = 2.0
# The prior: a speaker's own languages count for at most PRIOR_OWN_SECONDS of
# speech (a speaker heard for an hour is not pinned harder than one heard for
# half a minute), and the recording's languages for PRIOR_SECONDS more, so
# that a speaker heard for a few seconds is not pinned to one language.
PRIOR_OWN_SECONDS = 30.0
PRIOR_SECONDS = 2.0
# A switch inside a unit is looked for in units at least this long, and
# accepted when both parts are detected confidently, in different languages.
SWITCH_MIN_SECONDS = 2 * MIN_DETECTION_SECONDS
SWITCH_PROBABILITY = 0.8
# ...and only in units whose detection as a whole gives a second language at
# least this much: speech in one language leaves the others near zero.
SWITCH_SECOND_LANGUAGE = 0.05
# A stretch of a unit left whole, heard alone best in another language of the interview, flags
# the text over it, however unsurely it is heard, where that language holds at least this share
# of what it and the decoded language hold together (and SWITCH_SECOND_LANGUAGE at least):
# noise spreads a stretch over many languages, but two to one between the two that matter is
# not a coin flip.
OTHER_LANGUAGE_SHARE = 2 / 3
# A switch between two languages of the interview needs both parts heard only
# confidently (CONFIDENT_PROBABILITY), not surely: an interpreted interview
# moves between its few languages, and a part of a turn heard alone in one of
# them is more likely in it than misheard. A language is of the interview when
# it was heard surely (units detected at SWITCH_PROBABILITY on
# MIN_DETECTION_SECONDS or more) from two speakers at least, as every language
# of an interpreted interview is (its speaker and the interpreter), and in at
# least this share of all the speech heard surely so far. A voice that
# detection hears surely in a wrong language (synthetic Spanish as Latin) is
# one speaker's.
INTERVIEW_LANGUAGE_SHARE = 0.1
# Languages whisper knows that no one is interviewed in: detection leaves them
# out (their probability is not given to the others), so that only a person
# (``--language``, a speaker's language) can choose them. whisper-base hears
# Italian and Spanish, and the languages it lacks, as Latin: in 8 of the 19
# code-switched files some speech was decoded in Latin, which no per-turn
# oracle chose for a language whisper has.
NOT_SPOKEN = frozenset({"la"})
# Detection of sub-stretches when looking for a switch: length and step.
PROBE_SECONDS = 2.5
PROBE_STEP_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class Detection:
    """Whisper's language probabilities for one stretch of speech (the most likely first)."""

    # The encoding it was heard on: for a whole unit or part, its speech with
    # the margins, 2-4 s of silence and its encode group's padding; for a probe,
    # the stretch. Weighing a unit's detection by its speech alone (0.6 s of
    # "yes" against the speaker's prior) was measured and lost: 96.5 % of the
    # code-switched speech in the right language against 97.1 %, and two files
    # over 1.1 x the oracle's WER (BENCHMARKS.md, 2026-12-06, fifth session).
    seconds: float
    probabilities: Mapping[str, float]

    @property
    def best(self) -> tuple[str, float]:
        language = max(self.probabilities, key=self.probabilities.__getitem__)
        return language, self.probabilities[language]

    def p(self, language: str) -> float:
        return self.probabilities.get(language, 0.0)


@dataclass(frozen=True, slots=True)
class LanguageChoice:
    """The language a unit is decoded in, why, and whether it is in doubt."""

    language: str  # a language the model knows: what the text is decoded in
    probability: float | None  # the evidence: detection on the unit, or the speaker's (None when forced)
    source: str  # "detected" | "speaker" | "forced" | "set"
    doubt: str | None = None  # the reason for a language flag, or None
    declared: str | None = None  # a language set for the speaker that the model lacks

    @property
    def stored_language(self) -> str:
        """What the segment records: the speaker's declared language where the model lacks it."""
        return self.declared or self.language

    def stamped(self, segment: Segment) -> Segment:
        """``segment`` with this choice's language, probability and doubt."""
        return replace(segment, language=self.stored_language, language_probability=self.probability, language_doubt=self.doubt)


def doubt_reason(language: str, probability: float) -> str:
    return (
        f"language not recognised with confidence: this text may be a translation or invented "
        f"({language}, p = {probability:.2f})"
    )


@dataclass
class LanguageHistory:
    """Speaking time per speaker and language so far, with how sure detection was.

    It serves as the prior for the next units, and carries from one
    processing window of a long recording to the next.
    """

    seconds: dict[str | None, dict[str, float]] = field(default_factory=dict)
    # Per speaker and language: detection-probability-weighted seconds of long units.
    sure: dict[str | None, dict[str, float]] = field(default_factory=dict)
    judged: dict[str | None, dict[str, float]] = field(default_factory=dict)
    # Per speaker and language: seconds of long units detected at SWITCH_PROBABILITY or more.
    surely: dict[str | None, dict[str, float]] = field(default_factory=dict)

    def add(
        self, speaker: str | None, language: str, seconds: float, probability: float | None, surely: bool | None = None
    ) -> None:
        """One unit's evidence: ``seconds`` of ``language`` from ``speaker``, detected at ``probability``
        (None when not judged by detection). ``surely``: whether the unit was heard surely (see
        :func:`decisive`, which counts the unit's speech); by default, from ``probability`` and ``seconds``."""
        own = self.seconds.setdefault(speaker, {})
        own[language] = max(0.0, own.get(language, 0.0) + seconds)
        if probability is not None and abs(seconds) >= MIN_DETECTION_SECONDS:
            sure = self.sure.setdefault(speaker, {})
            judged = self.judged.setdefault(speaker, {})
            sure[language] = max(0.0, sure.get(language, 0.0) + probability * seconds)
            judged[language] = max(0.0, judged.get(language, 0.0) + seconds)
            if surely if surely is not None else probability >= SWITCH_PROBABILITY:
                heard = self.surely.setdefault(speaker, {})
                heard[language] = max(0.0, heard.get(language, 0.0) + seconds)

    def without(
        self, speaker: str | None, language: str, seconds: float, probability: float | None, surely: bool | None = None
    ) -> LanguageHistory:
        """This history less one unit's evidence (as :meth:`add` counted it, with the same arguments)."""
        out = self.merged(LanguageHistory())
        out.add(speaker, language, -seconds, probability, surely)
        return out

    def merged(self, other: LanguageHistory) -> LanguageHistory:
        out = LanguageHistory()
        for h in (self, other):
            for attr in ("seconds", "sure", "judged", "surely"):
                for speaker, langs in getattr(h, attr).items():
                    mine = getattr(out, attr).setdefault(speaker, {})
                    for lang, v in langs.items():
                        mine[lang] = mine.get(lang, 0.0) + v
        return out

    def recording(self) -> dict[str, float]:
        """Seconds per language, everyone's."""
        return _summed(self.seconds)

    def interview(self) -> frozenset[str]:
        """The languages of the interview so far (:func:`interview_languages`)."""
        return interview_languages(self.surely)

    def prior(self, speaker: str | None, languages: Sequence[str]) -> dict[str, float]:
        """P(language) for ``speaker`` over ``languages``: their own time, smoothed with the recording's."""
        own = self.seconds.get(speaker, {})
        own_total = sum(own.values())
        strength = min(own_total, PRIOR_OWN_SECONDS)
        everyone = self.recording()
        heard = sum(everyone.values())
        weights = {}
        for lang in languages:
            background = 0.9 * (everyone.get(lang, 0.0) / heard if heard else 0.0) + 0.1 / len(languages)
            share = own.get(lang, 0.0) / own_total if own_total else 0.0
            weights[lang] = strength * share + PRIOR_SECONDS * background
        total = sum(weights.values())
        return {lang: w / total for lang, w in weights.items()}

    def surely_in(self, speaker: str | None) -> frozenset[str]:
        """The languages ``speaker`` was heard surely in: :data:`MIN_DETECTION_SECONDS` or more of long
        units detected at :data:`SWITCH_PROBABILITY` or more."""
        return frozenset(lang for lang, v in self.surely.get(speaker, {}).items() if v >= MIN_DETECTION_SECONDS - 1e-6)

    def usual_probability(self, speaker: str | None, language: str) -> float | None:
        """The speaker's mean detection probability for ``language`` on long units, if any were judged."""
        judged = self.judged.get(speaker, {}).get(language, 0.0)
        if judged <= 1e-6:
            return None
        return self.sure[speaker][language] / judged


def _summed(per_speaker: Mapping[str | None, Mapping[str, float]]) -> dict[str, float]:
    total: dict[str, float] = {}
    for langs in per_speaker.values():
        for lang, v in langs.items():
            total[lang] = total.get(lang, 0.0) + v
    return total


def choose(
    detection: Detection, prior: Mapping[str, float], usual: float | None = None, *, bilingual: bool = False
) -> LanguageChoice:
    """The language of one unit from its detection and the speaker's prior.

    ``usual`` is the speaker's usual detection probability for the chosen
    language on their other long units (None when there are none);
    ``bilingual``: the speaker was also heard surely in another language
    (:meth:`LanguageHistory.surely_in`), as an interpreter is. The choice
    is in doubt:

    - on a long unit, when the prior overrode the unit's own detection (the
      text may be a translation), or when detection was unsure
      (:data:`CONFIDENT_PROBABILITY`) and the speaker is not usually heard
      surely in that language, or is heard surely in another one too: the
      prior of a speaker of two languages cannot vouch for either;
    - on a short unit, when the posterior, or the speaker's usual
      probability for the language, is unsure.
    """
    candidates = set(prior) | set(detection.probabilities)
    weight = min(1.0, detection.seconds / MIN_DETECTION_SECONDS)
    floor = min(detection.probabilities.values(), default=1e-4) / 10  # a language detection ranked below all kept
    posterior = {
        lang: max(detection.p(lang), floor) ** weight * prior.get(lang, 1e-6) for lang in candidates
    }
    total = sum(posterior.values()) or 1.0
    language = max(posterior, key=posterior.__getitem__)
    post = posterior[language] / total
    own = detection.p(language)
    surely_heard = usual is not None and usual >= CONFIDENT_PROBABILITY
    if detection.seconds >= MIN_DETECTION_SECONDS:
        probability, source = own, "detected" if language == detection.best[0] else "speaker"
        doubtful = source == "speaker" or (
            own < CONFIDENT_PROBABILITY and not (surely_heard and not bilingual and post >= CONFIDENT_PROBABILITY)
        )
    else:
        probability = min(post, usual) if usual is not None else post
        source = "speaker" if language != detection.best[0] else "detected"
        doubtful = probability < CONFIDENT_PROBABILITY
    doubt = doubt_reason(language, probability) if doubtful else None
    return LanguageChoice(language, round(probability, 4), source, doubt)


def detected(detection: Detection) -> LanguageChoice:
    """The language as detected, with no prior (a part of a unit split at a switch of language, or a
    unit whose detection is :func:`decisive`)."""
    language, probability = detection.best
    doubt = doubt_reason(language, probability) if probability < CONFIDENT_PROBABILITY else None
    return LanguageChoice(language, round(probability, 4), "detected", doubt)


def decisive(detection: Detection, speech_seconds: float) -> bool:
    """Whether a unit's own detection settles its language, whatever the speaker spoke before.

    On enough speech (``speech_seconds``, what the VAD heard in the unit, at
    least :data:`MIN_DETECTION_SECONDS`), detected as surely as a switch
    inside a unit must be outside the interview's languages
    (:data:`SWITCH_PROBABILITY`). A speaker heard only
    in English until then who says a long sentence in French is heard in
    French: a prior strong enough to overrule that would translate it. The
    length is the speech's, not the detection's: a unit is encoded with 2-4 s
    of silence after it, and Whisper hears 0.6 s of French as Korean at 0.93.
    """
    return speech_seconds >= MIN_DETECTION_SECONDS and detection.best[1] >= SWITCH_PROBABILITY


def interview_languages(surely: Mapping[str | None, Mapping[str, float]]) -> frozenset[str]:
    """The languages of the interview: heard surely from two speakers or more, in at least
    :data:`INTERVIEW_LANGUAGE_SHARE` of all the speech heard surely (``surely``: seconds of such
    speech per speaker and language; speech of no known speaker counts for none)."""
    seconds = _summed(surely)
    total = sum(seconds.values())
    speakers = {lang: sum(1 for sp, langs in surely.items() if sp is not None and langs.get(lang, 0.0) > 1e-6) for lang in seconds}
    return frozenset(
        lang for lang, v in seconds.items() if total > 0 and v >= INTERVIEW_LANGUAGE_SHARE * total and speakers[lang] >= 2
    )
