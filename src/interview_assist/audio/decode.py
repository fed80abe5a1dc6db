"""Audio input: validate a recording, hash it, and stream it as 16 kHz mono.

Every format FFmpeg reads (wav, flac, mp3, ogg/opus, m4a/mp4...) at any sample
rate and channel count is decoded through PyAV and resampled to 16 kHz mono
float32. Decoding is a generator of short blocks, so memory does not grow with
the length of the recording.

The file is always opened by Python and handed to FFmpeg as a file object, so
FFmpeg never interprets the path as a URL or a network protocol.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

import av
import numpy as np

from interview_assist.core import hashing
from interview_assist.core.errors import AudioError
from interview_assist.core.spans import SAMPLE_RATE, format_timestamp, samples_to_seconds, seconds_to_samples

logger = logging.getLogger("interview_assist")

# A stream that decodes to less than this share of the duration its header
# declares is treated as truncated. Headers of VBR files without an index are
# estimates, hence the slack.
_TRUNCATION_TOLERANCE = 0.97
_TRUNCATION_MIN_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class AudioInfo:
    """What is known of a recording before it is decoded in full."""

    path: Path
    sha256: str
    size_bytes: int
    codec: str
    sample_rate: int
    channels: int
    declared_duration: float | None


def _check_path(path: Path) -> os.stat_result:
    try:
        st = path.stat()
    except FileNotFoundError:
        raise AudioError(f"{path}: no such file") from None
    except PermissionError:
        raise AudioError(f"{path}: permission denied") from None
    except OSError as exc:
        raise AudioError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise AudioError(f"{path}: is a directory, not an audio file")
    if not stat.S_ISREG(st.st_mode):
        raise AudioError(f"{path}: is not a regular file")
    if st.st_size == 0:
        raise AudioError(f"{path}: is empty (0 bytes)")
    if not os.access(path, os.R_OK):
        raise AudioError(f"{path}: permission denied")
    return st


def file_sha256(path: Path) -> str:
    """The recording's sha256; a file that cannot be read is an :class:`AudioError` saying why."""
    try:
        return hashing.file_sha256(path)
    except PermissionError:
        raise AudioError(f"{path}: permission denied") from None
    except OSError as exc:
        raise AudioError(f"{path}: cannot be read ({exc.strerror or exc})") from None


class _InterruptibleFile:
    """A file for PyAV that does not lose Ctrl-C.

    PyAV calls ``read`` and ``seek`` from C and ignores any exception raised
    there, KeyboardInterrupt included: a Ctrl-C landing in a read would be
    printed and dropped, and decoding would go on (or end early, as if the
    file were shorter). Here the interrupt is recorded, FFmpeg sees the end
    of the file, and :meth:`_Container.decode` raises it again.
    """

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        # FFmpeg guesses the format from the name, as with a plain file.
        self.name = fh.name
        self.interrupted = False
        self.reached_end = False  # a read came back short: FFmpeg has seen the end of the file

    def read(self, size: int = -1) -> bytes:
        if self.interrupted:
            return b""
        try:
            data = self._fh.read(size)
        except KeyboardInterrupt:
            self.interrupted = True
            return b""
        if size < 0 or len(data) < size:
            self.reached_end = True
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        try:
            return self._fh.seek(offset, whence)
        except KeyboardInterrupt:
            self.interrupted = True
            return self._fh.tell()

    def tell(self) -> int:
        return self._fh.tell()

    def seekable(self) -> bool:
        return True

    def close(self) -> None:
        self._fh.close()


