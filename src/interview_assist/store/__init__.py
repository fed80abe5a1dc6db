"""The SQLite store: interviews, segments, words, flags and the audit log."""

from interview_assist.store.audit import ChainCheck
from interview_assist.store.connection import Database, default_db_path
from interview_assist.store.interviews import StoredInterview, interview_ids, load_interview, save_transcript, set_speaker
from interview_assist.store.names import DECISIONS, StoredNameFlag, name_flags, name_occurrences, resolve_name_flag, same_name
from interview_assist.store.review import (
    ExportRecord,
    ReviewProgress,
    SegmentReview,
    StoredQualityFlag,
    current_export,
    edit_segment,
    progress,
    quality_flags,
    resolve_quality_flag,
    review_of,
    reviews,
    set_segment_speaker,
    text_problem,
    validate_segment,
)
from interview_assist.store.structure import merge_with_next, split_before_word

__all__ = [
    "DECISIONS", "ChainCheck", "Database", "StoredInterview", "StoredNameFlag", "default_db_path", "interview_ids",
    "load_interview", "name_flags", "name_occurrences", "resolve_name_flag", "same_name", "save_transcript", "set_speaker",
    "ReviewProgress", "SegmentReview", "edit_segment", "progress", "review_of", "reviews", "set_segment_speaker", "validate_segment", "StoredQualityFlag", "quality_flags", "resolve_quality_flag", "merge_with_next", "split_before_word",
    "text_problem", "ExportRecord", "current_export",
]
