"""Find the ways Whisper invents or drops speech, or may have heard the wrong language, so a reviewer sees them.

Segments are never deleted here: a suspicious segment keeps its text and gets
a :class:`Flag` with the reason. Speech that the VAD heard but for which no
word came out gets an empty placeholder segment, flagged ``gap``, so the
reviewer can listen to it.

One reading is shortened: a loop that holds more words than anyone can say in
its time (:func:`shortened_loops`). The phrase it repeats is kept once, and
its ``loop`` flag says how many times the model wrote it.

Before any flag, the decoder asks :func:`is_repetitive` of a reading's text
(all its segments, but those written after the clip's end) whether it loops,
and reads such a clip again.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from faster_whisper.transcribe import get_compression_ratio

from interview_assist.audio.vad import uncovered
from interview_assist.core.spans import Span, format_timestamp
from interview_assist.core.transcript import Flag, Segment, Word

# Phrases Whisper is known to invent from its subtitle training data. Matched
# on normalised text; each is specific enough not to be everyday speech.
STOCK_PHRASES: tuple[str, ...] = (
    "thanks for watching",
    "thank you for watching",
    "thanks for listening",
    "please subscribe",
    "like and subscribe",
    "subscribe to my channel",
    "subtitles by",
    "subtitled by",
    "captions by",
    "transcribed by",
    "translated by",
    "amara org",
    "www mooji org",
    "merci d avoir regarde",
    "merci de votre attention",
    "sous titres realises par",
    "sous titrage",
    "untertitel im auftrag",
    "untertitelung",
    "vielen dank furs zuschauen",
    "gracias por ver",
    "subtitulos por",
    "spasibo za vnimanie",
)


# faster-whisper's threshold above which a reading is repetitive (a loop).
LOOP_COMPRESSION_RATIO = 2.4
# A phrase of this many words or more written twice in a row makes a reading
# loop (is_repetitive): at the end of a short clip, with silence after it, the
# batched decoder at times starts the clip again ("She was waiting at my front
# lawn. She was waiting at my front lawn."; "Yes, that's correct. Yes, that's
# correct."). The sequential decoder, reading it again, writes what it hears:
# once, or twice if it was said twice.
DOUBLED_PHRASE_WORDS = 3
DOUBLED_PHRASE_CHARACTERS = 6  # in a script written without spaces
_EDGE_PUNCTUATION = "\"'“”‘’«»„.,;:!?¿¡…()[]{}-–—。、，！？：；「」『』"


# A word lasting longer than this was not said that long: the decoder stopped
# writing (a turn read in the wrong language often ends after a few words) and
# the alignment stretched a word over the speech it did not write. Such a word
# is no sign that its time was transcribed, and its segment is flagged. A word
# held long (a drawn-out "sooo", a name spelled out slowly) lasts about a
# second; this is twice that.
MAX_WORD_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class HallucinationSettings:
    # A phrase of 1-6 words repeated this many times in a row is a loop.
    loop_repeats: int = 3
    single_word_repeats: int = 4
    # A loop at more words a second than this (over the time of its copies)
    # is kept once: twice the rate of fast speech, so no one said it.
    loop_words_per_second: float = 12.0
    # gzip ratio above which Whisper itself treats text as repetitive.
    compression_ratio: float = 2.4
    # Same text in this many consecutive segments.
    repeated_segments: int = 3
    # Speech (VAD) with no word at all for at least this long.
    gap_seconds: float = 2.0
    # Whisper's own "there was no speech" signal, joined with low confidence.
    no_speech_prob: float = 0.6
    no_speech_logprob: float = -1.0


def normalise(text: str) -> str:
    """Lower case, accents off, punctuation to spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def _repeat_run(tokens: list[str], max_n: int = 6) -> tuple[int, int, int]:
    """(start, n, count): where the n-gram repeated most times in a row starts."""
    best = (0, 0, 1)
    for n in range(1, min(max_n, len(tokens) // 2) + 1):
        for start in range(len(tokens) - n):
            count = 1
            pos = start + n
            while tokens[pos : pos + n] == tokens[start : start + n]:
                count += 1
                pos += n
            if count > best[2]:
                best = (start, n, count)
    return best


def _is_loop(n: int, count: int, settings: HallucinationSettings) -> bool:
    return (n == 1 and count >= settings.single_word_repeats) or (n > 1 and count >= settings.loop_repeats)


def is_repetitive(text: str) -> bool:
    """Whether ``text`` reads as a loop: it compresses as one does (gzip ratio above
    :data:`LOOP_COMPRESSION_RATIO`), or it writes a phrase of :data:`DOUBLED_PHRASE_WORDS`
    words or more twice in a row; in a script written without spaces (Chinese, Japanese,
    Thai), a run of :data:`DOUBLED_PHRASE_CHARACTERS` characters or more.

    Words are what spaces part, punctuation at their edges left out ("don't" and
    "मामी" are one word each)."""
    if get_compression_ratio(text) > LOOP_COMPRESSION_RATIO:
        return True
    words = [w for w in (w.strip(_EDGE_PUNCTUATION) for w in text.lower().split()) if w]
    if _doubled(words, DOUBLED_PHRASE_WORDS):
        return True
    runs = (
        [ch for ch in w if not unicodedata.category(ch).startswith("P")]
        for w in words if len(w) >= 2 * DOUBLED_PHRASE_CHARACTERS
    )
    return any(_doubled(run, DOUBLED_PHRASE_CHARACTERS) for run in runs)


def _doubled(items: Sequence[str], least: int) -> bool:
    """Whether ``least`` or more items in a row come again right after themselves."""
    return any(
        items[start : start + n] == items[start + n : start + 2 * n]
        for n in range(least, len(items) // 2 + 1)
        for start in range(len(items) - 2 * n + 1)
    )


def shortened_loops(segments: list[Segment], settings: HallucinationSettings) -> tuple[list[Segment], dict[int, str]]:
    """Segments whose loop says more than its time could hold, the phrase kept once; and why, by index.

    A phrase repeated in a row (a loop, as :func:`segment_flags` finds them)
    whose copies take more than ``loop_words_per_second`` words a second, from
    the first one's start to the last one's end, was not said: the model ran
    on. Only its first copy is kept (words and text), the segment's time
    stays, and the reason for its ``loop`` flag says how many copies there
    were. The copies' own time counts, not the segment's: a loop after
    seconds of real speech (a 3.1 s reply, "mía" 22 times in its last 1.3 s)
    is as fast. Segments without word times are left whole.
    """
    out = list(segments)
    reasons: dict[int, str] = {}
    for i, seg in enumerate(segments):
        spoken = [k for k, w in enumerate(seg.words) if normalise(w.text)]  # punctuation alone is no word
        start, n, count = _repeat_run([normalise(seg.words[k].text) for k in spoken])
        if not _is_loop(n, count, settings):
            continue
        after = start + n * count
        seconds = max(seg.words[spoken[after - 1]].end - seg.words[spoken[start]].start, 0.1)  # the copies'
        if n * count / seconds <= settings.loop_words_per_second:
            continue
        # The copies after the first, up to the next word.
        cut_from, cut_to = spoken[start + n], spoken[after] if after < len(spoken) else len(seg.words)
        kept = seg.words[:cut_from] + seg.words[cut_to:]
        phrase = "".join(seg.words[k].text for k in spoken[start : start + n]).strip()
        out[i] = replace(seg, words=kept, text="".join(w.text for w in kept).strip())
        reasons[i] = (
            f"the model wrote “{phrase}” {count} times in {seconds:.1f} s, more than anyone can say: "
            "it is shown once; listen to it"
        )
    return out, reasons


def segment_flags(
    segments: list[Segment], settings: HallucinationSettings, shortened: Mapping[int, str] | None = None
) -> list[Flag]:
    """Flags for loops, stock phrases and non-speech hallucinations.

    ``shortened`` holds the reasons of the loops :func:`shortened_loops` cut
    (by index): those segments are flagged ``loop`` with that reason.
    """
    flags: list[Flag] = []
    shortened = shortened or {}
    normalised = [normalise(s.text) for s in segments]
    for i, (seg, norm) in enumerate(zip(segments, normalised)):
        tokens = norm.split()
        _, n, count = _repeat_run(tokens)
        if i in shortened:
            flags.append(Flag("loop", shortened[i], seg.start, seg.end, i))
        elif _is_loop(n, count, settings):
            flags.append(Flag("loop", f"a {n}-word phrase repeats {count} times", seg.start, seg.end, i))
        elif seg.compression_ratio is not None and seg.compression_ratio > settings.compression_ratio:
            flags.append(
                Flag("loop", f"repetitive text (compression ratio {seg.compression_ratio:.1f})", seg.start, seg.end, i)
            )
        stretched = max(seg.words, key=lambda w: w.end - w.start, default=None)
        if stretched is not None and stretched.end - stretched.start > MAX_WORD_SECONDS:
            flags.append(Flag("gap", stretched_reason(stretched), seg.start, seg.end, i))
        run = settings.repeated_segments
        if tokens and i >= run - 1 and all(normalised[i - k] == norm for k in range(1, run)):
            flags.append(Flag("loop", f"same text in {run} segments in a row", seg.start, seg.end, i))
        padded = f" {norm} "
        for phrase in STOCK_PHRASES:
            if f" {phrase} " in padded:
                flags.append(
                    Flag("stock_phrase", f"typical invented phrase: \"{phrase}\"", seg.start, seg.end, i)
                )
                break
        if (
            seg.no_speech_prob is not None
            and seg.avg_logprob is not None
            and seg.no_speech_prob > settings.no_speech_prob
            and seg.avg_logprob < settings.no_speech_logprob
        ):
            flags.append(
                Flag("no_speech", "the model heard no speech here but wrote text", seg.start, seg.end, i)
            )
    return flags


def language_flags(segments: list[Segment]) -> list[Flag]:
    """A ``language`` flag on every segment whose language is in doubt (see
    :mod:`interview_assist.asr.language` and :mod:`interview_assist.asr.language_doubts`)."""
    return [
        Flag("language", seg.language_doubt, seg.start, seg.end, i)
        for i, seg in enumerate(segments)
        if seg.language_doubt
    ]


def gap_segments(
    speech: list[Span], segments: list[Segment], settings: HallucinationSettings
) -> list[Span]:
    """Stretches of detected speech, ≥ ``gap_seconds``, with no transcribed word."""
    return uncovered(speech, transcribed(segments), settings.gap_seconds)


def transcribed(segments: Sequence[Segment]) -> list[Span]:
    """The time the words of ``segments`` were said in (a segment's own, where it has no word times).

    A word longer than :data:`MAX_WORD_SECONDS` covers nothing: its time
    holds speech the decoder did not write.
    """
    if not any(s.words for s in segments):
        return [s.span for s in segments if s.text]
    return [w.span for s in segments for w in s.words if w.end - w.start <= MAX_WORD_SECONDS]


def stretched_reason(word: Word) -> str:
    return (
        f"the word “{word.text.strip()}” lasts {word.end - word.start:.1f} s: the model stopped writing, "
        "and this time holds speech it did not write (heard again alone where it could be): listen to it"
    )


def gap_reason(span: Span) -> str:
    return (
        f"speech detected from {format_timestamp(span.start)} to {format_timestamp(span.end)} "
        "but nothing was transcribed: listen to it"
    )
