"""The real model on real clips: accuracy, languages, determinism, storage."""

from __future__ import annotations

import copy
import json
import time

import numpy as np
import pytest

from interview_assist.core.textnorm import normalise
from interview_assist.pipeline.run import transcribe

from .conftest import run_cli
from .wer import wer


def test_jfk_wer_with_base(eval_dir, catalog, base_transcriber):
    t = transcribe(eval_dir / "asr" / "jfk.flac", catalog=catalog, transcriber=base_transcriber)
    hypothesis = " ".join(s.text for s in t.segments)
    reference = (eval_dir / "asr" / "jfk.txt").read_text()
    assert wer(reference, hypothesis) <= 0.10, hypothesis
    assert t.languages == ["en"]
    words = [w for s in t.segments for w in s.words]
    assert words, "word timestamps are required"
    assert all(0 <= w.start <= w.end <= t.duration + 0.05 for w in words)
    assert all(0.0 <= w.probability <= 1.0 for w in words)
    assert [w.start for w in words] == sorted(w.start for w in words)


def test_the_gazetteers_are_checked_first_and_loaded_only_to_flag_names(eval_dir, catalog, base_transcriber):
    # The index (about 190 MiB) is not held through the speech pass.
    stages: list[str] = []

    def hook(stage, completed=0, total=None):
        if not stages or stages[-1] != stage:
            stages.append(stage)

    t = transcribe(eval_dir / "asr" / "jfk.flac", catalog=catalog, transcriber=base_transcriber, progress=hook)
    assert t.segments
    last_speech = max(i for i, s in enumerate(stages) if s == "transcribe")
    assert stages.index("check gazetteers") < stages.index("transcribe")
    assert last_speech < stages.index("load gazetteers") < stages.index("flag names"), stages


def test_a_bad_gazetteer_list_fails_before_any_audio_is_heard(eval_dir, catalog, base_transcriber, tmp_path, monkeypatch):
    from interview_assist.core.errors import InputError
    from interview_assist.names.gazetteer import GAZETTEERS_ENV
    from interview_assist.names.gazetteer_index import CACHE_ENV

    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "broken.tsv").write_text("place\tcountry\nKunduz\tAF\n")
    monkeypatch.setenv(GAZETTEERS_ENV, str(tmp_path / "lists"))
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))  # not the user's cache
    stages: list[str] = []
    with pytest.raises(InputError, match="'name' column"):
        transcribe(
            eval_dir / "asr" / "jfk.flac", catalog=catalog, transcriber=base_transcriber,
            progress=lambda stage, completed=0, total=None: stages.append(stage),
        )
    assert "transcribe" not in stages and "diarize" not in stages, stages


def test_given_names_not_in_utf8_fail_before_any_audio_is_heard(eval_dir, catalog, base_transcriber, tmp_path, monkeypatch):
    """An operator's given-names list saved in Latin-1 stopped a run after its speech pass, with a
    traceback; it is read with the gazetteers, before any audio is heard, and named in one line."""
    from interview_assist.core.errors import InputError
    from interview_assist.names.gazetteer import GAZETTEERS_ENV
    from interview_assist.names.gazetteer_index import CACHE_ENV

    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "places.tsv").write_text("name\tcountry\nKunduz\tAF\n")
    (lists / "given-names.txt").write_bytes("José\nFrançois\n".encode("latin-1"))
    monkeypatch.setenv(GAZETTEERS_ENV, str(lists))
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    stages: list[str] = []
    with pytest.raises(InputError, match=r"given names .*given-names\.txt: not UTF-8 text"):
        transcribe(
            eval_dir / "asr" / "jfk.flac", catalog=catalog, transcriber=base_transcriber,
            progress=lambda stage, completed=0, total=None: stages.append(stage),
        )
    assert "transcribe" not in stages and "diarize" not in stages, stages


