"""The QA confidence report: per interview and across interviews, as HTML, JSON or CSV."""

from __future__ import annotations

from interview_assist.report.metrics import InterviewReport, Totals, all_reports, interview_report, totals
from interview_assist.store import Database
from interview_assist.store.connection import utc_now

FORMATS = ("html", "json", "csv")


def render_report(db: Database, interview_id: int | None, fmt: str) -> bytes:
    """The report of one interview, or of every interview with their totals (``interview_id=None``)."""
    if interview_id is None:
        reports = all_reports(db)
        total: Totals | None = totals(reports)
    else:
        reports, total = [interview_report(db, interview_id)], None
    if fmt == "html":
        from interview_assist.report.html import render

        return render(reports, total, utc_now())
    from interview_assist.report.tables import render_csv, render_json

    return (render_json if fmt == "json" else render_csv)(reports, total)


__all__ = ["FORMATS", "InterviewReport", "Totals", "all_reports", "interview_report", "render_report", "totals"]
