"""Background jobs of the follow-ups: a run every 15 minutes (each customer's messages wait for
its local business hours, so a run on the quarter hour catches each window soon after it opens).
The outbox's sending jobs live in ``sending`` and are imported here so the worker registers them."""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone
from huey import crontab

from recoup.dunning import (
    sending,  # noqa: F401  (registers the outbox's jobs with the worker)
    services,
)
from recoup.jobs.durable import durable_periodic_task

log = logging.getLogger(__name__)


@durable_periodic_task(crontab(minute="*/15"))
def followups_task() -> dict[str, Any]:
    result = services.run_followups(at=timezone.now(), dry_run=False)
    log.info("follow-ups: %d messages, %d actions, %d skipped", len(result.messages), len(result.actions), len(result.skipped))
    return {"messages": len(result.messages), "actions": len(result.actions), "skipped": len(result.skipped)}
