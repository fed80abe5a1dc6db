"""WER with the project's stated normaliser (interview_assist.core.textnorm)."""

import jiwer

from interview_assist.core.textnorm import normalise


def wer(reference: str, hypothesis: str) -> float:
    return jiwer.wer(normalise(reference), normalise(hypothesis) or "<empty>")
