"""What a name flag suggests, and why: only names worth a key.

A suggestion is one key away from the text, so it is offered only when there
is a reason to think the words stand for it, and the reason is kept with it:

- **the case glossary**: its names are offered when alike enough (score
  ``min_suggestion_score``), whatever the kind of the flag: the case file
  is the best evidence there is;
- **a gazetteer place**, only for a place-like flag (not a person's name, an
  organisation or an acronym, see :mod:`.kinds`), and only when it is close
  to what was heard by spelling or by sound (:func:`closeness`); for a
  given name alone ("Karen", Keren: one letter apart or the same sound) and
  for ordinary words the ASR doubted ("tell", "map"), only a well-known
  place (a town of ``split_place_min_population`` or more, a subdivision, a
  country, an agency's list) close to its usual name, not to one of its
  many recorded names: with 290,000 names, some village is near any short
  word;
- a place spelled as heard and as usual is no suggestion (``c`` confirms
  it); heard as one of its recorded spellings, its usual name is offered,
  unless some place is spelled so as usual; and for a well-known place
  heard as usually spelled ("Paris", "Sudan") no place is offered at all.

The search scores (:meth:`Suggester.candidates`) stay as they were: they
also decide how far a flag reaches over its neighbours.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from rapidfuzz.distance import Levenshtein

from interview_assist.core.transcript import GlossaryEntry, NameFlag, Segment, Suggestion
from interview_assist.names.gazetteer import Gazetteer, Match, similarity, well_known
from interview_assist.names.gazetteer_index import ARTICLES
from interview_assist.names.kinds import GIVEN, PLACE, kind_of_reasons
from interview_assist.names.normalize import fold, key, sound
from interview_assist.names.options import NameOptions
from interview_assist.names.tokens import EDGE_PUNCT

# Points added to a case glossary suggestion (shown in its score).
GLOSSARY_PRIOR = 15.0
# Points taken from a glossary name matched by one word of a longer flag.
PART_PENALTY = 5.0
# A flag this much like a glossary name (0-100) takes its kind.
GLOSSARY_KIND_SCORE = 85.0
# Closeness (letters apart per letter of the longer spelling): spelled this
# close; or sounding the same and spelled this close; or, for phonetic keys
# of NEAR_SOUND_LENGTH letters or more, one letter apart in sound and spelled
# this close.
SPELLED_APART = 0.2
SAME_SOUND_APART = 0.5
NEAR_SOUND_APART = 0.4
NEAR_SOUND_LENGTH = 6
# Alike in sound only when their spellings are within this many letters of length.
SOUND_LENGTHS_APART = 2
# The first sound of a name, which a mishearing keeps: letters that
# transliterations swap for one sound count as one.
_START = {**dict.fromkeys("aeiou", "a"), **dict.fromkeys("ckq", "k"), "z": "s", "w": "v", "j": "y"}


def closeness(heard: str, name: str) -> str | None:
    """Why ``name`` is close to ``heard`` by spelling or by sound, or None when it is not.

    Spelled at most one letter in five apart ("Kasala", "Kassala"); or
    starting with the same sound, of lengths at most two letters apart, and
    either with the same phonetic key
    (:func:`.normalize.sound`: "Kandas", "Kunduz") and at most half the
    letters apart, or, for keys of six letters or more, keys one letter apart
    and at most two letters in five apart ("Islam color", "Islam Qala").
    Short words need the same key: "Carl" is not "Zirl".
    """
    h, n = key(heard), key(name)
    if not h or not n:
        return None
    if h == n:
        return f"spelled as heard (“{heard}”)"
    apart = Levenshtein.distance(h, n)
    longest = max(len(h), len(n))
    if apart <= SPELLED_APART * longest:
        return f"spelled {apart} letter{'s' if apart > 1 else ''} apart from “{heard}”"
    if (
        apart > SAME_SOUND_APART * longest or abs(len(h) - len(n)) > SOUND_LENGTHS_APART
        or _START.get(h[0], h[0]) != _START.get(n[0], n[0])
    ):
        return None
    sh, sn = sound(h), sound(n)
    if sh == sn and len(sh) >= 4:
        return f"sounds like “{heard}” (same phonetic key)"
    if (
        min(len(sh), len(sn)) >= NEAR_SOUND_LENGTH and Levenshtein.distance(sh, sn) <= 1
        and apart <= NEAR_SOUND_APART * longest
    ):
        return f"sounds nearly like “{heard}” (phonetic keys 1 letter apart)"
    return None


def without_article(name: str) -> str | None:
    """``name`` without a leading Arabic article, as speakers say it ("Al Kufrah": "Kufrah"), or None."""
    words = fold(name).split()
    if len(words) > 1 and words[0] in ARTICLES and len("".join(words[1:])) >= 4:
        return " ".join(words[1:])
    return None


def close_to_flag(text: str, name: str) -> str | None:
    """:func:`closeness` to the whole flag, else to one of its words ("Havro" of "Havro River"),
    to the name or to the name without its article ("Kufra", Al Kufrah)."""
    if why := closeness(text, name):
        return why
    if (bare := without_article(name)) and (why := closeness(text, bare)):
        return f"{why}, without the article"
    words = [w for w in re.split(r"[\s\-]+", text) if len(key(w)) >= 4] if re.search(r"[\s\-]", text) else []
    for w in words:
        if why := closeness(w, name):
            return why.replace(f"“{w}”", f"“{w}” (one word of the flag)")
    return None


class Suggester:
    """Suggestions for flagged words, from one case glossary and the gazetteers."""

    def __init__(self, gazetteer: Gazetteer, glossary: tuple[GlossaryEntry, ...], options: NameOptions):
        self.gazetteer = gazetteer
        self.options = options
        # Every run of words of each name: a flag may hold part of a name
        # ("Gholmohamid" for "Gul Mohammad" of "Gul Mohammad Nazari").
        self.glossary_choices: list[tuple[str, GlossaryEntry]] = []
        for e in glossary:
            parts = e.term.split()
            for a in range(len(parts)):
                for b in range(a + 1, len(parts) + 1):
                    sub = " ".join(parts[a:b])
                    if len(key(sub)) >= 3:
                        self.glossary_choices.append((sub, e))
        self._glossary_cache: dict[str, list[Suggestion]] = {}
        self._search_cache: dict[str, list[Match]] = {}

    def _glossary(self, text: str) -> list[Suggestion]:
        if text in self._glossary_cache:
            return self._glossary_cache[text]
        out: dict[str, Suggestion] = {}
        # A flag may take in ordinary words around the name ("Havro River"
        # for the Evros river): its single words are matched too, for less.
        words = [w for w in text.split() if len(key(w)) >= 3] if " " in text else []
        for term, entry in self.glossary_choices:
            score = max([similarity(text, term)] + [similarity(w, term) - PART_PENALTY for w in words])
            if score < self.options.min_suggestion_score:
                continue
            # Names from the case file are far likelier than any other place.
            whole = term == entry.term
            why = "in the case glossary" + ("" if whole else f", part of {entry.term}")
            if near := close_to_flag(text, term):
                why += f"; {near}"
            s = Suggestion(
                term, round(score + GLOSSARY_PRIOR, 2), "glossary",
                entry.kind if whole else f"{entry.kind}, part of {entry.term}",
                () if whole else (entry.term,), why,
            )
            if key(term) not in out or out[key(term)].score < s.score:
                out[key(term)] = s
        self._glossary_cache[text] = list(out.values())
        return self._glossary_cache[text]

    def _search(self, text: str) -> list[Match]:
        if text not in self._search_cache:
            opts = self.options
            self._search_cache[text] = self.gazetteer.search(text, limit=opts.suggestions + 3, min_score=opts.min_suggestion_score)
        return self._search_cache[text]

    def glossary_kind(self, text: str) -> str | None:
        """The kind (``person``, ``place``) of the case glossary name ``text`` is most like, when it is
        very like it (``GLOSSARY_KIND_SCORE``): "Farid Nasari" is a person if the case has Farid Nazari."""
        best = max(self._glossary(text), key=lambda s: s.score, default=None)
        if best is None or best.score - GLOSSARY_PRIOR < GLOSSARY_KIND_SCORE:
            return None
        kind = best.detail.split(",")[0]
        return kind if kind in ("person", "place") else None

    def best_score(self, text: str) -> float:
        """The score of the first candidate (the case glossary's first), before any is judged worth offering."""
        glossary = [s.score for s in self._glossary(text)]
        return max(glossary) if glossary else max((m.score for m in self._search(text)), default=0.0)

    def suggest(self, text: str, kind: str = PLACE, plain: bool = False) -> list[Suggestion]:
        """The suggestions worth a key for a flag on ``text`` of ``kind``; ``plain``: its words are
        ordinary words (no capital), so only well-known places may be offered."""
        opts = self.options
        out: dict[str, Suggestion] = {key(s.text): s for s in self._glossary(text)}
        heard = key(text)
        as_usual = [p for p in self.gazetteer.exact(text) if key(p.canonical) == heard or p.kind == "country"]
        if kind in (PLACE, GIVEN) and not any(well_known(p, opts.split_place_min_population) for p in as_usual):
            # A well-known place heard as usually spelled ("Paris", "Sudan") is offered no
            # other place: neither a village it is a recorded name of, nor one a letter away.
            famous = plain or kind == GIVEN
            for m in self._search(text):
                p = m.place
                if famous and not well_known(p, opts.split_place_min_population):
                    continue
                if key(p.canonical) == heard:
                    continue  # spelled as heard and as usual: nothing to offer, c confirms it
                why: str | None
                if key(p.name) == heard:
                    if as_usual:
                        continue  # a place is spelled so as usual: not another's recorded spelling
                    why = f"the usual spelling of “{text}”, a recorded spelling of this place"
                elif (why := close_to_flag(text, p.canonical)) is None and not famous:
                    # Or close to the recorded spelling it was found by.
                    if (near := close_to_flag(text, p.name)) is not None:
                        why = f"{near}, as recorded “{p.name}”"
                if why is None:
                    continue
                if kind == GIVEN and not (why.startswith("spelled 1 letter") or "same phonetic key" in why):
                    continue  # a first name spelled right is a person's, unless a town is all but the same
                detail = ", ".join(x for x in (p.kind, p.country, f"pop. {p.population}" if p.population else "") if x)
                s = Suggestion(p.canonical, m.score, f"gazetteer:{p.list}", detail, tuple(self.gazetteer.variants(p)), why)
                k = key(p.canonical)
                if k not in out or out[k].score < s.score:
                    out[k] = s
        return sorted(out.values(), key=rank)[: opts.suggestions]


def rank(s: Suggestion) -> tuple[bool, float]:
    """The case file's names first: a near-perfect match with some village is
    weak evidence when the heard word is itself a mishearing."""
    return (s.source != "glossary", -s.score)


def with_unbiased_reading(suggester: Suggester, flag: NameFlag, unbiased: Sequence[Segment]) -> NameFlag:
    """``flag`` with what the decode without the list heard in the same time, when it differs."""
    heard = [
        w for s in unbiased if s.end > flag.start and s.start < flag.end for w in s.words
        if min(w.end, flag.end) - max(w.start, flag.start) > 0.3 * min(w.end - w.start, flag.end - flag.start)
    ]
    if not heard:
        return flag
    text = EDGE_PUNCT.sub("", "".join(w.text for w in heard).strip())
    if not key(text) or key(text) == key(flag.text):
        return flag
    # Both readings are evidence: rank the matches of each together
    # ("Nizip's" with the list, "Havro" without: Evros comes up).
    merged: dict[str, Suggestion] = {}
    plain = not any(w[:1].isupper() for w in text.split())
    for sug in flag.suggestions + tuple(suggester.suggest(text, kind_of_reasons(flag.reasons), plain)):
        k = key(sug.text)
        if k not in merged or merged[k].score < sug.score:
            merged[k] = sug
    ranked = sorted(merged.values(), key=rank)[: suggester.options.suggestions]
    # And the reading itself, last, so a person sees what was heard without the list.
    ranked.append(Suggestion(text, round(similarity(text, flag.text), 2), "unbiased decode", reason="heard so by the decode without the case glossary"))
    reasons = tuple(dict.fromkeys(flag.reasons + ("decodes-differ",)))
    return replace(flag, reasons=reasons, suggestions=tuple(ranked))
