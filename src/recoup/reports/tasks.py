"""Background jobs of the reports (huey, run by `recoup worker` or `recoup serve`).

- ``weekly_forecast_task``: every Monday at 04:00 (UTC, huey's clock) keeps the cash forecast
  made with everything known at the end of yesterday (docs/forecast.md), so the forecast page
  can later compare it with the cash that came.
- ``daily_reports_task``: every 15 minutes, makes and delivers the daily status report of each
  manager whose 07:00 has come today in their own zone and who has none for today yet
  (docs/dashboard.md).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.utils import timezone
from huey import crontab

from recoup.jobs.durable import durable_periodic_task
from recoup.ledger import clock

__all__ = ["daily_reports_task", "weekly_forecast_task"]

log = logging.getLogger(__name__)


@durable_periodic_task(crontab(day_of_week="1", hour="4", minute="0"))
def weekly_forecast_task() -> dict[str, Any]:
    from recoup.reports.forecasting import record_forecast

    as_of = clock.today() - dt.timedelta(days=1)
    rows = record_forecast(as_of=as_of, now=timezone.now())
    log.info("kept the cash forecast as of %s (%d weeks)", as_of, len(rows))
    return {"as_of": as_of.isoformat(), "weeks": len(rows)}


@durable_periodic_task(crontab(minute="*/15"))
def daily_reports_task() -> list[int]:
    from recoup.reports.daily import deliver_due_reports

    made = deliver_due_reports(now=timezone.now())
    if made:
        log.info("made %d daily report(s)", len(made))
    return made
