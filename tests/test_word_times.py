"""Word times moved off the pause Whisper's alignment gives a word (real speech, hand-laid word times)."""

from __future__ import annotations

import numpy as np

from interview_assist.asr.word_times import to_speech
from interview_assist.audio.decode import load
from interview_assist.audio.vad import speech_spans
from interview_assist.core.spans import SAMPLE_RATE
from interview_assist.core.transcript import Segment, Word


def _reply_after_a_pause(eval_dir, noise_db: float | None = None):
    """The end of one speaker's sentence, 0.4 s of pause, another's sentence; where the second is heard."""
    first = load(eval_dir / "asr" / "fleurs-fr-002.ogg")
    second = load(eval_dir / "asr" / "jfk.flac")
    cut = speech_spans(first)[-1].end
    onset = speech_spans(second)[0].start
    first = first[: int(cut * SAMPLE_RATE)]
    second = second[int(onset * SAMPLE_RATE) :]
    pause = np.zeros(int(0.4 * SAMPLE_RATE), dtype=np.float32)
    audio = np.concatenate([first, pause, second])
    if noise_db is not None:
        rms = float(np.sqrt(np.mean(second**2)))
        audio = audio + np.random.default_rng(7).normal(0, rms / 10 ** (noise_db / 20), audio.size).astype(np.float32)
    return audio, cut, cut + 0.4


def test_a_word_after_a_pause_starts_where_it_is_heard(eval_dir):
    audio, pause_start, heard = _reply_after_a_pause(eval_dir)
    # (heard: the VAD's onset of the reply, 0.1 s before it with the VAD's padding.)
    # As the alignment lays words end to end: the reply's first word starts where the last one ended.
    last = Word(pause_start - 0.3, pause_start, " dernier", 0.9)
    first = Word(pause_start, heard + 0.3, " And", 0.9)
    segments = [Segment(pause_start, heard + 0.3, "And", "en", (first,))]
    before = [Segment(pause_start - 0.3, pause_start, "dernier", "fr", (last,))]
    moved = to_speech(before + segments, audio)
    word = moved[1].words[0]
    assert heard - 0.02 <= word.start <= heard + 0.1, word
    assert word.end == first.end
    assert moved[1].start == word.start  # the segment follows its first word
    assert moved[0] == before[0]  # speech to its end: nothing to move


def test_in_noise_a_word_loses_only_the_pause(eval_dir):
    audio, pause_start, heard = _reply_after_a_pause(eval_dir, noise_db=10.0)
    first = Word(pause_start, heard + 0.3, " And", 0.9)
    word = to_speech([Segment(pause_start, heard + 0.3, "And", "en", (first,))], audio)[0].words[0]
    # The VAD's onset is padded by 0.1 s; the soft start of "And" is lost a little in the noise.
    assert heard - 0.02 <= word.start <= heard + 0.15, word
    # A word inside speech keeps its time (the noise is not taken for a pause).
    inside = Word(heard + 0.5, heard + 0.9, " so", 0.9)
    assert to_speech([Segment(inside.start, inside.end, "so", "en", (inside,))], audio)[0].words[0] == inside


def test_the_same_moves_on_a_window_of_the_recording_and_at_its_very_end(eval_dir):
    audio, pause_start, heard = _reply_after_a_pause(eval_dir)
    first = Word(pause_start, heard + 0.3, " And", 0.9)
    segment = [Segment(pause_start, heard + 0.3, "And", "en", (first,))]
    whole = to_speech(segment, audio)
    start = int((pause_start - 2.0) * SAMPLE_RATE)  # a window starting 2 s before the pause
    assert to_speech(segment, audio[start:], start / SAMPLE_RATE) == whole
    # A last word given the quiet after the speech, up to the end of a file that ends in silence.
    tail = np.concatenate([audio, np.zeros(int(0.505 * SAMPLE_RATE), dtype=np.float32)])
    end = tail.size / SAMPLE_RATE
    last = Word(end - 0.8, end, " country.", 0.9)
    moved = to_speech([Segment(last.start, last.end, "country.", "en", (last,))], tail)[0].words[0]
    assert moved.start == last.start and end - 0.52 <= moved.end <= end - 0.49, moved
