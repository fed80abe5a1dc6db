"""The pipeline's options on the command line: one decorator for ``transcribe`` and ``batch``.

The decorated command receives them as one
:class:`~interview_assist.pipeline.settings.RunSettings` (``settings=``), checked
before any work; :meth:`~interview_assist.pipeline.run.PipelineOptions.from_settings`
turns it into the engine's options.
"""

from __future__ import annotations

import functools
from pathlib import Path

import click

from interview_assist.pipeline.settings import RunSettings

_OPTIONS = (
    click.option("--language", default=None,
                 help="Force one language code (e.g. en, fr, ar) for everybody; default: detected per speaker turn."),
    click.option("--model", default=None, help="Model name from `interview-assist models` (default: whisper-base)."),
    click.option("--denoise", type=click.Choice(["off", "on", "auto"]), default="auto", show_default=True,
                 help="Noise reduction; auto decides per window from the noise floor."),
    click.option("--diarize/--no-diarize", default=True, show_default=True,
                 help="Find who speaks when, and attribute every word."),
    click.option("--interpreter/--no-interpreter", default=True, show_default=True,
                 help="Interview type: with an interpreter (3 speakers) or officer and applicant only (2)."),
    click.option("--speakers", "num_speakers", type=click.IntRange(min=1), default=None,
                 help="Exact number of speakers (overrides the interview type)."),
    click.option("--min-speakers", type=click.IntRange(min=1), default=None, help="At least this many speakers."),
    click.option("--max-speakers", type=click.IntRange(min=1), default=None, help="At most this many speakers."),
    click.option("--glossary", "glossary_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
                 help="Case glossary: names from the case file, one per line (optionally TAB person|place). "
                      "Stored with the interview."),
    click.option("--bias/--no-bias", default=True, show_default=True,
                 help="Pass the glossary names to the ASR as hotwords; every word taken from them is flagged "
                      "for verification."),
    click.option("--speaker-language", "speaker_languages", multiple=True, metavar="SPEAKER=LANG",
                 help="Decode this speaker's speech in LANG (repeat for several, e.g. S3=fa); a language the "
                      "model lacks (e.g. S3=ti) flags all of that speaker's text. Labels are those `speakers` lists."),
)


def run_options(command):
    """Add the pipeline's options to ``command``, which gets them as ``settings: RunSettings``."""

    @functools.wraps(command)
    def wrapper(*args, language, model, denoise, diarize, interpreter, num_speakers, min_speakers, max_speakers,
                glossary_path, bias, speaker_languages, **kwargs):
        from interview_assist.asr.language_names import parse_speaker_languages

        settings = RunSettings(
            model=model, language=language, denoise=denoise, diarize=diarize, interpreter=interpreter,
            speakers=num_speakers, min_speakers=min_speakers, max_speakers=max_speakers,
            glossary=str(glossary_path.resolve()) if glossary_path is not None else None, bias=bias,
            speaker_languages=parse_speaker_languages(speaker_languages),
        )
        return command(*args, settings=settings, **kwargs)

    for option in reversed(_OPTIONS):
        wrapper = option(wrapper)
    return wrapper
