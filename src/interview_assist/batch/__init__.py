"""Batch processing of recorded interviews into drafts: resumable, on one machine or a Dask cluster over TLS."""

from interview_assist.batch.cluster import ClusterAccess
from interview_assist.batch.inputs import Job, collect_jobs, read_manifest
from interview_assist.batch.runner import BatchEvents, BatchOptions, BatchSummary, FileOutcome, run_batch

__all__ = [
    "BatchEvents", "BatchOptions", "ClusterAccess", "BatchSummary", "FileOutcome", "Job", "collect_jobs",
    "read_manifest", "run_batch",
]