def test_french_clip_comes_out_in_french(eval_dir, catalog, base_transcriber):
    t = transcribe(eval_dir / "asr" / "fleurs-fr-000.ogg", catalog=catalog, transcriber=base_transcriber)
    assert t.segments
    assert {s.language for s in t.segments} == {"fr"}
    reference = (eval_dir / "asr" / "fleurs-fr-000.txt").read_text()
    assert wer(reference, " ".join(s.text for s in t.segments)) < 0.5


def test_language_is_detected_per_segment(eval_dir, tmp_path, catalog, base_transcriber):
    """An English clip followed by a French one: each part keeps its own language."""
    import numpy as np
    import soundfile as sf

    from interview_assist.audio.decode import load

    en = load(eval_dir / "asr" / "fleurs-en-000.ogg")
    fr = load(eval_dir / "asr" / "fleurs-fr-001.ogg")
    pause = np.zeros(16000, dtype=np.float32)
    path = tmp_path / "en_fr.wav"
    sf.write(path, np.concatenate([en, pause, fr]), 16000)
    t = transcribe(path, catalog=catalog, transcriber=base_transcriber)
    switch = (en.size + pause.size) / 16000
    before = {s.language for s in t.segments if s.end <= switch + 0.5}
    after = {s.language for s in t.segments if s.start >= switch - 0.5}
    assert before == {"en"}
    assert after == {"fr"}


@pytest.mark.slow
def test_forced_language(eval_dir, catalog):
    from interview_assist.asr.transcriber import AsrOptions, Transcriber

    tr = Transcriber(catalog, "whisper-base", AsrOptions(language="fr"))
    t = transcribe(eval_dir / "asr" / "jfk.flac", catalog=catalog, transcriber=tr)
    assert {s.language for s in t.segments} == {"fr"}


def test_same_recording_same_transcript(eval_dir, catalog, base_transcriber):
    path = eval_dir / "asr" / "harvard_osr_0030.wav"
    first = transcribe(path, catalog=catalog, transcriber=base_transcriber)
    second = transcribe(path, catalog=catalog, transcriber=base_transcriber)
    assert first.segments == second.segments
    assert first.flags == second.flags


@pytest.mark.slow
def test_cli_transcribe_then_show(eval_dir, db_path):
    done = run_cli("transcribe", eval_dir / "asr" / "jfk.flac", "--db", db_path, "--json", "--denoise", "off")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["segments"] >= 1 and summary["languages"] == ["en"]

    shown = run_cli("show", summary["id"], "--db", db_path, "--format", "json")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["id"] == summary["id"]
    assert data["audio"]["sha256"] == summary["audio_sha256"]
    assert data["model"]["name"] == "whisper-base" and len(data["model"]["sha256"]) == 64
    assert data["settings"]["denoise"] == "off"
    # Which CPU kernels computed it: int8 drafts differ in a word or two between CPUs.
    kernels = data["settings"]["kernels"]
    assert kernels["machine"] and isinstance(kernels["cpu_flags"], list) and isinstance(kernels["settings"], dict)
    seg = data["segments"][0]
    assert {"start", "end", "text", "language", "words"} <= seg.keys()
    assert {"start", "end", "text", "probability"} <= seg["words"][0].keys()

    text = run_cli("show", summary["id"], "--db", db_path)
    assert text.returncode == 0, text.stderr
    # Where the segments break, the capitals and a word or two differ between CPUs: the words shown, in order, are
    # held to the same WER bound as the decode itself.
    spoken = normalise(" ".join(line.split(") ", 2)[-1] for line in text.stdout.splitlines() if line.startswith("[")))
    assert wer((eval_dir / "asr" / "jfk.txt").read_text(), spoken) <= 0.10, spoken


def test_audio_hash_is_of_the_original_file(eval_dir):
    import hashlib

    from interview_assist.audio.decode import probe

    path = eval_dir / "asr" / "jfk.flac"
    assert probe(path).sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def _noisy(clean, kind: str, snr: float, seed: int):
    """A clip mixed with white or brown noise at ``snr`` dB (as benchmarks/denoise.py mixes it)."""
    import numpy as np

    s = clean.astype(np.float64)
    w = np.random.default_rng(seed).standard_normal(s.size)
    if kind == "brown":
        spectrum = np.fft.rfft(w) * np.maximum(np.fft.rfftfreq(s.size, 1 / 16000), 20.0) ** -1.0
        w = np.fft.irfft(spectrum, s.size)
    w *= np.sqrt(np.mean(s**2) / np.mean(w**2) / 10 ** (snr / 10))
    x = s + w
    return (x * min(1.0, 0.99 / np.abs(x).max())).astype(np.float32)


