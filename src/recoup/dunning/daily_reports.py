"""The managers' daily status report (issue 16) leaves through the outbox: reports writes it, this
module queues it as an internal e-mail with its PDF attached, in the report's own transaction."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from django.utils.html import strip_tags

from recoup.dunning.outbox import OutboxError, queue_internal
from recoup.reports.models import DailyReport

logger = logging.getLogger(__name__)


def send_daily_report(report: DailyReport, *, html: str, html_file: Path, pdf_file: Path, now: dt.datetime) -> None:
    """Queue ``report`` to its manager; sent after commit, or kept in the outbox without SMTP.

    A manager without an e-mail address still has the report on the Daily reports page: that is
    logged, not raised, so one missing address never stops the others' reports.
    """
    day = report.date
    text = "\n".join(line.strip() for line in strip_tags(html).splitlines() if line.strip())
    try:
        queue_internal(
            user=report.user,
            subject=f"Daily status report, {day:%A} {day.day} {day:%B %Y}",
            body_text=text,
            body_html=html,
            attachments=[(f"status-report-{day.isoformat()}.pdf", pdf_file, "application/pdf")],
            key=f"daily-report|{report.user_id}|{day.isoformat()}",
            now=now,
        )
    except OutboxError as exc:
        logger.warning("Daily report %s for user %s stays on the Daily reports page only: %s", day, report.user_id, exc)
