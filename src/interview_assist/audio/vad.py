"""Voice activity detection with the Silero model bundled in faster-whisper.

The ONNX file ships inside the faster-whisper wheel (``faster_whisper/assets``);
nothing is fetched. Results are spans in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from faster_whisper.vad import VadOptions, get_speech_timestamps

from interview_assist.core.spans import SAMPLE_RATE, Span, samples_to_seconds

# Whisper sees at most 30 s at once; a unit of speech is decoded with 2 s of
# silence after it (see asr.transcriber.pad_frames).
MAX_SPEECH_SECONDS = 28.0


@dataclass(frozen=True, slots=True)
class VadSettings:
    threshold: float = 0.5
    min_silence_seconds: float = 0.16
    # Tight: a pause of a third of a second between two voices is kept (see
    # units.JOIN_PAUSE_SECONDS); units get their margins when they are decoded.
    speech_pad_seconds: float = 0.1


def speech_spans(audio: np.ndarray, settings: VadSettings = VadSettings()) -> list[Span]:
    """Regions of ``audio`` (16 kHz mono) that hold speech, each ≤ 28 s."""
    if audio.size == 0:
        return []
    options = VadOptions(
        threshold=settings.threshold,
        min_silence_duration_ms=int(settings.min_silence_seconds * 1000),
        speech_pad_ms=int(settings.speech_pad_seconds * 1000),
        max_speech_duration_s=MAX_SPEECH_SECONDS,
    )
    stamps = get_speech_timestamps(audio, options, sampling_rate=SAMPLE_RATE)
    return [Span(samples_to_seconds(s["start"]), samples_to_seconds(s["end"])) for s in stamps]


def uncovered(speech: list[Span], covered: list[Span], min_seconds: float) -> list[Span]:
    """Stretches of ``speech`` at least ``min_seconds`` long that no ``covered`` span touches."""
    covered = sorted(covered)
    gaps: list[Span] = []
    for region in speech:
        cursor = region.start
        for c in covered:
            if c.end <= cursor or c.start >= region.end:
                continue
            if c.start - cursor >= min_seconds:
                gaps.append(Span(cursor, c.start))
            cursor = max(cursor, c.end)
        if region.end - cursor >= min_seconds:
            gaps.append(Span(cursor, region.end))
    return gaps
