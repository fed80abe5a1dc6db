"""Language codes and names: the languages Whisper knows, those it lacks, and a speaker's set language.

A person may set a speaker's language (``--speaker-language S3=ti``) to one
Whisper knows or to one met in asylum interviews that it lacks
(:data:`UNSUPPORTED_LANGUAGES`); the reasons a reviewer reads name languages
in words (:func:`language_name`).
"""

from __future__ import annotations

from collections.abc import Iterable

# Languages met in asylum interviews that Whisper has no token for. A
# speaker may be set to one of them; their text is then flagged throughout.
UNSUPPORTED_LANGUAGES: dict[str, str] = {
    "aa": "Afar",
    "ak": "Akan",
    "bej": "Beja",
    "ckb": "Kurdish (Sorani)",
    "din": "Dinka",
    "ee": "Ewe",
    "ff": "Fula",
    "ig": "Igbo",
    "kmr": "Kurdish (Kurmanji)",
    "kri": "Krio",
    "ku": "Kurdish",
    "nus": "Nuer",
    "om": "Oromo",
    "rw": "Kinyarwanda",
    "ti": "Tigrinya",
    "tig": "Tigre",
    "wo": "Wolof",
}


def parse_speaker_languages(values: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """``("S3=ti", "S1=fr")`` as sorted (label, code) pairs; a bad label or unknown code is refused."""
    import re

    from faster_whisper.tokenizer import _LANGUAGE_CODES

    from interview_assist.core.errors import InputError

    out: dict[str, str] = {}
    for value in values:
        label, sep, code = value.partition("=")
        label, code = label.strip().upper(), code.strip().lower()
        if not sep or not re.fullmatch(r"S[1-9][0-9]*", label):
            raise InputError(f"--speaker-language takes SPEAKER=LANGUAGE, e.g. S3=fa, not {value!r}")
        if code not in _LANGUAGE_CODES and code not in UNSUPPORTED_LANGUAGES:
            raise InputError(
                f"unknown language code {code!r} for {label} (a Whisper language, or one it lacks: "
                f"{', '.join(sorted(UNSUPPORTED_LANGUAGES))})"
            )
        if label in out and out[label] != code:
            raise InputError(f"{label} is given two languages ({out[label]} and {code})")
        out[label] = code
    return tuple(sorted(out.items()))


def language_name(code: str) -> str:
    return UNSUPPORTED_LANGUAGES.get(code) or _WHISPER_NAMES.get(code, code)


# Whisper's language names for the codes it knows (faster_whisper.tokenizer has only the codes).
_WHISPER_NAMES = {
    "en": "English", "fr": "French", "de": "German", "es": "Spanish", "it": "Italian", "pt": "Portuguese",
    "nl": "Dutch", "ar": "Arabic", "fa": "Persian", "ps": "Pashto", "ur": "Urdu", "tr": "Turkish",
    "ru": "Russian", "uk": "Ukrainian", "so": "Somali", "am": "Amharic", "sw": "Swahili", "ha": "Hausa",
    "yo": "Yoruba", "ln": "Lingala", "bn": "Bengali", "hi": "Hindi", "pa": "Punjabi", "ta": "Tamil",
    "zh": "Chinese", "vi": "Vietnamese", "sq": "Albanian", "sr": "Serbian", "hy": "Armenian",
    "ka": "Georgian", "az": "Azerbaijani", "uz": "Uzbek", "tk": "Turkmen", "pl": "Polish", "ro": "Romanian",
    "el": "Greek", "he": "Hebrew", "mn": "Mongolian", "ne": "Nepali", "si": "Sinhala", "my": "Burmese",
    "la": "Latin", "eu": "Basque", "ca": "Catalan", "gl": "Galician", "cy": "Welsh", "sv": "Swedish",
    "no": "Norwegian", "da": "Danish", "fi": "Finnish", "hu": "Hungarian", "cs": "Czech", "sk": "Slovak",
    "bg": "Bulgarian", "hr": "Croatian", "bs": "Bosnian", "ja": "Japanese", "ko": "Korean", "th": "Thai",
    "id": "Indonesian", "ms": "Malay", "tl": "Tagalog", "lt": "Lithuanian", "lv": "Latvian",
}