def test_a_looping_chunk_is_read_again_by_the_sequential_decoder(eval_dir, catalog, base_transcriber):
    """Noisy French clips where the batched decoder loops.

    Whether a reading loops, and whether the re-read cures it, depends on the
    CPU's int8 kernels: the test takes the first of these readings that loops
    here (skipped where none does; with French forced, the second and third
    loop on the development machine, an AVX-512 one) and asserts what holds on
    any CPU: the re-read leaves fewer loops, and any it leaves is flagged.
    The language is forced, as with ``--language fr``: the test is about
    loops, and language detection on a noisy chunk differs between CPUs
    (one read a chunk here as Latin).
    """
    import zlib
    from dataclasses import replace

    from interview_assist.asr.hallucination import LOOP_COMPRESSION_RATIO
    from interview_assist.asr.transcriber import Transcriber
    from interview_assist.audio.decode import load
    from interview_assist.audio.denoise import reduce_noise
    from interview_assist.audio.vad import speech_spans

    french = replace(base_transcriber.options, language="fr")
    no_reread = Transcriber(catalog, "whisper-base", replace(french, reread_loops=False))
    rereading = Transcriber(catalog, "whisper-base", french)
    candidates = (("fleurs-fr-003.ogg", "brown", 10, True), ("fleurs-fr-001.ogg", "white", 20, True), ("fleurs-fr-003.ogg", "brown", 0, False))
    for clip, kind, snr, denoised in candidates:
        x = _noisy(load(eval_dir / "asr" / clip), kind, snr, zlib.crc32(f"{clip}|{kind}|{snr}".encode()))
        chunks = speech_spans(x)
        audio = reduce_noise(x) if denoised else x
        first = no_reread.transcribe(audio, chunks)
        if any(s.compression_ratio > LOOP_COMPRESSION_RATIO for s in first):
            break
    else:
        pytest.skip("none of these readings loops with this CPU's kernels")
    from interview_assist.asr.hallucination import HallucinationSettings, segment_flags

    again = rereading.transcribe(audio, chunks)
    # What holds on every CPU: a loop the re-read did not cure is flagged for the
    # officer, never passed off as text (on one CPU the re-read left one).
    flagged = {f.segment for f in segment_flags(list(again), HallucinationSettings()) if f.kind == "loop"}
    left = [i for i, s in enumerate(again) if s.compression_ratio > LOOP_COMPRESSION_RATIO]
    assert set(left) <= flagged, [again[i].text for i in left]
    assert sum(s.compression_ratio > LOOP_COMPRESSION_RATIO for s in again) < sum(
        s.compression_ratio > LOOP_COMPRESSION_RATIO for s in first
    ) or left == [], "the re-read changed nothing"
    assert again != first, "the looping reading was not read again"
    assert again == rereading.transcribe(audio, chunks), "no sampling: the same reading every time"


