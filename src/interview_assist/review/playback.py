"""Playing stretches of an interview's audio, and knowing whether they were heard.

``AudioSink`` is what a :class:`Player` talks to; its ``play`` returns once
the sound is over, with what was played (:class:`SinkResult`), or raises
:class:`PlaybackError` when nothing was. ``CommandSink`` pipes 16 kHz mono PCM
to a local player (``aplay``, ``paplay`` or ``ffplay``, whichever exists) and
finds a player that failed, even one that says nothing of it: ffplay exits
0 when it cannot open a sound device (it writes "audio open failed", which
is looked for), and any player that ends in under half the time the sound
lasts did not play it. ``NoPlayer`` is what a machine without any of them
gets, and says so on every play; ``NullSink`` plays nothing, at once, and
remembers what it was asked to play (it stands in for the sound device in
the tests); ``HeldSink`` holds each play until it is told the sound is
over, or stopped (a sound device that takes time, for the tests of
follow-along review and its benchmark).

``Player`` plays spans of one recording: it checks the recording's sha256
against the stored one before its first play (and again whenever the file
changes on disk), decodes only the span asked for (the store keeps no
audio), and returns a :class:`Played`: what was asked, how it went, and the
part of the recording actually heard; :meth:`Player.position` says where in
the recording the sound now playing is (for the word highlighted as it is
heard). Audio is decoded and played in the caller's worker thread.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from interview_assist.audio import decode as audio_io
from interview_assist.core.errors import AudioError, InterviewAssistError, PlaybackError
from interview_assist.core.spans import SAMPLE_RATE, Span

PLAYERS = (
    ("aplay", ["aplay", "-q", "-t", "raw", "-f", "S16_LE", "-c", "1", "-r", "{rate}", "-"]),
    ("paplay", ["paplay", "--raw", "--format=s16le", "--channels=1", "--rate={rate}"]),
    # -loglevel error: ffplay then writes why it could not open the sound device (it still exits 0).
    ("ffplay", ["ffplay", "-nodisp", "-autoexit", "-loglevel", "error", "-f", "s16le", "-ac", "1", "-ar", "{rate}", "-"]),
)
# What a player writes when it played nothing although it may exit 0 (ffplay: "No more combinations to
# try, audio open failed", "Failed to open file 'pipe:' or configure filtergraph"; SDL's own errors).
FAILURE_LINES = re.compile(
    r"audio open failed|audio open error|SDL_OpenAudio|Could not initialize SDL|No such audio device|"
    r"Failed to open file|Connection failure",
    re.IGNORECASE,
)
# A player that ends sooner than this share of the sound's duration did not play it.
MIN_REAL_TIME = 0.5
OUTCOMES = ("ended", "stopped", "failed")


@dataclass(frozen=True, slots=True)
class SinkResult:
    outcome: str  # "ended": played to its end; "stopped": cut short by a newer play or by quitting
    seconds: float  # seconds of the given samples that were played, at the rate they were played at


@dataclass(frozen=True, slots=True)
class Played:
    """One play of a span of the recording, as it went."""

    span: Span  # what was asked for
    speed: float
    outcome: str  # "ended" | "stopped" | "failed"
    heard: Span | None  # the part of the recording that was played (None: nothing)
    seconds: float  # wall-clock seconds from the start of the player to its end
    reason: str = ""  # why it failed


class AudioSink(Protocol):
    def play(self, samples: np.ndarray, rate: int) -> SinkResult: ...
    def stop(self) -> None: ...


class NullSink:
    """Plays nothing, at once, as if played to the end; keeps what it was given."""

    def __init__(self) -> None:
        self.played: list[tuple[int, int]] = []  # (samples, rate)

    def play(self, samples: np.ndarray, rate: int) -> SinkResult:
        self.played.append((int(samples.size), rate))
        return SinkResult("ended", samples.size / rate)

    def stop(self) -> None:
        pass


class HeldSink:
    """Plays nothing, and returns only when :meth:`finish` says the sound is over ("ended") or
    :meth:`stop` stops it ("stopped", with ``heard`` seconds of it played); keeps what it was given."""

    def __init__(self) -> None:
        self.played: list[tuple[int, int]] = []  # (samples, rate)
        self.heard = 0.0  # for a stop: the seconds of the sound played by then
        self._done = threading.Event()
        self._outcome = "ended"
        self._lock = threading.Lock()

    @property
    def waiting(self) -> int:
        """How many plays were started."""
        return len(self.played)

    def play(self, samples: np.ndarray, rate: int) -> SinkResult:
        with self._lock:
            self.played.append((int(samples.size), rate))
            self._outcome = "ended"
            self._done.clear()
        self._done.wait()
        with self._lock:
            if self._outcome == "stopped":
                return SinkResult("stopped", min(self.heard, samples.size / rate))
            return SinkResult("ended", samples.size / rate)

    def finish(self) -> None:
        """The sound now playing is over."""
        with self._lock:
            self._outcome = "ended"
            self._done.set()

    def stop(self) -> None:
        with self._lock:
            self._outcome = "stopped"
            self._done.set()


class NoPlayer:
    """The sink of a machine with no command-line player: every play says so."""

    def play(self, samples: np.ndarray, rate: int) -> SinkResult:
        raise PlaybackError("no audio player found (install aplay, paplay or ffplay)")

    def stop(self) -> None:
        pass


class CommandSink:
    """Pipes PCM to a command-line player; a new play stops the previous one.

    A player that exits with an error (no sound device, a busy device), that
    writes one of ``FAILURE_LINES``, or that ends in less than
    ``MIN_REAL_TIME`` of the sound's duration raises :class:`PlaybackError`
    with the reason; one stopped by a newer play, or by :meth:`stop`, returns
    "stopped" with the time it ran.
    """

    def __init__(self, argv: list[str]):
        self._argv = argv
        self._proc: subprocess.Popen[bytes] | None = None
        self._stopped: set[int] = set()  # pids this sink killed
        self._lock = threading.Lock()

    def play(self, samples: np.ndarray, rate: int) -> SinkResult:
        pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
        duration = samples.size / rate
        argv = [a.format(rate=rate) for a in self._argv]
        name = os.path.basename(argv[0])
        with self._lock:
            self._stop()
            try:
                proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            except OSError as exc:
                raise PlaybackError(f"cannot start {name}: {exc.strerror or exc}") from None
            self._proc = proc
        started = time.monotonic()
        try:
            _, err = proc.communicate(pcm)
        except (BrokenPipeError, OSError):
            err = b""
            proc.wait()
        elapsed = time.monotonic() - started
        with self._lock:
            stopped = proc.pid in self._stopped
            self._stopped.discard(proc.pid)
            if self._proc is proc:
                self._proc = None
        if stopped:
            return SinkResult("stopped", min(elapsed, duration))
        lines = [line.strip() for line in err.decode("utf-8", "replace").splitlines() if line.strip()]
        if proc.returncode:
            raise PlaybackError(f"{name} failed (exit code {proc.returncode})" + (f": {lines[-1]}" if lines else ""))
        if failure := next((line for line in lines if FAILURE_LINES.search(line)), None):
            raise PlaybackError(f"{name} could not play the audio: {failure}")
        if elapsed < duration * MIN_REAL_TIME:
            raise PlaybackError(
                f"{name} ended after {elapsed:.1f} s of {duration:.1f} s of sound without playing it (no sound device?)"
                + (f": {lines[-1]}" if lines else "")
            )
        return SinkResult("ended", duration)

    def stop(self) -> None:
        with self._lock:
            self._stop()

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            self._stopped.add(proc.pid)
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


@dataclass(slots=True)
class _Playing:
    span: Span
    speed: float
    started: float  # time.monotonic()


class Player:
    """Plays spans of one recording through a sink; ``speed`` < 1 plays slower (and lower).

    With ``sha256``, the recording is checked against it before the first
    play and whenever the file changed on disk since: a different file (a
    swapped recording) is refused.
    """

    def __init__(
        self, audio_path: str | Path, sink: AudioSink, sha256: str | None = None, clock: Callable[[], float] = time.monotonic
    ):
        self.audio_path = audio_path
        self.sink = sink
        self.sha256 = sha256
        self.clock = clock  # seconds, monotonic: where a play is, how long it ran (a fake clock in tests)
        self.history: list[Played] = []
        self._verified: tuple[int, int, int, int] | None = None  # (size, mtime, inode, device) of the checked file
        self._playing: dict[int, _Playing] = {}
        self._ticket = 0
        self._closed = False
        self._lock = threading.Lock()

    def check_recording(self) -> None:
        """Refuse a recording that is not the one transcribed (:class:`PlaybackError`)."""
        if self.sha256 is None:
            return
        path = Path(self.audio_path)
        try:
            st = path.stat()
        except OSError as exc:
            raise AudioError(f"{path}: cannot be read ({exc.strerror or exc})") from None
        key = (st.st_size, st.st_mtime_ns, st.st_ino, st.st_dev)
        if key == self._verified:
            return
        if audio_io.file_sha256(path) != self.sha256:
            raise PlaybackError(
                f"{path} is not the recording that was transcribed (its sha256 differs from the stored one): "
                "refusing to play it; find the original recording"
            )
        self._verified = key

    def play(self, span: Span, speed: float = 1.0) -> Played | None:
        """Play ``span``; returns how it went, or None when :meth:`stop` already returned this play."""
        if self._closed:
            return None
        try:
            self.check_recording()
            samples = read_span(self.audio_path, span)
        except InterviewAssistError as exc:
            return self._keep(Played(span, speed, "failed", None, 0.0, str(exc)))
        with self._lock:
            if self._closed:
                return None
            self._ticket += 1
            ticket = self._ticket
            self._playing[ticket] = playing = _Playing(span, speed, self.clock())
        try:
            result = self.sink.play(samples, int(round(SAMPLE_RATE * speed)))
        except PlaybackError as exc:
            played = Played(span, speed, "failed", None, self.clock() - playing.started, str(exc))
        else:
            played = Played(
                span, speed, result.outcome, self._heard(span, result.seconds * speed), self.clock() - playing.started
            )
        with self._lock:
            if self._playing.pop(ticket, None) is None:
                return None  # stop() returned it already
        return self._keep(played)

    def stop(self) -> list[Played]:
        """Stop what is playing; the plays it cut short, with what was heard (estimated from the time they ran)."""
        now = self.clock()
        with self._lock:
            playing, self._playing = list(self._playing.values()), {}
        self.sink.stop()
        return [
            self._keep(Played(p.span, p.speed, "stopped", self._heard(p.span, (now - p.started) * p.speed), now - p.started))
            for p in playing
        ]

    def position(self) -> float | None:
        """Where in the recording the newest play is now (from the time it has run), None when nothing plays."""
        with self._lock:
            if not self._playing:
                return None
            p = self._playing[max(self._playing)]
        return min(p.span.start + max(self.clock() - p.started, 0.0) * p.speed, p.span.end)

    def close(self) -> list[Played]:
        """Stop, and play nothing more (the app is closing)."""
        self._closed = True
        return self.stop()

    @staticmethod
    def _heard(span: Span, seconds: float) -> Span | None:
        end = min(span.start + max(seconds, 0.0), span.end)
        return Span(span.start, end) if end > span.start else None

    def _keep(self, played: Played) -> Played:
        self.history.append(played)
        return played