class _Container:
    """An FFmpeg container opened from a Python file object, errors translated."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self._fh = _InterruptibleFile(open(path, "rb"))
        except PermissionError:
            raise AudioError(f"{path}: permission denied") from None
        except OSError as exc:
            raise AudioError(f"{path}: cannot be read ({exc.strerror or exc})") from None
        try:
            self.container = av.open(self._fh, mode="r", metadata_errors="ignore")
        except (av.error.FFmpegError, ValueError) as exc:
            self._fh.close()
            self._raise_if_interrupted()
            raise AudioError(f"{path}: not a readable audio file ({_reason(exc)})") from None
        if not self.container.streams.audio:
            self.close()
            raise AudioError(f"{path}: contains no audio stream")
        self.stream = self.container.streams.audio[0]

    def declared_duration(self) -> float | None:
        s = self.stream
        if self.container.format.name == "wav":
            # FFmpeg derives a WAV's duration from the file size; the header's
            # data-chunk size is what tells a truncated file.
            return _wav_declared_duration(self.path)
        if s.duration is not None and s.time_base is not None:
            return float(s.duration * s.time_base)
        if self.container.duration is not None:
            return self.container.duration / av.time_base
        return None

    def _raise_if_interrupted(self) -> None:
        if self._fh.interrupted:
            raise KeyboardInterrupt

    def decode(self) -> Iterator[av.AudioFrame]:
        decoded = 0.0
        try:
            for frame in self.container.decode(self.stream):
                self._raise_if_interrupted()
                if frame.sample_rate:
                    decoded += frame.samples / frame.sample_rate
                yield frame
        except av.error.FFmpegError as exc:
            self._raise_if_interrupted()
            # Data that breaks off at the end of a file whose header declares
            # more is a cut-off file (a FLAC's last frame is then partial);
            # bad data before the end is corruption.
            if self._fh.reached_end and (short := _truncation(self.path, self.declared_duration(), decoded)):
                raise short from None
            raise AudioError(f"{self.path}: corrupt audio data ({_reason(exc)})") from None
        self._raise_if_interrupted()

    def close(self) -> None:
        self.container.close()
        self._fh.close()

    def __enter__(self) -> _Container:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _wav_declared_duration(path: Path) -> float | None:
    """Seconds the RIFF header's ``data`` chunk declares, if it declares any."""
    with open(path, "rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        byte_rate = None
        while chunk := fh.read(8):
            if len(chunk) < 8:
                return None
            cid, size = chunk[:4], int.from_bytes(chunk[4:], "little")
            if cid == b"fmt ":
                fmt = fh.read(size)
                byte_rate = int.from_bytes(fmt[8:12], "little")
                fh.seek(size % 2, 1)
            elif cid == b"data":
                # 0 and 0xFFFFFFFF mark a stream whose length was never written.
                if not byte_rate or size in (0, 0xFFFFFFFF):
                    return None
                return size / byte_rate
            else:
                fh.seek(size + size % 2, 1)
    return None


def _truncation(path: Path, declared: float | None, decoded: float) -> AudioError | None:
    """The error for a recording that decodes to clearly less than its header declares, if it does."""
    if (
        declared is not None
        and declared - decoded > _TRUNCATION_MIN_SECONDS
        and decoded < declared * _TRUNCATION_TOLERANCE
    ):
        return AudioError(
            f"{path}: truncated: its header declares {format_timestamp(declared)} "
            f"but only {format_timestamp(decoded)} could be decoded"
        )
    return None


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.split(";")[0].strip() or type(exc).__name__


def probe(path: str | os.PathLike[str]) -> AudioInfo:
    """Check that ``path`` is a readable recording and hash it.

    Raises :class:`AudioError` with a one-line reason for a missing, empty,
    unreadable, non-audio or undecodable file. The first audio frames are
    decoded, so a file that is corrupt from the start fails here, before any
    model is loaded. Truncation further in is found by :func:`stream`.
    """
    path = Path(path)
    st = _check_path(path)
    with _Container(path) as c:
        ctx = c.stream.codec_context
        frames = c.decode()
        try:
            first = next(frames)
        except StopIteration:
            raise AudioError(f"{path}: contains no audio samples") from None
        if first.samples == 0 and not any(f.samples for f in frames):
            raise AudioError(f"{path}: contains no audio samples")
        info = AudioInfo(
            path=path,
            sha256="",
            size_bytes=st.st_size,
            codec=ctx.name,
            sample_rate=int(c.stream.rate or first.sample_rate),
            channels=int(ctx.channels or len(first.layout.channels)),
            declared_duration=c.declared_duration(),
        )
    return replace(info, sha256=file_sha256(path))


def stream(path: str | os.PathLike[str], block_seconds: float = 30.0) -> Iterator[np.ndarray]:
    """Yield the recording as 16 kHz mono float32 blocks of ``block_seconds``.

    The last block may be shorter. Nothing is decoded until you iterate.
    Raises :class:`AudioError` for corrupt data, for a recording with no
    samples, and for one that decodes to clearly less than its header declares
    (a truncated file).
    """
    path = Path(path)
    _check_path(path)
    block = seconds_to_samples(block_seconds)
    with _Container(path) as c:
        declared = c.declared_duration()
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        pending: list[np.ndarray] = []
        pending_len = 0
        total = 0

        def resampled(frame: av.AudioFrame | None) -> Iterator[np.ndarray]:
            for out in resampler.resample(frame):
                yield out.to_ndarray().reshape(-1)

        def frames() -> Iterator[np.ndarray]:
            for frame in c.decode():
                yield from resampled(frame)
            yield from resampled(None)

        for samples in frames():
            pending.append(samples)
            pending_len += samples.shape[0]
            while pending_len >= block:
                joined = np.concatenate(pending)
                out, rest = joined[:block], joined[block:]
                total += out.shape[0]
                yield np.ascontiguousarray(out, dtype=np.float32)
                pending, pending_len = ([rest], rest.shape[0]) if rest.size else ([], 0)
        if pending_len:
            total += pending_len
            yield np.concatenate(pending).astype(np.float32, copy=False)

    if total == 0:
        raise AudioError(f"{path}: contains no audio samples")
    if short := _truncation(path, declared, samples_to_seconds(total)):
        raise short


def load(path: str | os.PathLike[str]) -> np.ndarray:
    """The whole recording as one 16 kHz mono float32 array (short clips only)."""
    return np.concatenate(list(stream(path)))
