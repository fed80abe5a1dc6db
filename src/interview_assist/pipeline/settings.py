"""What a person sets for a run: the flat, picklable settings of ``transcribe``, ``batch`` and a manifest row.

:class:`RunSettings` is what the command line (one decorator, in
:mod:`interview_assist.cli.run_options`) and a batch manifest produce;
:meth:`interview_assist.pipeline.run.PipelineOptions.from_settings` is the one
place that turns it into the engine's options. Every field enters a batch
job's key, so a recording done with the same settings is not done again.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from interview_assist.core.errors import InputError
from interview_assist.core.transcript import GlossaryEntry


@dataclass(frozen=True, slots=True)
class RunSettings:
    """The settings one recording is transcribed with."""

    model: str | None = None
    language: str | None = None  # one language forced for everybody
    denoise: str = "auto"
    diarize: bool = True
    interpreter: bool = True
    speakers: int | None = None
    min_speakers: int | None = None
    max_speakers: int | None = None
    glossary: str | None = None  # a file; its content's sha256 enters the key
    bias: bool = True
    speaker_languages: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.language:
            object.__setattr__(self, "language", self.language.strip().lower())

    def check(self, catalog: Any = None) -> tuple[GlossaryEntry, ...]:
        """Refuse settings that contradict each other or name nothing, before any work.

        With a model ``catalog``, the model must exist in it. Returns the case
        glossary, read (once) from its file.
        """
        from interview_assist.asr.transcriber import check_language
        from interview_assist.names.glossary import read_glossary
        from interview_assist.speakers.options import DiarizeOptions

        if not self.diarize and (self.speakers or self.min_speakers or self.max_speakers):
            raise InputError("speaker counts need diarization: drop --no-diarize or the speaker options")
        if self.speakers is not None and (self.min_speakers is not None or self.max_speakers is not None):
            raise InputError("give --speakers N, or --min-speakers/--max-speakers, not both")
        DiarizeOptions(num_speakers=self.speakers, min_speakers=self.min_speakers, max_speakers=self.max_speakers)
        if self.speaker_languages and not self.diarize:
            raise InputError("--speaker-language needs diarization: drop --no-diarize")
        if self.speaker_languages and self.language:
            raise InputError("--language forces one language for everybody: give it or --speaker-language, not both")
        if self.language:
            check_language(self.language)
        glossary = read_glossary(Path(self.glossary)) if self.glossary is not None else ()
        if catalog is not None:
            catalog.get(self.model)
        return glossary

    def key_fields(self) -> dict[str, Any]:
        """The fields as a batch job's key holds them (the glossary by its content)."""
        fields = asdict(self)
        if not self.speaker_languages:  # keys of batches from before the setting existed stay valid
            del fields["speaker_languages"]
        if self.glossary is not None:
            try:
                fields["glossary"] = hashlib.sha256(Path(self.glossary).read_bytes()).hexdigest()
            except OSError:
                fields["glossary"] = f"unreadable:{self.glossary}"
        return fields
