"""Nightly jobs of the workspace (huey): judging promises and following up broken ones."""

from __future__ import annotations

import logging

from django.utils import timezone
from huey import crontab

from recoup.calls import services
from recoup.jobs.durable import durable_periodic_task
from recoup.ledger.clock import business_date
from recoup.promises import services as promises

log = logging.getLogger(__name__)


@durable_periodic_task(crontab(hour="0", minute="15"))
def judge_promises_task() -> dict[str, int]:
    """Judge promises whose date + tolerance has passed; a broken one gets a follow-up call."""
    now = timezone.now()
    judged = promises.evaluate_due(as_of=business_date(now), now=now)
    followed = services.follow_up_broken_promises(now=now)
    log.info("judged %d promise(s); %d follow-up(s) for broken ones", judged, followed)
    return {"judged": judged, "follow_ups": followed}
