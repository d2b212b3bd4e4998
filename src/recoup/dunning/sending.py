"""The sending worker's jobs: send the messages a run queued, and sweep the outbox every minute.

A run schedules ``send_messages`` after its commit (``outbox.send_after_commit``). Whatever a
crash lost on the way (the process killed after the commit but before the job was queued, a
worker killed mid-batch, a failure waiting for its next attempt) the sweep finds: every queued
message whose lease has run out and whose next attempt is due, and every outcome without its
activity-log entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils import timezone
from huey import crontab

from recoup.dunning import delivery
from recoup.dunning.models import Message, MessageStatus
from recoup.jobs.durable import durable_periodic_task, durable_task

SWEEP_BATCH = 500


def send_now(message_ids: Sequence[int] | None, *, now: dt.datetime) -> delivery.Delivered:
    """Send these messages (None: every due one, in batches) and log what became of them."""
    if message_ids is not None:
        return delivery.deliver(message_ids, now=now, limit=max(1, len(message_ids)))
    total = delivery.Delivered([], [], [], [])
    while True:
        done = delivery.deliver(None, now=now, limit=SWEEP_BATCH)
        for name in ("sent", "held", "failed", "retry"):
            getattr(total, name).extend(getattr(done, name))
        if done.count < SWEEP_BATCH:
            break
    log_missing_outcomes(now=now)
    return total


def log_missing_outcomes(*, now: dt.datetime) -> int:
    """Activity-log entries a crash between the status write and the log left out."""
    missing = Message.objects.filter(
        activity__isnull=True,
        customer__isnull=False,
        status__in=[MessageStatus.SENT, MessageStatus.HELD, MessageStatus.FAILED],
    ).values_list("pk", flat=True)
    return delivery.log_outcomes(list(missing[:SWEEP_BATCH]), now=now)


@durable_task()
def send_messages(message_ids: list[int]) -> None:
    send_now(message_ids, now=timezone.now())


@durable_periodic_task(crontab(minute="*"))
def sweep_outbox() -> None:
    send_now(None, now=timezone.now())
