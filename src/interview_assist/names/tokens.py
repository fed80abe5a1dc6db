"""Words as the name finder reads them: tokens with their capitals and sentence starts, and the words that are no names."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from interview_assist.core.transcript import Word
from interview_assist.names.kinds import ends_title

# Capitalised words that are not names of people or places.
NOT_NAMES = set(
    """
    i i'm i've i'll i'd mr mrs ms miss dr sir madam ok okay yes no
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday
    janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre
    lundi mardi mercredi jeudi vendredi samedi dimanche monsieur madame
    english french german spanish italian greek arabic persian farsi dari pashto urdu kurdish
    tigrinya amharic somali turkish russian ukrainian bengali
    afghan syrian iraqi iranian pakistani bangladeshi eritrean ethiopian sudanese nigerian
    guinean ivorian malian congolese cameroonian venezuelan colombian georgian albanian moroccan
    algerian tunisian egyptian libyan yemeni palestinian bulgarian serbian european african arab
    american british
    muslim christian sunni shia god allah quran bible ramadan eid
    europe africa asia america
    coast guard police army red cross crescent un unhcr eu
    """.split()
)
PARTICLES = {"al", "el", "ez", "es", "ed", "ad", "as", "ar", "e", "i", "bin", "ibn", "bint", "abu", "ben", "de", "du", "des", "da", "di", "la", "van", "von", "der"}
# Closed-class English and French words (articles, prepositions, conjunctions,
# pronouns, auxiliaries). Whisper capitalises the first word of each of its
# segments whether or not a sentence starts there ("..., and said to him," /
# "In making a post-mortem"); such a word is taken as the start of a sentence.
# Name particles (de, la, al, ...) are left out: they begin names ("La Paz").
FUNCTION_WORDS = frozenset(
    """
    a an the and or but nor so yet if when while where what which who whom whose why how that this these those
    there here then than as at by for from in into of off on onto out over to up upon with within without about
    above after against along among around before behind below between beyond down during except inside near
    since through toward towards under until via is are was were be been am do does did have has had it its
    he she we they you me him her us them my your his our their not also because although though unless whether
    all any each every some both either neither such very just only even still again now well oh o please can could
    would should shall must might let
    le les un une et ou mais donc ni car si quand que qui quoi dont où à au aux en dans sur sous chez par pour
    avec sans vers entre avant après pendant depuis contre je tu il elle on nous vous ils elles me te se lui leur
    mon ma mes ton ta tes son sa ses notre nos votre vos ce cet cette ces cela ça est sont était être avoir ai ont
    avait oui non pas plus très alors puis aussi comme lorsque parce puisque tout tous toute toutes
    """.split()
) - PARTICLES
SENTENCE_END = re.compile(r"[.?!:;…]$")
POSSESSIVE = re.compile(r"['’]s$")
EDGE_PUNCT = re.compile(r"^[\s\"'“”‘’(\[]+|[\s\"'“”‘’)\].,?!:;…]+$")


@dataclass(slots=True)
class Token:
    index: int
    word: Word
    text: str  # without surrounding punctuation
    capital: bool
    initial: bool  # first word of a sentence
    joined: bool  # written joined to the previous word ("Al" "-Khatib")
    closes: bool  # punctuation after it ends a name span


def tokens_of(words: Sequence[Word], starts_sentence: bool) -> list[Token]:
    out: list[Token] = []
    initial = starts_sentence
    for j, w in enumerate(words):
        raw = w.text.strip()
        text = EDGE_PUNCT.sub("", raw)
        joined = raw.startswith("-")
        text = text.lstrip("-")
        if j == 0 and text.lower() in FUNCTION_WORDS:
            initial = True  # capitalised as the first word of a Whisper segment, not as a name
        out.append(Token(j, w, text, text[:1].isupper(), initial and not joined, joined, bool(re.search(r"[.,?!:;…]$", raw))))
        initial = bool(SENTENCE_END.search(raw)) and not ends_title(raw)  # "Mr. Hale": no sentence ends at "Mr."
    return out


def not_a_name(text: str) -> bool:
    word = text.lower()
    return word in NOT_NAMES or (word.endswith("s") and word[:-1] in NOT_NAMES)


def join_tokens(toks: list[Token], span: list[int]) -> str:
    out = ""
    for j in span:
        t = toks[j]
        out += ("-" if t.joined else (" " if out else "")) + t.text
    return out
