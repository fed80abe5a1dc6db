"""Batch processing of recorded interviews into drafts: resumable, on one machine or a Dask cluster."""

from .inputs import Job, JobOptions, collect_jobs, read_manifest
from .runner import BatchEvents, BatchOptions, BatchSummary, FileOutcome, run_batch

__all__ = [
    "BatchEvents", "BatchOptions", "BatchSummary", "FileOutcome", "Job", "JobOptions", "collect_jobs",
    "read_manifest", "run_batch",
]
