"""Loop, stock-phrase, no-speech and gap detectors."""

from __future__ import annotations

from interview_assist.asr.hallucination import HallucinationSettings, gap_segments, segment_flags
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


def test_gap_is_speech_without_words():
    words = (Word(0.5, 1.0, " Hello", 0.9), Word(6.5, 7.0, " again", 0.9))
    segments = [Segment(0.5, 7.0, "Hello again", "en", words)]
    gaps = gap_segments([Span(0.0, 8.0)], segments, S)
    assert gaps == [Span(1.0, 6.5)]
    assert gap_segments([Span(0.0, 2.0)], segments, S) == []
