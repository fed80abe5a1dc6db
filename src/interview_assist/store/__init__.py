"""The SQLite store: interviews, segments, words, flags and the audit log."""

from .audit import ChainCheck
from .connection import Database, default_db_path
from .interviews import StoredInterview, load_interview, save_transcript, set_speaker
from .structure import merge_with_next, split_before_word
from .names import DECISIONS, StoredNameFlag, name_flags, resolve_name_flag
from .review import (
    ReviewProgress,
    SegmentReview,
    edit_segment,
    StoredQualityFlag,
    progress,
    quality_flags,
    resolve_quality_flag,
    review_of,
    reviews,
    set_segment_speaker,
    validate_segment,
)

__all__ = [
    "DECISIONS", "ChainCheck", "Database", "StoredInterview", "StoredNameFlag", "default_db_path",
    "load_interview", "name_flags", "resolve_name_flag", "save_transcript", "set_speaker",
    "ReviewProgress", "SegmentReview", "edit_segment", "progress", "review_of", "reviews", "set_segment_speaker", "validate_segment", "StoredQualityFlag", "quality_flags", "resolve_quality_flag", "merge_with_next", "split_before_word",
]
