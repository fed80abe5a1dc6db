"""Word-level text normalisation for comparing transcripts (WER, edit rate).

Lower case, accents kept (French and others need them), apostrophes and
hyphens as word breaks, other punctuation removed, digits kept, white space
collapsed. Every WER figure in the tests and in BENCHMARKS.md uses this.
"""

from __future__ import annotations

import re
import unicodedata


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).lower()
    text = re.sub(r"[’'`\-]", " ", text)
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())
