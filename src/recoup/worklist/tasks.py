"""Background jobs of the worklist (huey, run by `recoup worker` or `recoup serve`).

- ``rebuild_task``: every hour at :05 (UTC). Each customer's list entry is for its own local
  day, so a team calling around the world sees each region's day as it begins; in between,
  activities, promises and disputes update their customer at once (services.refresh_customer).
- ``evaluate_promises_task``: every day at 00:15 and before each morning build: judges promises
  whose promised date plus tolerance has passed; broken ones raise the customer's priority.
- ``refresh_customers_task``: queued after imports that change balances.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from recoup.promises import services as promise_services
from recoup.worklist import services

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="5"))
def rebuild_task() -> dict[str, Any]:
    result = services.rebuild(at=timezone.now())
    log.info("worklist rebuilt: %d entries, %d on lists, %.1f s", result.customers, result.on_list, result.seconds)
    return {"entries": result.customers, "on_list": result.on_list, "seconds": round(result.seconds, 2)}


@db_periodic_task(crontab(hour="0", minute="15"))
def evaluate_promises_task() -> int:
    now = timezone.now()
    changed = promise_services.evaluate_due(as_of=services.company_date(now), now=now)
    log.info("judged %d promise(s)", changed)
    return changed


@db_task()
def refresh_customers_task(customer_ids: list[int]) -> int:
    now = timezone.now()
    for customer_id in customer_ids:
        services.refresh_customer(customer_id, at=now)
    return len(customer_ids)
