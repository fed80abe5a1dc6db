"""What kind of name a flag holds: a person's, an organisation's, an acronym, or a place (the rest).

The kind decides what may be suggested: a person's name, an organisation or
an acronym gets no place from the gazetteers (a village one key away from
"Marine Le Pen" or "CFDT" is a trap, not a help); the case glossary may
still offer its names. The signs are read in the words, not guessed from
the gazetteers:

- a title before the name ("Mr. Hale", "Madame Dupont", "Dr Ahmadi");
- a given name first ("Nicolas Sarkozy"), from the US Census given-name
  lists (``gazetteers/given-names.txt``), unless the words are a well-known
  place ("Florence" heard alone stays a place); a given name alone
  ("Margaret", "Carl", "Karen") is most often a person's, but may be a
  mishearing of a town (Keren): only well-known places are offered for it;
- an organisation word in it ("Front National", "Red Crescent Society");
- letters written all in capitals ("CFDT", "BFMTV").
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

from interview_assist.core.errors import InputError
from interview_assist.names.normalize import key

logger = logging.getLogger("interview_assist")

PERSON, ORGANISATION, ACRONYM, PLACE = "person", "organisation", "acronym", "place"
# A given name alone ("Karen"): most often a person, but Keren is a town of
# Eritrea; only well-known places may be suggested for it.
GIVEN = "given"
# The reason code each kind adds to a flag (explained in NAME_REASONS).
KIND_REASONS = {PERSON: "person-name", GIVEN: "given-name", ORGANISATION: "organisation", ACRONYM: "acronym"}

# Words that put a person's name after them (English, French; forms of address in interviews).
TITLES = frozenset(
    """
    mr mrs ms miss mister dr doctor sir madam lady lord dame prof professor
    m mme mlle monsieur madame mademoiselle maitre
    sheikh shaikh sheik haji hajji mullah mulla imam sayed sayyid
    uncle aunt auntie cousin
    president minister general colonel commander captain lieutenant sergeant major judge
    king queen prince princess
    """.split()
)
# Abbreviated titles whose full stop does not end a sentence ("Mr. Hale").
TITLE_ABBREVIATIONS = frozenset("mr mrs ms dr prof m mme mlle".split())
ORGANISATION_WORDS = frozenset(
    """
    party parti front union council conseil committee comite commission ministry ministere
    association agency agence office bureau company compagnie corporation corp inc ltd llc sarl gmbh
    bank banque foundation fondation federation confederation syndicat movement mouvement
    organisation organization group groupe brigade brigades battalion militia army armee forces
    police gendarmerie church eglise university universite school ecole hospital hopital
    society societe institute institut network reseau television radio news press
    """.split()
)
_ALL_CAPS = re.compile(r"^[A-Z]{2,}(?:['’]s)?$")


@lru_cache(maxsize=4)
def given_names(directory: Path) -> frozenset[str]:
    """The given names of ``directory/given-names.txt`` as keys (empty when the file is missing).

    Raises :class:`InputError` when it is not UTF-8 text; :meth:`Gazetteer.prepare
    <interview_assist.names.gazetteer.Gazetteer.prepare>` reads it before the speech
    pass, so that a bad list stops a run before the work, not after it."""
    path = directory / "given-names.txt"
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        logger.warning("no given names (%s): persons are known by their titles only", exc.strerror)
        return frozenset()
    except UnicodeDecodeError as exc:
        raise InputError(f"given names {path}: not UTF-8 text ({exc})") from None
    return frozenset(key(line) for line in text.splitlines() if line.strip() and not line.startswith("#"))


def is_title(word: str) -> bool:
    return key(word) in TITLES


def ends_title(raw: str) -> bool:
    """An abbreviated title with its full stop ("Mr.", "Mme."): no sentence ends there."""
    return raw.strip().endswith(".") and key(raw) in TITLE_ABBREVIATIONS


def kind_of(words: list[str], before: str | None, given: frozenset[str], well_known_place: bool) -> str:
    """The kind of the name written as ``words`` (as the transcript has them), ``before`` being the word
    in front of it, if any; ``well_known_place``: the words are a well-known place, as spelled."""
    folded = [key(w) for w in words]
    if (before is not None and is_title(before)) or (len(folded) > 1 and folded[0] in TITLES):
        return PERSON  # "Mr. Hale", "Lord Byron"
    if any(w in ORGANISATION_WORDS for w in folded):
        return ORGANISATION
    if words and all(_ALL_CAPS.match(w) for w in words):
        return ACRONYM
    if folded and len(folded[0]) >= 3 and folded[0] in given and not well_known_place:
        return PERSON if len(folded) > 1 else GIVEN
    return PLACE


def kind_of_reasons(reasons: tuple[str, ...]) -> str:
    """The kind a stored flag was given, from its reason codes."""
    for kind, code in KIND_REASONS.items():
        if code in reasons:
            return kind
    return PLACE
