"""Early-payment discounts once a day: settle what was paid inside a window but not heard of at
once (a whole ledger imported), then expire the offers whose last day has passed unpaid."""

from __future__ import annotations

import logging

from django.utils import timezone
from huey import crontab

from recoup.jobs.durable import durable_periodic_task
from recoup.ledger.clock import business_date
from recoup.promises import services
from recoup.promises.discounts import settle_discounts

log = logging.getLogger(__name__)


@durable_periodic_task(crontab(hour="0", minute="25"))
def discounts_task() -> dict[str, int]:
    """Idempotent: a settled offer is no longer open, an expired one is not expired again."""
    now = timezone.now()
    settled = settle_discounts(None, now=now)
    expired = services.expire_discounts(as_of=business_date(now), now=now)
    log.info("discounts: %d settled, %d expired", settled, expired)
    return {"settled": settled, "expired": expired}
