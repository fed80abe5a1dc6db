"""interview-assist: an offline transcription assistant for asylum interviews.

The engine (audio, ASR, store...) is importable without the terminal UI.
Importing this package first switches off every known network path of its
dependencies (see ``_offline``).
"""

from . import _offline  # noqa: F401  (must run before any dependency import)

__version__ = "0.1.0"

from .errors import AudioError, InterviewAssistError, ModelError, StoreError  # noqa: E402
from .spans import Span  # noqa: E402
from .transcript import Flag, Segment, Transcript, Word  # noqa: E402

__all__ = [
    "AudioError",
    "Flag",
    "InterviewAssistError",
    "ModelError",
    "Segment",
    "Span",
    "StoreError",
    "Transcript",
    "Word",
]
