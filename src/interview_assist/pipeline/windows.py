"""The recording in windows of a few minutes, cut at pauses: where each ends, its speech and its denoise decision.

:func:`plan_windows` reads the recording once and decides, for every window,
where it ends (the middle of the widest pause near its end, so no word
straddles two windows), where its speech is (voice activity on the original
audio) and whether it is denoised. It keeps only those small results; the
decoded audio is also handed, block by block, to whoever taps the pass (the
diarization), so the recording is decoded once before the speech model loads.
:func:`planned_audio` then streams the recording again, window by window as
planned, for the speech pass. Memory depends on the window length, not on
the length of the recording.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass

import numpy as np

from interview_assist.audio import decode as audio_io
from interview_assist.audio.denoise import DenoiseMode, DenoiseSettings, auto_decision, estimate_noise, reduce_noise
from interview_assist.audio.vad import VadSettings, speech_spans
from interview_assist.core.errors import AudioError
from interview_assist.core.heap import release_free_memory
from interview_assist.core.spans import SAMPLE_RATE, Span, samples_to_seconds, seconds_to_samples
from interview_assist.core.transcript import DenoiseDecision


@dataclass(frozen=True, slots=True)
class WindowPlan:
    """One window as planned: where it starts and ends, its speech (in its own clock), its denoise decision."""

    offset: float
    samples: int  # used of the recording from ``offset``; the rest goes to the next window
    speech: tuple[Span, ...]
    denoise: DenoiseDecision

    @property
    def cut(self) -> float:
        return samples_to_seconds(self.samples)


@dataclass(frozen=True, slots=True)
class _Window:
    offset: float
    samples: np.ndarray
    last: bool


def _windows(blocks: Iterator[np.ndarray], window: int) -> Generator[_Window, int | None, None]:
    """Group decoded blocks into windows of ``window`` samples (the last shorter).

    The consumer sends back, with ``send``, how many samples of the window it
    used; the rest is carried into the next window.
    """
    buffer = np.zeros(0, dtype=np.float32)
    offset = 0
    exhausted = False
    while True:
        while not exhausted and buffer.size < window:
            try:
                buffer = np.concatenate([buffer, next(blocks)])
            except StopIteration:
                exhausted = True
        if buffer.size == 0:
            return
        used = yield _Window(samples_to_seconds(offset), buffer, exhausted and buffer.size <= window)
        used = buffer.size if used is None else used
        offset += used
        # A copy, so that the window's array is freed, not kept under a view.
        buffer = buffer[used:].copy()


def cut_point(speech: list[Span], length: float, search: float) -> float:
    """Where to end a window: the middle of the widest pause near its end."""
    best: tuple[float, float] | None = None
    edges = [0.0] + [t for s in speech for t in (s.start, s.end)] + [length]
    for gap_start, gap_end in zip(edges[::2], edges[1::2]):
        width = gap_end - gap_start
        middle = (gap_start + gap_end) / 2
        if middle < length - search or middle >= length or width <= 0:
            continue
        if best is None or width > best[0]:
            best = (width, middle)
    if best is not None:
        return best[1]
    # No pause at all near the end: cut between two VAD spans if there are any.
    boundaries = [s.end for s in speech if length - search <= s.end < length]
    return boundaries[-1] if boundaries else length


def denoise_decision(
    samples: np.ndarray, mode: DenoiseMode, coloured_min_snr_db: float | None = None
) -> tuple[bool, str]:
    """Whether to denoise a window, and why."""
    if mode is DenoiseMode.OFF:
        return False, "denoise off"
    if mode is DenoiseMode.ON:
        return True, "denoise on"
    return auto_decision(estimate_noise(samples), coloured_min_snr_db)


def plan_windows(
    path: str | os.PathLike[str],
    *,
    window_seconds: float,
    cut_search_seconds: float,
    vad: VadSettings,
    denoise: DenoiseMode,
    coloured_min_snr_db: float | None,
    tap: Callable[[np.ndarray], object] | None = None,
) -> list[WindowPlan]:
    """Every window of the recording, planned. ``tap`` is given every decoded block, in order."""
    plans: list[WindowPlan] = []
    blocks = audio_io.stream(path)
    if tap is not None:
        blocks = _tapped(blocks, tap)
    windows = _windows(blocks, seconds_to_samples(window_seconds))
    used: int | None = None
    while True:
        try:
            win = windows.send(used) if used is not None else next(windows)
        except StopIteration:
            return plans
        length = win.samples.size / SAMPLE_RATE
        # Speech is found on the original audio: gating can make quiet
        # speech too faint for the VAD.
        speech = speech_spans(win.samples, vad)
        applied, reason = denoise_decision(win.samples, denoise, coloured_min_snr_db)
        cut = length if win.last else cut_point(speech, length, cut_search_seconds)
        used = int(round(cut * SAMPLE_RATE)) or win.samples.size
        kept = tuple(Span(s.start, min(s.end, cut)) for s in speech if s.start < cut)
        plans.append(WindowPlan(win.offset, used, kept, DenoiseDecision(win.offset, win.offset + cut, applied, reason)))
        del win
        # Windows (and the tap's buffers) differ in size: what glibc keeps of them would grow with the recording.
        release_free_memory()


def _tapped(blocks: Iterator[np.ndarray], tap: Callable[[np.ndarray], object]) -> Iterator[np.ndarray]:
    for block in blocks:
        tap(block)
        yield block


def planned_audio(
    path: str | os.PathLike[str], plans: list[WindowPlan], window_seconds: float, settings: DenoiseSettings
) -> Iterator[tuple[WindowPlan, np.ndarray]]:
    """Each planned window with its audio for the speech pass, denoised where so decided."""
    windows = _windows(audio_io.stream(path), seconds_to_samples(window_seconds))
    used: int | None = None
    for plan in plans:
        try:
            win = windows.send(used) if used is not None else next(windows)
        except StopIteration:
            win = None
        if win is None or abs(win.offset - plan.offset) > 1e-6:
            raise AudioError(f"{path}: the recording changed while it was being processed")
        audio = win.samples[: plan.samples]
        if plan.denoise.applied:
            audio = reduce_noise(win.samples, settings)[: plan.samples]
        used = plan.samples
        del win
        yield plan, audio
    windows.close()
