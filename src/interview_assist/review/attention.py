"""Attention checks: one deliberately wrong word shown in a segment, to measure whether the officer reads.

The method airport screening uses on its screeners (threat image
projection): now and then the screen shows something that is not there,
and whether the person catches it is recorded. Here, in one segment in
``OversightPolicy.attention_rate``, one word is shown replaced by another:
a common word of the segment's language from a small list below (a river,
a brother, a school...: plausible in a sentence, clearly a different word),
or, for a number, the same number with one digit changed. The word is
chosen so that it occurs nowhere in the interview's text.

A check exists only on the screen and in the session's memory: the store's
text never holds the wrong word (an edit that keeps it gets the heard word
back before it is stored), and the audit log records only where the check
was (segment, word position) and whether it was caught.

Checks are placed on segments that are not validated, carry no flag (open
or decided) and no hand edit, and have at least ``MIN_WORDS`` words, on a
word heard with confidence; a segment in a language without a list can get
a check only on a number.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass

MIN_WORDS = 4
# Common concrete words, per language: nouns of places, family, time and everyday things.
WORDS: dict[str, tuple[str, ...]] = {
    "en": ("river", "market", "brother", "morning", "village", "school", "winter", "doctor", "letter", "money",
           "bridge", "garden", "mother", "window", "station", "police", "father", "kitchen", "mountain", "hospital"),
    "fr": ("rivière", "marché", "frère", "matin", "village", "école", "hiver", "médecin", "lettre", "argent",
           "pont", "jardin", "mère", "fenêtre", "gare", "police", "père", "cuisine", "montagne", "hôpital"),
    "de": ("Fluss", "Markt", "Bruder", "Morgen", "Dorf", "Schule", "Winter", "Arzt", "Brief", "Geld",
           "Brücke", "Garten", "Mutter", "Fenster", "Bahnhof", "Polizei", "Vater", "Küche", "Berg", "Krankenhaus"),
    "es": ("río", "mercado", "hermano", "mañana", "pueblo", "escuela", "invierno", "médico", "carta", "dinero",
           "puente", "jardín", "madre", "ventana", "estación", "policía", "padre", "cocina", "montaña", "hospital"),
    "it": ("fiume", "mercato", "fratello", "mattina", "villaggio", "scuola", "inverno", "medico", "lettera", "soldi",
           "ponte", "giardino", "madre", "finestra", "stazione", "polizia", "padre", "cucina", "montagna", "ospedale"),
    "pt": ("rio", "mercado", "irmão", "manhã", "aldeia", "escola", "inverno", "médico", "carta", "dinheiro",
           "ponte", "jardim", "mãe", "janela", "estação", "polícia", "pai", "cozinha", "montanha", "hospital"),
    "nl": ("rivier", "markt", "broer", "ochtend", "dorp", "school", "winter", "dokter", "brief", "geld",
           "brug", "tuin", "moeder", "raam", "station", "politie", "vader", "keuken", "berg", "ziekenhuis"),
    "tr": ("nehir", "pazar", "kardeş", "sabah", "köy", "okul", "kış", "doktor", "mektup", "para",
           "köprü", "bahçe", "anne", "pencere", "istasyon", "polis", "baba", "mutfak", "dağ", "hastane"),
    "ru": ("река", "рынок", "брат", "утро", "деревня", "школа", "зима", "врач", "письмо", "деньги",
           "мост", "сад", "мать", "окно", "вокзал", "полиция", "отец", "кухня", "гора", "больница"),
    "uk": ("річка", "ринок", "брат", "ранок", "село", "школа", "зима", "лікар", "лист", "гроші",
           "міст", "сад", "мати", "вікно", "вокзал", "поліція", "батько", "кухня", "гора", "лікарня"),
    "ar": ("نهر", "سوق", "أخ", "صباح", "قرية", "مدرسة", "شتاء", "طبيب", "رسالة", "مال",
           "جسر", "حديقة", "أم", "نافذة", "محطة", "شرطة", "أب", "مطبخ", "جبل", "مستشفى"),
    "fa": ("رودخانه", "بازار", "برادر", "صبح", "روستا", "مدرسه", "زمستان", "دکتر", "نامه", "پول",
           "پل", "باغ", "مادر", "پنجره", "ایستگاه", "پلیس", "پدر", "آشپزخانه", "کوه", "بیمارستان"),
}
_PARTS = re.compile(r"^(\s*)([^\w]*)(.*?)([^\w]*)$", re.S)
_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class AttentionCheck:
    """A wrong word shown in place of word ``word`` of segment ``segment`` (on screen only)."""

    segment: int
    word: int
    start: float  # the segment's span, to find it again after segments are renumbered
    end: float
    heard: str  # the word as the machine heard it, as it stands in the words (" house,")
    shown: str  # what the screen shows instead (" river,")

    @property
    def decoy(self) -> str:
        """The wrong word alone, without spaces or punctuation."""
        return _parts(self.shown)[2]

    @property
    def original(self) -> str:
        return _parts(self.heard)[2]


def _parts(text: str) -> tuple[str, str, str, str]:
    m = _PARTS.match(text)
    assert m is not None  # the pattern matches any text
    return m.group(1), m.group(2), m.group(3), m.group(4)


def vocabulary(texts: Iterable[str]) -> set[str]:
    """Every word of ``texts``, in lower case: a wrong word is never one of these."""
    return {t.casefold() for text in texts for t in _TOKEN.findall(text)}


def _other_number(digits: str, rng: random.Random) -> str:
    k = rng.randrange(len(digits))
    choices = [d for d in "0123456789" if d != digits[k] and not (k == 0 and d == "0" and len(digits) > 1)]
    return digits[:k] + rng.choice(choices) + digits[k + 1 :]


def place(
    segment: int, start: float, end: float, words: list[tuple[str, float]], language: str, taken: set[str],
    rng: random.Random, low_probability: float,
) -> AttentionCheck | None:
    """A check on one segment (``words``: text and probability of each), or None when none fits."""
    candidates = []
    for j, (text, p) in enumerate(words):
        core = _parts(text)[2]
        if p >= low_probability and ((core.isalpha() and len(core) >= 3) or core.isdigit()):
            candidates.append(j)
    if len(words) < MIN_WORDS or not candidates:
        return None
    rng.shuffle(candidates)
    for j in candidates:
        lead, before, core, after = _parts(words[j][0])
        if core.isdigit():
            options = [_other_number(core, rng) for _ in range(5)]
        else:
            options = list(WORDS.get(language, ()))
            rng.shuffle(options)
        for option in options:
            if option.casefold() == core.casefold() or option.casefold() in taken:
                continue
            if option[:1].islower() and core[:1].isupper():
                option = option[:1].upper() + option[1:]
            return AttentionCheck(segment, j, start, end, words[j][0], lead + before + option + after)
    return None


def outcome_of_edit(check: AttentionCheck, text: str) -> tuple[str, str]:
    """("caught" | "missed", the text to store) for an edit of a segment showing ``check``.

    Caught when the wrong word is no longer in the text; missed when it is,
    and then the word the machine heard is put back in its place, so that
    the wrong word never reaches the store.
    """
    pattern = re.compile(rf"(?<!\w){re.escape(check.decoy)}(?!\w)", re.IGNORECASE)
    if not pattern.search(text):
        return "caught", text
    return "missed", pattern.sub(lambda _: check.original, text, count=1)
