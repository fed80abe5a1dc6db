"""Playing stretches of an interview's audio, behind one small interface.

``AudioSink`` is what the review screen talks to. ``CommandSink`` pipes 16 kHz
mono PCM to a local player (``aplay``, ``paplay`` or ``ffplay``, whichever
exists); ``NullSink`` plays nothing and remembers what it was asked to play
(machines without a sound device, and the tests). Audio is decoded and played
in the caller's worker thread; only the segment asked for is decoded from the
original file (the store keeps no audio).
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from . import audio as audio_io
from .spans import SAMPLE_RATE, Span

PLAYERS = (
    ("aplay", ["aplay", "-q", "-t", "raw", "-f", "S16_LE", "-c", "1", "-r", "{rate}", "-"]),
    ("paplay", ["paplay", "--raw", "--format=s16le", "--channels=1", "--rate={rate}"]),
    ("ffplay", ["ffplay", "-nodisp", "-autoexit", "-loglevel", "quiet", "-f", "s16le", "-ac", "1", "-ar", "{rate}", "-"]),
)


@dataclass(frozen=True, slots=True)
class Played:
    span: Span
    speed: float


class AudioSink(Protocol):
    def play(self, samples: np.ndarray, rate: int) -> None: ...
    def stop(self) -> None: ...


class NullSink:
    """Plays nothing; keeps what it was given."""

    def __init__(self) -> None:
        self.played: list[tuple[int, int]] = []  # (samples, rate)

    def play(self, samples: np.ndarray, rate: int) -> None:
        self.played.append((int(samples.size), rate))

    def stop(self) -> None:
        pass


class CommandSink:
    """Pipes PCM to a command-line player; a new play stops the previous one."""

    def __init__(self, argv: list[str]):
        self._argv = argv
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()

    def play(self, samples: np.ndarray, rate: int) -> None:
        pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
        with self._lock:
            self.stop()
            argv = [a.format(rate=rate) for a in self._argv]
            self._proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            proc = self._proc
        try:
            proc.communicate(pcm)
        except (BrokenPipeError, OSError):
            pass

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()


def default_sink() -> AudioSink:
    """A local player if one is installed, else a sink that plays nothing."""
    for name, argv in PLAYERS:
        if shutil.which(name):
            return CommandSink(argv)
    return NullSink()


def read_span(path: str | Path, span: Span) -> np.ndarray:
    """The 16 kHz mono samples of ``span`` of a recording, decoded from the start of the file."""
    start, end = int(span.start * SAMPLE_RATE), int(span.end * SAMPLE_RATE)
    out: list[np.ndarray] = []
    pos = 0
    for block in audio_io.stream(path):
        if pos + block.size > start:
            out.append(block[max(start - pos, 0) : max(end - pos, 0)])
        pos += block.size
        if pos >= end:
            break
    return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)


class Player:
    """Plays spans of one recording through a sink; ``speed`` < 1 plays slower (and lower)."""

    def __init__(self, audio_path: str | Path, sink: AudioSink):
        self.audio_path = audio_path
        self.sink = sink
        self.history: list[Played] = []

    def play(self, span: Span, speed: float = 1.0) -> Played:
        samples = read_span(self.audio_path, span)
        self.history.append(Played(span, speed))
        self.sink.play(samples, int(round(SAMPLE_RATE * speed)))
        return self.history[-1]

    def stop(self) -> None:
        self.sink.stop()
