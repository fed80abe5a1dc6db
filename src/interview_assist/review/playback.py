"""Playing stretches of an interview's audio, behind one small interface.

``AudioSink`` is what the review screen talks to. ``CommandSink`` pipes 16 kHz
mono PCM to a local player (``aplay``, ``paplay`` or ``ffplay``, whichever
exists) and reports a player that fails; ``NoPlayer`` is what a machine
without any of them gets, and says so on every play; ``NullSink`` plays
nothing and remembers what it was asked to play (it stands in for the sound
device in the tests). Audio is decoded and played
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

from interview_assist.audio import decode as audio_io
from interview_assist.core.errors import PlaybackError
from interview_assist.core.spans import SAMPLE_RATE, Span

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


class NoPlayer:
    """The sink of a machine with no command-line player: every play says so."""

    def play(self, samples: np.ndarray, rate: int) -> None:
        raise PlaybackError("no audio player found (install aplay, paplay or ffplay)")

    def stop(self) -> None:
        pass


class CommandSink:
    """Pipes PCM to a command-line player; a new play stops the previous one.

    A player that exits with an error (no sound device, a busy device) raises
    :class:`PlaybackError` with the last line it wrote; one stopped by a newer
    play does not.
    """

    def __init__(self, argv: list[str]):
        self._argv = argv
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def play(self, samples: np.ndarray, rate: int) -> None:
        pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
        with self._lock:
            self.stop()
            argv = [a.format(rate=rate) for a in self._argv]
            try:
                self._proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            except OSError as exc:
                raise PlaybackError(f"cannot start {argv[0]}: {exc.strerror or exc}") from None
            proc = self._proc
        try:
            _, err = proc.communicate(pcm)
        except (BrokenPipeError, OSError):
            err = b""
            proc.wait()
        if proc.returncode and proc.returncode > 0:  # < 0: stopped by a signal (a newer play, or quit)
            lines = err.decode("utf-8", "replace").strip().splitlines()
            raise PlaybackError(f"{argv[0]} failed (exit code {proc.returncode})" + (f": {lines[-1]}" if lines else ""))

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()


def default_sink() -> AudioSink:
    """A local player if one is installed, else a sink that says none is."""
    for name, argv in PLAYERS:
        if shutil.which(name):
            return CommandSink(argv)
    return NoPlayer()


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
