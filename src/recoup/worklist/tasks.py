"""Background jobs of the worklist (huey, run by `recoup worker` or `recoup serve`).

- ``rebuild_task``: every hour at :05 (UTC). Each customer's list entry is for its own local
  day, so a team calling around the world sees each region's day as it begins; in between,
  activities, promises and disputes update their customer at once (services.refresh_customer).
- Promises are judged by ``recoup.calls.tasks.judge_promises_task`` (nightly).
- ``rebuild_after_change_task``: after a change to many customers at once ("customer changed",
  recoup.worklist.receivers): an import, a scoring run.
- ``refresh_customers_task``: refreshes given customers.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone
from huey import crontab

from recoup.jobs.durable import durable_periodic_task, durable_task
from recoup.worklist import services

log = logging.getLogger(__name__)


@durable_periodic_task(crontab(minute="5"))
def rebuild_task() -> dict[str, Any]:
    result = services.rebuild(at=timezone.now())
    log.info("worklist rebuilt: %d entries, %d on lists, %.1f s", result.customers, result.on_list, result.seconds)
    return {"entries": result.customers, "on_list": result.on_list, "seconds": round(result.seconds, 2)}


@durable_task()
def refresh_customers_task(customer_ids: list[int]) -> int:
    now = timezone.now()
    for customer_id in customer_ids:
        services.refresh_customer(customer_id, at=now)
    return len(customer_ids)


@durable_task()
def rebuild_after_change_task() -> int | None:
    """Rebuild the stored worklist after a bulk change (an import, a scoring run), if there is
    one to keep up to date; before the first build there is nothing to follow."""
    from recoup.worklist.models import WorklistEntry

    if not WorklistEntry.objects.exists():
        return None
    result = services.rebuild(at=timezone.now())
    log.info("worklist rebuilt after a change to many customers: %d on lists", result.on_list)
    return result.on_list
