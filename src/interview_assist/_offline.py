"""Switch every known network path off before any dependency is imported.

interview-assist never contacts a model hub and never sends telemetry. Some
dependencies do both unless told not to, and they read these variables when
they are first imported, so this module runs first, from the package
``__init__``. The values are forced, not defaulted: an operator's shell cannot
turn the network back on by accident.
"""

import os

OFFLINE_ENVIRONMENT = {
    # huggingface_hub (pulled in by faster-whisper and pyannote.audio).
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TRANSFORMERS_OFFLINE": "1",
    # onnxruntime >= 1.29 (Silero VAD) sends usage telemetry otherwise.
    "ORT_DISABLE_TELEMETRY": "1",
    # pyannote.audio 4 reports usage metrics otherwise.
    "PYANNOTE_METRICS_ENABLED": "0",
    # Generic opt-out honoured by several libraries.
    "DO_NOT_TRACK": "1",
}


def force_offline() -> None:
    os.environ.update(OFFLINE_ENVIRONMENT)


force_offline()
