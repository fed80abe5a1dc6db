"""Loop, stock-phrase, no-speech and gap detectors."""

from __future__ import annotations

from interview_assist.asr.hallucination import HallucinationSettings, gap_segments, segment_flags, shortened_loops, transcribed
from interview_assist.core.spans import Span
from interview_assist.core.transcript import Segment, Word

S = HallucinationSettings()


def seg(text, start=0.0, end=2.0, **kw):
    return Segment(start=start, end=end, text=text, language="en", **kw)


def kinds(segments):
    return [(f.segment, f.kind) for f in segment_flags(segments, S)]


def test_ordinary_speech_is_not_flagged():
    segments = [
        seg("I left Kabul in March with my brother."),
        seg("Thank you. Can you say when you arrived in Greece?", 2, 4),
        seg("No, no, I was not there.", 4, 6),
        seg("Yes. Yes.", 6, 7),
    ]
    assert kinds(segments) == []


def test_repeated_phrase_is_a_loop():
    assert kinds([seg("I went to the market I went to the market I went to the market")]) == [(0, "loop")]
    assert kinds([seg("no no no no no")]) == [(0, "loop")]


def test_same_text_in_consecutive_segments_is_a_loop():
    segments = [seg("We walked for days.", i, i + 1) for i in range(3)]
    assert (2, "loop") in kinds(segments)
    assert (1, "loop") not in kinds(segments)


def test_high_compression_ratio_is_a_loop():
    assert kinds([seg("a varied sentence here", compression_ratio=3.1)]) == [(0, "loop")]


def test_stock_phrases_in_several_languages():
    assert kinds([seg("Thanks for watching!")]) == [(0, "stock_phrase")]
    assert kinds([seg("Sous-titres réalisés par la communauté d'Amara.org")]) == [(0, "stock_phrase")]
    assert kinds([seg("Untertitel im Auftrag des ZDF, 2021")]) == [(0, "stock_phrase")]


def test_text_over_no_speech():
    assert kinds([seg("Okay.", no_speech_prob=0.9, avg_logprob=-1.4)]) == [(0, "no_speech")]
    assert kinds([seg("Okay.", no_speech_prob=0.9, avg_logprob=-0.2)]) == []


def test_a_word_stretched_over_speech_the_decoder_did_not_write_covers_none_of_it():
    # A French turn read as "C'est vrai." (a short English reply before it, translated): the
    # decoder stopped, and the alignment gave the 10 s turn's time to two words.
    words = (Word(94.52, 96.94, " C", 0.15), Word(96.94, 102.58, "'est", 0.98), Word(102.58, 102.6, " vrai.", 0.14))
    segments = [Segment(94.52, 102.6, "C'est vrai.", "fr", words)]
    assert transcribed(segments) == [Span(102.58, 102.6)]
    assert gap_segments([Span(94.5, 105.4)], segments, S) == [Span(94.5, 102.58), Span(102.6, 105.4)]
    flags = segment_flags(segments, S)
    assert [(f.segment, f.kind) for f in flags] == [(0, "gap")] and "“'est” lasts 5.6 s" in flags[0].reason
    said = [Segment(0.0, 1.2, "Sooo.", "en", (Word(0.0, 1.2, " Sooo.", 0.9),))]
    assert transcribed(said) == [Span(0.0, 1.2)]
    assert transcribed([seg("No words timed.", 3.0, 4.0)]) == [Span(3.0, 4.0)]


def test_gap_is_speech_without_words():
    words = (Word(0.5, 1.0, " Hello", 0.9), Word(6.5, 7.0, " again", 0.9))
    segments = [Segment(0.5, 7.0, "Hello again", "en", words)]
    gaps = gap_segments([Span(0.0, 8.0)], segments, S)
    assert gaps == [Span(1.0, 6.5)]
    assert gap_segments([Span(0.0, 2.0)], segments, S) == []


def timed(text, start, end):
    """A segment whose words share its time evenly, as a decoder running on lays them out."""
    parts = [" " + p for p in text.split()]
    step = (end - start) / len(parts)
    words = tuple(Word(round(start + k * step, 3), round(start + (k + 1) * step, 3), p, 0.5) for k, p in enumerate(parts))
    return Segment(start, end, "".join(parts).strip(), "es", words)


def test_a_loop_faster_than_speech_is_kept_once_and_flagged_with_its_count():
    # The reading of a 1.4 s "Sí, es correcto." that looped in every re-reading.
    loop = timed("Sí, " + "C, S, M, E, " * 12 + "correcto.", 61.1, 62.5)
    ordinary = timed("No, no, no, no, I was not there.", 63.0, 65.0)  # a loop, at 4 words a second
    segments, reasons = shortened_loops([loop, ordinary], S)
    assert segments[0].text == "Sí, C, S, M, E, correcto."
    assert [w.text for w in segments[0].words] == [" Sí,", " C,", " S,", " M,", " E,", " correcto."]
    assert (segments[0].start, segments[0].end) == (61.1, 62.5)  # the time the reviewer listens to stays
    assert segments[1] == ordinary  # said by someone: left whole
    assert list(reasons) == [0] and "wrote “C, S, M, E,” 12 times in 1.3 s" in reasons[0]  # the copies' time
    flags = segment_flags(segments, S, reasons)
    assert [(f.segment, f.kind, f.reason) for f in flags if f.segment == 0] == [(0, "loop", reasons[0])]
    assert (1, "loop") in [(f.segment, f.kind) for f in flags]


def test_a_loop_after_real_speech_is_timed_on_its_copies():
    # A 3.1 s reply read as "Mímarme, mía, maratona," and then "mía," 22 times in 1.3 s: the
    # segment holds 25 words in 3.1 s (8 a second), but its copies came at 17 a second.
    said = timed("Mímarme, mía, maratona,", 140.9, 142.2)
    copies = timed("mía, " * 22, 142.3, 143.6)
    loop = Segment(140.9, 144.0, f"{said.text} {copies.text}", "es", said.words + copies.words)
    (short,), reasons = shortened_loops([loop], S)
    assert short.text == "Mímarme, mía, maratona, mía,"
    assert (short.start, short.end) == (140.9, 144.0)
    assert "“mía,” 22 times in 1.3 s" in reasons[0]  # the copies' time
    # Copies at a pace someone can keep are left whole, though they repeat.
    slow = timed("mía, " * 6, 142.3, 144.0)
    kept = Segment(140.9, 144.0, f"{said.text} {slow.text}", "es", said.words + slow.words)
    assert shortened_loops([kept], S) == ([kept], {})


def test_a_loop_is_counted_in_words_not_punctuation():
    words = [" ok"] + [" …"] * 5 + [" fine"]
    dots = Segment(0.0, 0.35, "".join(words).strip(), "en", tuple(Word(k * 0.05, (k + 1) * 0.05, t, 0.5) for k, t in enumerate(words)))
    assert shortened_loops([dots], S) == ([dots], {})
    # Punctuation between the copies does not hide them.
    words = [" Yes"] + [" no", " -"] * 8
    loop = Segment(0.0, 0.5, "".join(words).strip(), "en", tuple(Word(k * 0.03, (k + 1) * 0.03, t, 0.5) for k, t in enumerate(words)))
    (short,), reasons = shortened_loops([loop], S)
    assert short.text == "Yes no -" and "“no” 8 times" in reasons[0]


def test_fast_text_that_does_not_repeat_is_not_shortened():
    fast = timed("one two three four five six seven eight nine ten eleven twelve thirteen fourteen", 0.0, 1.0)
    assert shortened_loops([fast], S) == ([fast], {})
