"""Webhook jobs: collect new events into deliveries, send each, and retry the failed ones."""

from __future__ import annotations

import functools

from django.db import transaction
from django.utils import timezone
from huey import crontab

from recoup.jobs.durable import durable_periodic_task, durable_task
from recoup.webhooks import services


@durable_task()
def collect_task() -> int:
    created = services.collect(now=timezone.now())
    for delivery_id in created:
        transaction.on_commit(functools.partial(deliver_task, delivery_id))
    return len(created)


@durable_task()
def deliver_task(delivery_id: int) -> None:
    services.attempt(delivery_id, now=timezone.now())


@durable_periodic_task(crontab(minute="*"))
def retry_deliveries_task() -> int:
    """Every minute: the failed deliveries whose wait is over (30 s, 1 min, 2 min … 6 h)."""
    due = services.due_for_retry(now=timezone.now())
    for delivery_id in due:
        services.attempt(delivery_id, now=timezone.now())
    return len(due)