def test_a_reading_that_runs_past_what_its_speech_can_hold_is_stopped_and_read_again(eval_dir, base_transcriber, monkeypatch):
    """The batched decoder stops a reading once it holds more text than speech of its
    length can (``READING_BASE_TOKENS`` + ``READING_TOKENS_PER_SECOND`` per second, as a
    loop runs on), marks it cut off, and the clip is read again alone by the sequential
    decoder. The limit is lowered here so that a real sentence reaches it on any CPU."""
    import interview_assist.asr.readings as readings
    from interview_assist.asr.decoding import TurnDecoder
    from interview_assist.asr.units import Unit
    from interview_assist.audio.decode import load
    from interview_assist.core.spans import Span, samples_to_seconds

    audio = load(eval_dir / "asr" / "jfk.flac")
    reference = (eval_dir / "asr" / "jfk.txt").read_text()
    tr = base_transcriber
    encoded = tr.encode([audio])[0]

    def words(reading) -> int:
        return sum(len(s.words) for s in reading.segments)

    seconds = samples_to_seconds(audio.size)
    whole = tr.decode([(encoded, "en", seconds)])[0]
    assert not whole.cut_off and words(whole) >= 15
    monkeypatch.setattr(readings, "READING_BASE_TOKENS", 4)
    monkeypatch.setattr(readings, "READING_TOKENS_PER_SECOND", 0)
    stopped = tr.decode([(encoded, "en", seconds)])[0]
    assert stopped.cut_off
    assert 0 < words(stopped) <= 4 < words(whole)
    segments = TurnDecoder(tr).transcribe(audio, [Unit(Span(0.0, samples_to_seconds(audio.size)))])
    assert wer(reference, " ".join(s.text for s in segments)) <= 0.10


def test_what_a_reading_may_hold_is_counted_on_its_clip_not_on_the_silence_after_it(eval_dir, base_transcriber):
    """The cap on a reading's text counts the seconds of its clip, not of its encoder window
    (a 1.9 s reply sits in a 5.9 s window; counted on the window, a looping reply ran to 121
    tokens and held its batch of 8 decoding for 4 s instead of 1). In a batch, each reading is
    judged on its own clip, and the batch runs as long as its longest clip may."""
    from interview_assist.asr.readings import READING_BASE_TOKENS
    from interview_assist.audio.decode import load
    from interview_assist.core.spans import seconds_to_samples

    tr = base_transcriber
    audio = load(eval_dir / "asr" / "harvard_osr_0030.wav")[: seconds_to_samples(20.0)]  # several sentences
    encoded = tr.encode([audio])[0]

    def words(reading) -> int:
        return sum(len(s.words) for s in reading.segments)

    # Said to hold no speech, the 20 s clip may hold READING_BASE_TOKENS tokens, fewer than its
    # sentences take (a word is a token at least).
    whole, told_short = tr.decode([(encoded, "en", 20.0), (encoded, "en", 0.0)])
    assert not whole.cut_off and words(whole) > READING_BASE_TOKENS
    assert told_short.cut_off, "judged on its window (22 s), the reading would pass"
    assert words(told_short) == words(whole), "the batch ran as long as its longest clip may"
    (alone,) = tr.decode([(encoded, "en", 0.0)])
    assert alone.cut_off and 0 < words(alone) < words(whole), "alone, it is stopped at its own cap"


def test_a_reading_that_writes_a_sentence_again_loops():
    """Each copy its own segment, no segment compresses as a loop does; the whole reading
    does, or writes a phrase twice in a row. Seen on one CPU, from 2.7 s of speech in a
    batch: "She was waiting at my front lawn." seven times; and "Yes, that's correct."
    twice from a reply."""
    from interview_assist.asr.hallucination import is_repetitive
    from interview_assist.asr.readings import Reading
    from interview_assist.core.transcript import Segment

    sentence = "She was waiting at my front lawn."
    copies = [Segment(start=2.2 * (k > 0), end=2.2, text=sentence, language="en", compression_ratio=1.1) for k in range(7)]
    assert is_repetitive(" ".join(s.text for s in copies))
    assert Reading(copies, repetitive=True).looping and not Reading(copies).looping
    assert is_repetitive(f"{sentence} {sentence}")
    assert is_repetitive("Yes, that's correct. Yes, that's correct.")
    assert is_repetitive("Oh, there's one here. Oh, there's one here. Oh, there's one there.")
    # A phrase said twice is one too: such a reading is read again, and the sequential decoder's
    # reading kept, whatever it repeats (see the test below).
    assert is_repetitive("I don't know, I don't know.")
    # Scripts written without spaces: a run of characters written again.
    assert is_repetitive("她在我家前院等着。她在我家前院等着。")
    assert not is_repetitive("她在我家前院等着。")
    # Not a loop: two words said twice, words with combining signs, a long sentence, nothing.
    assert not is_repetitive("Yes, yes. Thank you, thank you. I don't, I don't know.")
    assert not is_repetitive("मेरे मामा मेरी मामी")  # "my uncle, my aunt": Hindi's vowel signs are part of its words
    assert not is_repetitive(
        "And so, my fellow Americans, ask not what your country can do for you, ask what you can do for your country."
    )
    assert not is_repetitive("")


