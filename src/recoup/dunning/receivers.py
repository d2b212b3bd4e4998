"""Follow-ups hear "customer changed" (recoup.ledger.events), registered in DunningConfig.ready().

A credit hold placed by a step is lifted as soon as the customer has no overdue item left (a
payment applied, a credit note, an import): the hold exists to get the overdue money in, so it
ends when that money is in, not at the next run. Pauses need no receiver: every run re-reads
disputes, promises and plans, so an item resumes at the first run after its pause ends.
"""

from __future__ import annotations

from django.utils import timezone

from recoup.ledger.events import CustomersChanged


def lift_holds_when_paid(change: CustomersChanged) -> None:
    if not change.concerns("ledger"):
        return
    from recoup.dunning.services import lift_paid_holds

    lift_paid_holds(change.customer_ids, at=timezone.now())
