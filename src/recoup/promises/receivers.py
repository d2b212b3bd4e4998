"""Promises follow "customer changed" (recoup.ledger.events), registered in PromisesConfig.ready().

When a customer's books change (kind "ledger": a payment applied by cash application, an
import, a manual allocation), their open promises are judged at once: a promise paid in full is
kept the moment the money is applied, not on the nightly run after its date, so the collector
does not call about a promise that has been kept.
"""

from __future__ import annotations

from django.utils import timezone

from recoup.ledger.clock import business_date
from recoup.ledger.events import CustomersChanged

# An import of a whole ledger changes every customer: the nightly judgement covers those.
JUDGE_AT_ONCE = 500


def judge_on_payment(change: CustomersChanged) -> None:
    if not change.concerns("ledger") or len(change.customer_ids) > JUDGE_AT_ONCE:
        return
    from recoup.promises.services import judge_open_promises

    now = timezone.now()
    judge_open_promises(sorted(change.customer_ids), as_of=business_date(now), now=now)


def settle_discounts_on_payment(change: CustomersChanged) -> None:
    """A payment of a discounted amount settles its offer as soon as it is booked."""
    if not change.concerns("ledger"):
        return
    from recoup.promises.discounts import settle_discounts

    settle_discounts(change.customer_ids, now=timezone.now())