def test_the_decoder_judges_a_readings_whole_text(eval_dir, base_transcriber, monkeypatch):
    """What :func:`is_repetitive` is asked about is each reading's text, all its segments (those
    within its clip: here, all of them)."""
    import interview_assist.asr.transcriber as transcriber
    from interview_assist.audio.decode import load
    from interview_assist.core.spans import seconds_to_samples

    heard: list[str] = []

    def judged(text: str) -> bool:
        heard.append(text)
        return len(text.split()) > 1

    monkeypatch.setattr(transcriber, "is_repetitive", judged)
    audio = load(eval_dir / "asr" / "harvard_osr_0030.wav")[: seconds_to_samples(20.0)]  # several sentences
    (reading,) = base_transcriber.decode([(base_transcriber.encode([audio])[0], "en", 20.0)])
    assert len(heard) == 1 and len(reading.segments) >= 2
    assert normalise(heard[0]) == normalise(" ".join(s.text for s in reading.segments))
    assert reading.repetitive and reading.looping and not reading.runs_on


def test_words_after_a_clips_end_do_not_make_its_reading_a_loop(eval_dir, base_transcriber, monkeypatch):
    """The decoder can write its sentence again in the silence after a clip (a 7.4 s turn of the
    bundled interview: the sentence, then copies timed at 7.44 s and after, segments of their own;
    read again alone, it came out as the first copy). Segments that start after the clip's end are
    dropped when the reading is placed, so they are not judged: told its clip ends before its
    first word, a real reading is judged on no text at all."""
    import interview_assist.asr.transcriber as transcriber
    from interview_assist.audio.decode import load
    from interview_assist.core.spans import seconds_to_samples

    heard: list[str] = []

    def judged(text: str) -> bool:
        heard.append(text)
        return False

    monkeypatch.setattr(transcriber, "is_repetitive", judged)
    audio = load(eval_dir / "asr" / "harvard_osr_0030.wav")[: seconds_to_samples(20.0)]  # several sentences
    (reading,) = base_transcriber.decode([(base_transcriber.encode([audio])[0], "en", 0.0)])
    assert reading.segments and heard == [""]


def test_a_copy_begun_inside_a_clip_is_judged_with_the_whole_reading():
    """What :func:`said` gives to judge: the segments that start within the clip; but where a
    segment has words on both sides of its end (a copy begun inside, whose first words would be
    kept), the whole reading, so that the loop is caught and read again."""
    from interview_assist.asr.readings import said

    def seg(text: str, start: float, step: float = 0.4) -> dict:
        words = [{"word": " " + w, "start": start + k * step} for k, w in enumerate(text.split())]
        return {"text": " " + text, "start": start, "words": words}

    sentence = "She was waiting at my front lawn."
    after = [seg(sentence, 0.2), seg(sentence, 3.7), seg(sentence, 6.0)]  # a 3.6 s clip
    assert transcriber_loop(said(after, 3.6)) == (sentence, False)
    begun = [seg(sentence, 0.2), seg(sentence, 3.2), seg(sentence, 6.0)]  # "She" at 3.2 s, inside
    assert transcriber_loop(said(begun, 3.6)) == (" ".join([sentence] * 3), True)
    wordless = [seg(sentence, 0.2), {"text": " " + sentence, "start": 3.7, "words": []}]
    assert transcriber_loop(said(wordless, 3.6)) == (sentence, False)


def transcriber_loop(text: str) -> tuple[str, bool]:
    """``text`` as judged: stripped, and whether it reads as a loop."""
    from interview_assist.asr.hallucination import is_repetitive

    return " ".join(text.split()), is_repetitive(text)


