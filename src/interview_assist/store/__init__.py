"""The SQLite store: interviews, segments, words, flags and the audit log."""

from .audit import ChainCheck
from .connection import Database, default_db_path
from .interviews import StoredInterview, load_interview, save_transcript, set_speaker

__all__ = ["ChainCheck", "Database", "StoredInterview", "default_db_path", "load_interview", "save_transcript", "set_speaker"]
