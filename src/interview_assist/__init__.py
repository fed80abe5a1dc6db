"""interview-assist: an offline transcription assistant for asylum interviews.

The engine (audio, ASR, store...) is importable without the terminal UI.
Importing this package first switches off every known network path of its
dependencies (see ``_offline``), and does nothing else: the names below are
imported when first used.
"""

from typing import Any

from interview_assist import (
    _native_memory,  # noqa: F401  (before CTranslate2 builds a kernel)
    _offline,  # noqa: F401  (must run before any dependency import)
)

__version__ = "0.1.0"

_EXPORTS = {
    "AudioError": "interview_assist.core.errors",
    "InterviewAssistError": "interview_assist.core.errors",
    "ModelError": "interview_assist.core.errors",
    "StoreError": "interview_assist.core.errors",
    "Span": "interview_assist.core.spans",
    "Flag": "interview_assist.core.transcript",
    "Segment": "interview_assist.core.transcript",
    "Transcript": "interview_assist.core.transcript",
    "Word": "interview_assist.core.transcript",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'interview_assist' has no attribute {name!r}")


__all__ = sorted(_EXPORTS)
