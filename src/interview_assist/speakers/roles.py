"""Proposing interview roles for diarized speakers, from evidence a reviewer can check.

The proposal is a draft like the transcript: a person confirms or changes it
(``interview-assist speakers``). The evidence used:

- an interpreter relays both ways, so speaks in more than one language, or,
  when every voice uses the same language, speaks the most;
- the officer opens the interview, so the first other voice is proposed as
  officer;
- the applicant is the remaining main voice; a voice speaking another
  language than the officer's is more likely the applicant's;
- voices beyond the expected participants, and voices heard for only a few
  seconds, are ``other``.
"""

from __future__ import annotations

from collections.abc import Sequence

from interview_assist.core.transcript import Diarization, Segment, Speaker

# Below this share of the speech, a voice is "other" (a knock at the door,
# a colleague), not a participant.
MIN_SHARE = 0.03


def expected_participants(interpreter: bool) -> int:
    """Officer + applicant, plus the interpreter when there is one."""
    return 3 if interpreter else 2


def propose_roles(
    diarization: Diarization | None, segments: Sequence[Segment], *, interpreter: bool
) -> tuple[Speaker, ...]:
    if diarization is None or not diarization.speakers:
        return ()
    labels = list(diarization.speakers)  # in order of first speech
    time = {s: diarization.speaking_time(s) for s in labels}
    total = sum(time.values()) or 1.0
    languages: dict[str, dict[str, float]] = {s: {} for s in labels}
    for seg in segments:
        if seg.speaker in languages and seg.language:
            langs = languages[seg.speaker]
            langs[seg.language] = langs.get(seg.language, 0.0) + (seg.end - seg.start)

    def spoken(label: str) -> list[str]:
        langs = languages[label]
        heard = sum(langs.values()) or 1.0
        return [lang for lang, sec in sorted(langs.items(), key=lambda kv: -kv[1]) if sec >= 0.15 * heard]

    main = [s for s in labels if time[s] / total >= MIN_SHARE]
    roles: dict[str, tuple[str, str]] = {}
    if main:
        rest = list(main)
        if interpreter and len(rest) >= 3:
            # The interpreter is found first: relaying both ways leaves the
            # strongest evidence (two languages, or the most speech), while
            # "speaks first" is lost if the opening turn is misattributed.
            multilingual = [s for s in rest if len(spoken(s)) >= 2]
            if len(multilingual) == 1:
                interp = multilingual[0]
                why = f"speaks {' and '.join(spoken(interp))}"
            else:
                interp = max(multilingual or rest, key=time.__getitem__)
                why = "speaks several languages, and the most" if multilingual else "speaks the most"
            roles[interp] = ("interpreter", why)
            rest = [s for s in rest if s != interp]
        officer = rest[0]
        roles[officer] = ("officer", "speaks first" if officer == main[0] else "speaks first after the interpreter")
        officer_lang = spoken(officer)[:1]
        rest = rest[1:]
        if rest:
            other_lang = [s for s in rest if spoken(s)[:1] and spoken(s)[:1] != officer_lang]
            applicant = (other_lang or sorted(rest, key=lambda s: -time[s]))[0]
            why = (
                f"speaks {spoken(applicant)[0]}, not the officer's language"
                if other_lang
                else "the remaining main voice"
            )
            roles[applicant] = ("applicant", why)
    out = []
    for s in labels:
        role, why = roles.get(s, ("other", "heard only briefly" if s not in main else "more voices than expected"))
        share = 100 * time[s] / total
        evidence = f"{why}; {share:.0f} % of the speech"
        out.append(Speaker(label=s, role=role, proposed_role=role, evidence=evidence, speaking_time=round(time[s], 2)))
    return tuple(out)
