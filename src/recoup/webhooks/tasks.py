"""Webhook jobs: collect new events into deliveries, send each, and retry the failed ones."""

from __future__ import annotations

import datetime as dt
import functools

from django.db import transaction
from django.utils import timezone
from huey import crontab

from recoup.jobs.durable import durable_periodic_task, durable_task
from recoup.webhooks import services
from recoup.webhooks.models import Delivery

# A scheduled retry runs on time; one this late was lost.
OVERDUE = dt.timedelta(minutes=5)


@durable_task()
def collect_task() -> int:
    created = services.collect(now=timezone.now())
    for delivery_id in created:
        transaction.on_commit(functools.partial(deliver_task, delivery_id))
    return len(created)


@durable_task()
def deliver_task(delivery_id: int) -> None:
    """One attempt; a failed one schedules the next itself (30 s, 1 min, 2 min … 6 h later)."""
    now = timezone.now()
    delivery = services.attempt(delivery_id, now=now)
    if delivery is not None and delivery.status == Delivery.Status.RETRYING and delivery.next_attempt_at:
        deliver_task.schedule(args=(delivery_id,), delay=max(1.0, (delivery.next_attempt_at - now).total_seconds()))


@durable_periodic_task(crontab(minute="20"))
def retry_deliveries_task() -> int:
    """Hourly: failed deliveries whose wait is long over, in case the queue lost their retry
    (a worker killed, the queue file replaced). Not every minute: each run is a job record."""
    due = services.due_for_retry(now=timezone.now() - OVERDUE)
    for delivery_id in due:
        services.attempt(delivery_id, now=timezone.now())
    return len(due)
