"""The domain exceptions. They are translated into messages and exit codes
only at the edges (``cli.py``, later the TUI); the engine raises, never exits.

Messages never contain transcript text: they may end up in logs.
"""


class InterviewAssistError(Exception):
    """Base class for every error this package raises on purpose."""

    exit_code = 1


class InputError(InterviewAssistError):
    """The user gave something unusable: a wrong path, a non-audio file..."""

    exit_code = 2


class AudioError(InputError):
    """The audio file cannot be read, is corrupt, or holds no samples."""


class ModelError(InterviewAssistError):
    """A model is unknown, missing, or fails its checksum."""

    exit_code = 3


class ChecksumMismatch(ModelError):
    """A model file's sha256 differs from the recorded one: it is not loaded."""


class StoreError(InterviewAssistError):
    """The store cannot be opened or written (permissions, full disk...)."""

    exit_code = 4


class ClusterError(InterviewAssistError):
    """The batch's Dask cluster cannot be reached, or refused this batch (TLS set-up, certificates)."""

    exit_code = 6


class KeyProblem(StoreError):
    """A key kept outside the store (the store's key, the installation's signing key) is missing,
    wrong, or readable by other users: nothing was read or changed."""


class NotFound(InputError):
    """An interview id (or another record) does not exist in the store."""


class Purged(NotFound):
    """The interview's content was deleted (``purge``): only its tombstone in the audit log remains."""


class ConcurrentChange(InputError):
    """Someone else changed a segment since this review read it: nothing was written.

    ``segment`` is the index of the segment that changed (None: not known).
    """

    def __init__(self, message: str, *, segment: int | None = None):
        super().__init__(message)
        self.segment = segment


class NotHeard(InputError):
    """A risky segment or flag is decided before its audio was played (and no reason was recorded)."""


class AttentionCheckMissed(InputError):
    """A segment was validated with a deliberately wrong word on screen: it is not validated."""


class IntegrityError(InterviewAssistError):
    """The store does not verify against its audit log (changed outside the application): nothing is exported."""

    exit_code = 5


class PlaybackError(InterviewAssistError):
    """Nothing could be played: no player, or the player failed (e.g. no sound device)."""
