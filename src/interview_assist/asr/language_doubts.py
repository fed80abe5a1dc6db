"""Why a segment's language is in doubt: the reasons a reviewer reads, and the doubts set on a whole transcript.

A unit's own choice carries its doubt (:func:`interview_assist.asr.language.choose`);
the reasons here are for a stretch heard alone in another language
(:func:`other_language_reason`), a speaker set to a language the model lacks
(:func:`unsupported_reason`, :func:`declared_languages`) and a language only
one speaker is heard in, briefly (:func:`rare_languages`). A segment's
``language_doubt`` becomes its "language" flag
(:func:`interview_assist.asr.hallucination.language_flags`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from interview_assist.asr.language import SWITCH_PROBABILITY
from interview_assist.asr.language_names import UNSUPPORTED_LANGUAGES, language_name

if TYPE_CHECKING:
    from interview_assist.core.transcript import Segment

# A language heard from one speaker alone, in under this share of their speech
# (and of a speaker heard for at least RARE_MIN_SPEAKER_SECONDS), is in doubt.
# A language of the interview that only one speaker uses (no interpreter, or
# the interpreter merged with the applicant by diarization) is that speaker's
# main language, near half of their speech or more; a detection gone wrong on a
# few units is a small share (on the bundled sample, 13 % of the interpreter's).
RARE_SHARE = 0.25
RARE_MIN_SPEAKER_SECONDS = 30.0


def other_language_reason(decoded: str, heard: str, probability: float) -> str:
    if probability < SWITCH_PROBABILITY:  # heard as many languages, this one first
        return (
            f"part of this turn, heard on its own, sounded more like {language_name(heard)} than "
            f"{language_name(decoded)}, though unsurely ({heard}, p = {probability:.2f}): "
            f"this text may be a translation or invented (decoded as {decoded})"
        )
    return (
        f"part of this turn was heard in another language, {language_name(heard)} ({heard}, p = {probability:.2f}): "
        f"this text may be a translation or invented (decoded as {decoded})"
    )


def unsupported_reason(declared: str, decoded: str) -> str:
    return (
        f"the speaker's language, {language_name(declared)} ({declared}), is not one the speech model knows: "
        f"this text may be a translation or invented (decoded as {decoded})"
    )


def declared_languages(segments: Sequence[Segment], speaker_languages: Mapping[str, str]) -> list[Segment]:
    """Segments of a speaker set to a language the model lacks carry it, with its flag.

    Decoding judged units of speech; attribution then gave each word the
    speaker whose turn covers it, which at a change of speaker may be
    another than the unit's. The setting follows the speaker.
    """
    out = []
    for seg in segments:
        declared = speaker_languages.get(seg.speaker) if seg.speaker is not None else None
        if declared in UNSUPPORTED_LANGUAGES and seg.text and seg.language != declared:
            seg = replace(seg, language=declared, language_doubt=unsupported_reason(declared, seg.language or "?"))
        out.append(seg)
    return out


def rare_language_reason(language: str, probability: float | None, speaker: str, seconds: float, total: float) -> str:
    p = f", p = {probability:.2f}" if probability is not None else ""
    return (
        f"language in doubt: {language_name(language)} is heard only from {speaker}, in {seconds:.0f} s of their "
        f"{total:.0f} s; this text may be a translation or invented ({language}{p})"
    )


def rare_languages(segments: Sequence[Segment], *, skip_speakers: frozenset[str] = frozenset()) -> list[Segment]:
    """Segments in a language that only one speaker uses, and for a small share of their speech, are put in doubt.

    In an interpreted interview every language spoken is heard from two
    people at least (the speaker and the interpreter), and a speaker keeps to
    one or two. A language heard from one speaker alone, in under
    :data:`RARE_SHARE` of their speech, is more likely a detection gone wrong
    on a few units (accented English heard as Latin) than a language of the
    interview. Speakers whose language was set (``skip_speakers``) are left
    as they are; so is a speaker heard for under :data:`RARE_MIN_SPEAKER_SECONDS`.
    """
    seconds: dict[str, dict[str, float]] = {}
    for seg in segments:
        if seg.text and seg.speaker is not None and seg.language:
            own = seconds.setdefault(seg.speaker, {})
            own[seg.language] = own.get(seg.language, 0.0) + seg.end - seg.start
    speakers_of: dict[str, set[str]] = {}
    for speaker, langs in seconds.items():
        for lang in langs:
            speakers_of.setdefault(lang, set()).add(speaker)
    rare: dict[tuple[str, str], tuple[float, float]] = {}
    for speaker, langs in seconds.items():
        total = sum(langs.values())
        if speaker in skip_speakers or total < RARE_MIN_SPEAKER_SECONDS:
            continue
        for lang, secs in langs.items():
            if speakers_of[lang] == {speaker} and secs < RARE_SHARE * total:
                rare[(speaker, lang)] = (secs, total)
    out = []
    for seg in segments:
        key = (seg.speaker, seg.language)
        if seg.text and not seg.language_doubt and seg.speaker is not None and key in rare:
            secs, total = rare[key]
            seg = replace(seg, language_doubt=rare_language_reason(
                seg.language, seg.language_probability, seg.speaker, secs, total))
        out.append(seg)
    return out
