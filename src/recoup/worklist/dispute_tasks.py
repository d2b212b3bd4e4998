"""Follow-ups for dispute cases: a case due soon or past its SLA is on its owner's tasks, on the
senior's once it was escalated; a closed case's task is done.

The worklist sits above disputes (docs/architecture.md), so the tasks are made here from what
``recoup.disputes.selectors.sla_watch`` reads, never by the disputes app itself. Run by the hourly
``dispute_sla_task`` (time passing makes a case due soon) and by the "customer changed" receiver
for ``dispute`` changes (an owner changed, a case escalated or closed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from django.conf import settings
from django.db import transaction

from recoup.disputes import selectors as dispute_selectors
from recoup.kernel.calendar import at_local
from recoup.ledger.clock import business_date
from recoup.ledger.events import customers_changed
from recoup.ledger.models import Customer
from recoup.ledger.selectors import customer_zone
from recoup.worklist.models import Task

# When a case due soon shows on the list: the start of the working day it is due, locally.
DUE_AT = dt.time(9, 0)


def sync(*, now: dt.datetime, customer_ids: Collection[int] | None = None, announce: bool = True) -> int:
    """Make the DISPUTE_SLA tasks match the cases (all, or these customers'); returns how many
    tasks were created, handed over or closed. Idempotent."""
    watch = dispute_selectors.sla_watch(
        as_of=business_date(now), due_soon_days=dispute_selectors.due_soon_days(), customer_ids=customer_ids
    )
    tasks = Task.objects.select_for_update().filter(kind=Task.Kind.DISPUTE_SLA, status=Task.Status.OPEN)
    if customer_ids is not None:
        tasks = tasks.filter(customer_id__in=list(customer_ids))
    changed: set[int] = set()
    with transaction.atomic():
        by_case = {t.dispute_id: t for t in tasks}
        customers = Customer.objects.prefetch_related("contacts").in_bulk({w.customer_id for w in watch})
        for case in watch:
            if case.user_id is None:
                continue
            task = by_case.pop(case.dispute_id, None)
            if task is None:
                zone = customer_zone(customers[case.customer_id]).zone if case.customer_id in customers else settings.TIME_ZONE
                due_at = now if case.state == "breached" else max(now, at_local(case.sla_due, DUE_AT, zone))
                Task.objects.create(
                    user_id=case.user_id,
                    customer_id=case.customer_id,
                    kind=Task.Kind.DISPUTE_SLA,
                    due_at=due_at.astimezone(dt.UTC),
                    zone=zone,
                    title=case.title,
                    created_at=now,
                    dispute_id=case.dispute_id,
                )
            elif (task.user_id, task.title) != (case.user_id, case.title):
                # Escalated: the task goes to the senior, due at once; or the owner changed.
                task.user_id = case.user_id
                task.title = case.title
                if case.state == "breached" and task.due_at > now:
                    task.due_at = now
                task.save(update_fields=["user", "title", "due_at"])
            else:
                continue
            changed.add(case.customer_id)
        for dispute_id in dispute_selectors.closed_case_ids([d for d in by_case if d is not None]):
            task = by_case[dispute_id]
            task.status = Task.Status.DONE
            task.done_at = now
            task.save(update_fields=["status", "done_at"])
            changed.add(task.customer_id)
        if announce:
            customers_changed(changed, kind="task")
    return len(changed)
