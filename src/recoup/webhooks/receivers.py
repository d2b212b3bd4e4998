"""Webhooks follow "customer changed" (registered in WebhooksConfig.ready()): a promise judged, a
payment applied, a dispute opened or resolved each say so; the worker then reads the audit trail."""

from __future__ import annotations

from recoup.ledger.events import CustomersChanged


def follow_change(change: CustomersChanged) -> None:
    if not change.concerns("ledger", "promise", "dispute"):
        return
    from recoup.webhooks import tasks
    from recoup.webhooks.models import Endpoint

    if Endpoint.objects.filter(is_active=True).exists():
        tasks.collect_task()