def test_a_reading_repeated_segment_by_segment_is_read_again(eval_dir, base_transcriber, monkeypatch):
    """A reading of real speech that the batched decoder wrote twice (the decoder's answer
    stands in: on which CPU and in which batch it does varies) is read again alone by the
    sequential decoder: it comes out once."""
    from dataclasses import replace

    from interview_assist.asr.decoding import TurnDecoder
    from interview_assist.asr.hallucination import is_repetitive
    from interview_assist.asr.readings import Reading
    from interview_assist.asr.units import Unit
    from interview_assist.audio.decode import load
    from interview_assist.audio.vad import speech_spans
    from interview_assist.core.spans import SAMPLE_RATE, Span, samples_to_seconds

    tr = base_transcriber
    whole = load(eval_dir / "asr" / "jfk.flac")
    first = speech_spans(whole)[0]
    audio = whole[: int((first.end + 0.3) * SAMPLE_RATE)]
    heard = tr.read_alone(audio, "en")  # the sequential decoder's reading, 30 s of window
    text = " ".join(s.text for s in heard)
    assert "fellow americans" in normalise(text) and not is_repetitive(text)

    def doubled(items, *, unbiased=False):
        end = heard[-1].end
        copies = [replace(s, start=end, end=end, words=tuple(replace(w, start=end, end=end) for w in s.words)) for s in heard]
        return [Reading(heard + copies, repetitive=is_repetitive(f"{text} {text}")) for _ in items]

    monkeypatch.setattr(tr, "decode", doubled)
    segments = TurnDecoder(tr).transcribe(audio, [Unit(Span(0.0, samples_to_seconds(audio.size)))])
    assert normalise(" ".join(s.text for s in segments)) == normalise(text), [s.text for s in segments]


def test_a_short_clip_is_encoded_with_more_silence_after_it(eval_dir, base_transcriber):
    """2 s of silence after a clip, 4 s after a short one (a reply): with 2 s the decoder wrote
    "yes yes" and "let's write" for "That's right" (benchmarks/short_clips.py). A group of clips
    shares its longest window."""
    from interview_assist.asr.transcriber import SHORT_CLIP_SECONDS
    from interview_assist.audio.decode import load
    from interview_assist.core.spans import seconds_to_samples

    audio = load(eval_dir / "asr" / "jfk.flac")
    short, long = audio[: seconds_to_samples(1.0)], audio[: seconds_to_samples(SHORT_CLIP_SECONDS + 1.5)]
    encoded = base_transcriber.encode([short])[0]
    assert encoded.shape[0] == 50 * (1.0 + 4.0)  # encoder frames, 50 a second
    assert base_transcriber.encode([long])[0].shape[0] == 50 * (SHORT_CLIP_SECONDS + 1.5 + 2.0)
    together = base_transcriber.encode([short, long])
    assert [e.shape[0] for e in together] == [50 * (SHORT_CLIP_SECONDS + 1.5 + 2.0)] * 2


