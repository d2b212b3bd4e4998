"""Background jobs of the worklist (huey, run by `recoup worker` or `recoup serve`).

- ``rebuild_task``: every hour at :05 (UTC). Each customer's list entry is for its own local
  day, so a team calling around the world sees each region's day as it begins; in between,
  activities, promises and disputes update their customer at once (services.refresh_customer).
- ``judge_promises_task``: nightly at 00:15 (UTC), judges promises that fell due and gives each
  broken one a follow-up call.
- ``rebuild_after_change_task``: after a change to many customers at once ("customer changed",
  recoup.worklist.receivers): an import, a scoring run.
- ``refresh_customers_task``: refreshes given customers.
- ``dispute_sla_task``: every hour at :10 (UTC), dispute cases past their SLA go to a senior and
  cases due soon or past it are put on their owner's follow-ups (worklist.dispute_tasks).
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone
from huey import crontab

from recoup.disputes import services as dispute_services
from recoup.jobs.durable import durable_periodic_task, durable_task
from recoup.ledger.clock import business_date
from recoup.promises import services as promises
from recoup.worklist import dispute_tasks, services

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


@durable_periodic_task(crontab(hour="0", minute="15"))
def judge_promises_task() -> dict[str, int]:
    """Judge promises whose date + tolerance has passed; a broken one gets a follow-up call.

    Idempotent: a judged promise is no longer open, and a broken one that has its follow-up
    call is not given another.
    """
    now = timezone.now()
    judged = promises.evaluate_due(as_of=business_date(now), now=now)
    followed = services.follow_up_broken_promises(now=now)
    log.info("judged %d promise(s); %d follow-up(s) for broken ones", judged, followed)
    return {"judged": judged, "follow_ups": followed}


@durable_periodic_task(crontab(minute="10"))
def dispute_sla_task() -> dict[str, int]:
    """Escalate cases past their SLA to a senior, then put cases due soon or past it on their
    owner's (or the senior's) follow-ups. Idempotent: an escalated case is not escalated again."""
    now = timezone.now()
    escalated = dispute_services.escalate_breached(now=now)
    changed = dispute_tasks.sync(now=now)
    log.info("disputes: %d escalated; follow-ups changed for %d customer(s)", len(escalated), changed)
    return {"escalated": len(escalated), "customers": changed}
