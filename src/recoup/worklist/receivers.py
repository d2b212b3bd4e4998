"""The worklist follows "customer changed" (recoup.ledger.events), registered in WorklistConfig.ready().

A few customers (a call logged, a payment applied) are refreshed at once, after the commit,
so the page the collector lands on already shows the change. A bulk change (an import, a
scoring run) queues one rebuild of the stored list instead of thousands of refreshes.
"""

from __future__ import annotations

from django.utils import timezone

from recoup.ledger.events import CustomersChanged

# Above this many customers one rebuild (seconds for the whole ledger) beats refreshing each.
REFRESH_AT_ONCE = 25


def follow_change(change: CustomersChanged) -> None:
    from recoup.worklist import dispute_tasks, services, tasks

    if change.concerns("dispute"):
        # A case's owner, escalation or status changed: its follow-up follows. Not announced as a
        # "task" change: the refresh below is the one that would answer it.
        many = len(change.customer_ids) > REFRESH_AT_ONCE
        dispute_tasks.sync(now=timezone.now(), customer_ids=None if many else change.customer_ids, announce=False)
    if len(change.customer_ids) > REFRESH_AT_ONCE:
        tasks.rebuild_after_change_task()
        return
    now = timezone.now()
    for customer_id in sorted(change.customer_ids):
        services.refresh_customer(customer_id, at=now)