@pytest.mark.slow
def test_long_clips_are_decoded_in_smaller_batches_than_short_ones(eval_dir, base_transcriber, monkeypatch):
    """The decoder holds keys and values for every beam of every clip: 8 clips of 28 s took 783 MiB
    more than the model. So a decode batch holds at most DECODE_BATCH_SECONDS of encoder window,
    and the batches decoded at once DECODE_IN_FLIGHT_SECONDS together: long clips go fewer at a
    time, short ones ``batch_size`` at a time, and every clip is read. How a batch is made does
    not depend on the cores (a reading's word times depend on the clips aligned with it)."""
    import threading

    from interview_assist.asr.transcriber import (
        DECODE_BATCH_SECONDS,
        DECODE_IN_FLIGHT_SECONDS,
        ENCODER_FRAMES_PER_SECOND,
        Transcriber,
    )
    from interview_assist.asr.workers import Workers
    from interview_assist.audio.decode import load

    # Four workers' threads (on the same model), whatever this machine's cores: more batches than
    # the budget lets at once could run.
    tr = copy.copy(base_transcriber)
    tr.calls = Workers(4)
    audio = np.resize(load(eval_dir / "asr" / "jfk.flac"), 26 * 16000)  # JFK's sentence, looped: 26 s of real speech
    batches: list[tuple[int, int]] = []
    lock, in_flight, most_in_flight = threading.Lock(), [0], [0]
    original = Transcriber._decode_batch

    def spy(self, batch, *args):
        frames = len(batch) * batch[0][0].shape[0]
        with lock:
            batches.append((len(batch), batch[0][0].shape[0]))
            in_flight[0] += frames
            most_in_flight[0] = max(most_in_flight[0], in_flight[0])
        try:
            return original(self, batch, *args)
        finally:
            with lock:
                in_flight[0] -= frames

    monkeypatch.setattr(Transcriber, "_decode_batch", spy)
    long_clips = tr.encode([audio] * 7)
    short_clips = tr.encode([audio[: 6 * 16000]] * 8)
    try:
        readings = tr.decode([(e, "en", 26.0) for e in long_clips] + [(e, "en", 6.0) for e in short_clips])
    finally:
        tr.release()
    assert all(r.segments for r in readings)
    budget = DECODE_BATCH_SECONDS * ENCODER_FRAMES_PER_SECOND
    assert all(n * frames <= budget for n, frames in batches if n > 1), batches
    # 7 long (1400 frames each, 2 a batch at most) as 2 + 2 + 2 + 1; 8 short (500 frames, 6 at
    # most) as 4 + 4, not 6 + 2.
    assert sorted(n for n, frames in batches) == [1, 2, 2, 2, 4, 4], batches
    # Two batches of long clips at once at most (4 would be 11200 frames).
    assert 2 * 2 * 1400 <= most_in_flight[0] <= DECODE_IN_FLIGHT_SECONDS * ENCODER_FRAMES_PER_SECOND, most_in_flight


def test_clips_in_two_languages_are_decoded_in_one_batch_each_in_its_own(eval_dir, base_transcriber, monkeypatch):
    """An interpreted interview alternates languages, so a batch of one language held one
    or two clips there (cs_h2_it_en: 25 readings in 18 batches). Clips of one encoded
    length are decoded together whatever their languages: each reading is prompted with
    its own language and its word times aligned from it."""
    from interview_assist.audio.decode import load
    from interview_assist.core.spans import samples_to_seconds

    tr = base_transcriber
    clips = {lang: load(eval_dir / "asr" / f"fleurs-{lang}-000.ogg") for lang in ("fr", "en")}
    references = {lang: (eval_dir / "asr" / f"fleurs-{lang}-000.txt").read_text() for lang in clips}
    encoded = dict(zip(clips, tr.encode(list(clips.values()))))
    assert encoded["fr"].shape == encoded["en"].shape, "encoded together, padded to one length"
    inner, batches = tr.model.model, []

    class Spy:  # the real model, its decoding calls counted
        def __getattr__(self, name):
            return getattr(inner, name)

        def generate(self, features, prompts, **options):
            batches.append([tr.model.hf_tokenizer.id_to_token(p[-2]) for p in prompts])
            return inner.generate(features, prompts, **options)

    monkeypatch.setattr(tr.model, "model", Spy())
    seconds = {lang: samples_to_seconds(clip.size) for lang, clip in clips.items()}
    readings = dict(zip(clips, tr.decode([(encoded[lang], lang, seconds[lang]) for lang in clips])))
    assert [sorted(b) for b in batches] == [["<|en|>", "<|fr|>"]], "one batch, each clip prompted in its own language"
    for lang, reading in readings.items():
        text = " ".join(s.text for s in reading.segments)
        assert {s.language for s in reading.segments} == {lang}
        # Its own language, not a translation (prompted in the other one: WER 0.95 and 1.0); a few
        # words may read differently on another CPU.
        assert wer(references[lang], text) < 0.5, (lang, text)
        words = [w for s in reading.segments for w in s.words]
        assert words and all(0.0 <= w.start <= w.end <= seconds[lang] + 1.0 for w in words), (lang, words)


def test_a_readings_word_times_do_not_depend_on_the_clip_before_it_in_its_batch(eval_dir, base_transcriber):
    """faster-whisper's word timing carries the end of one batch item's speech into the next
    item's first-word rule (its items are windows of one recording). These are unrelated clips,
    each timed from 0: behind a longer clip, a French sentence whose speech starts at 1.6 s got a
    first word ("L'") from 0.0 s to 2.3 s and its segment started at 0.0 s. Each reading is now
    timed as if aligned alone."""
    from interview_assist.audio.decode import load
    from interview_assist.core.spans import samples_to_seconds

    tr = base_transcriber
    clips = [load(eval_dir / "asr" / f"fleurs-fr-{n}.ogg") for n in ("004", "000")]  # 8.3 s, 10.2 s
    seconds = [samples_to_seconds(c.size) for c in clips]
    encoded = tr.encode(clips)
    assert encoded[0].shape == encoded[1].shape, "one batch"
    (alone,) = tr.decode([(encoded[1], "fr", seconds[1])])
    _, behind = tr.decode([(encoded[0], "fr", seconds[0]), (encoded[1], "fr", seconds[1])])
    first_alone, first_behind = alone.segments[0].words[0], behind.segments[0].words[0]
    assert first_alone.start > 1.0, "the speech starts after a second of silence"
    assert abs(first_behind.start - first_alone.start) <= 0.1, (first_alone, first_behind)
    assert abs(behind.segments[0].start - alone.segments[0].start) <= 0.1


@pytest.mark.slow
def test_batches_decoded_at_once_read_as_one_after_the_other(eval_dir, catalog, monkeypatch):
    """A decode step of whisper-base is too small to share between two threads, so the model runs
    one thread a worker and batches are decoded several at once, one a worker. Each reading
    comes back to its own clip, the same as decoded one batch after another."""
    from interview_assist.asr.transcriber import AsrOptions, Transcriber
    from interview_assist.audio.decode import load
    from interview_assist.core.spans import samples_to_seconds

    names = [("fr", "000"), ("fr", "004"), ("en", "000"), ("en", "001")]
    clips = [load(eval_dir / "asr" / f"fleurs-{lang}-{n}.ogg") for lang, n in names]
    items_of = lambda tr: [  # noqa: E731  each encoded alone, at its own length: a batch each
        (tr.encode([c])[0], lang, samples_to_seconds(c.size)) for c, (lang, _) in zip(clips, names, strict=True)
    ]
    one = Transcriber(catalog, "whisper-base", AsrOptions(cpu_threads=1))
    two = Transcriber(catalog, "whisper-base", AsrOptions(cpu_threads=2))
    try:
        assert (one.workers, two.workers) == (1, 2)
        items = items_of(two)
        assert len({e.shape for e, _, _ in items}) == len(items), "clips of different lengths: a batch each"
        inner, calls = two.model.model, []

        class Spy:  # the real model, the times of its decoding calls kept
            def __getattr__(self, name):
                return getattr(inner, name)

            def generate(self, *args, **options):
                start = time.perf_counter()
                try:
                    return inner.generate(*args, **options)
                finally:
                    calls.append((start, time.perf_counter()))

        monkeypatch.setattr(two.model, "model", Spy())
        at_once = two.decode(items)
        monkeypatch.undo()
        one_by_one = one.decode(items_of(one))
    finally:
        one.release()
        two.release()
    calls.sort()
    assert len(calls) == len(items) and any(b[0] < a[1] for a, b in zip(calls, calls[1:])), "two batches at once"
    for (lang, n), a, b in zip(names, at_once, one_by_one, strict=True):
        assert [s.text for s in a.segments] == [s.text for s in b.segments] and a.segments, (lang, n)
        assert {s.language for s in a.segments} == {lang}
        # One thread a call in both, a batch a clip: the same numbers.
        assert [s.words for s in a.segments] == [s.words for s in b.segments], (lang, n)
