"""Background jobs of payment prediction (huey, run by `recoup worker` or `recoup serve`).

The task is the edge where "today" and "now" are decided, as the command line is for
`recoup train`; the services below take them as arguments.

- ``score_open_items_task``: queued when many customers' books changed (an import: "customer
  changed", recoup.prediction.receivers), scores every open item with the latest model.
- ``score_customers_task``: the same for a few customers (a payment applied, a credit note).
- ``retrain_task``: nightly at 02:30 (UTC, huey's clock), trains on the ledger as of today, then
  scores.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone
from huey import crontab

from recoup.jobs.durable import durable_periodic_task, durable_task
from recoup.ledger import clock
from recoup.prediction import selectors

# `services` (and with it scikit-learn, most of a second to load) is imported inside the tasks:
# the worker and every import that queues a task load this module, most of them to do nothing.

__all__ = ["retrain_task", "score_customers_task", "score_open_items_task"]

log = logging.getLogger(__name__)


@durable_task()
def score_open_items_task() -> int | None:
    """Score every open item with the latest model; nothing to do until one has been trained."""
    row = selectors.latest_model()
    if row is None:
        log.info("no prediction model yet: open items not scored (run `recoup train` or wait for the nightly retrain)")
        return None
    from recoup.prediction import services

    scored = services.score_open_items(as_of=clock.today(), now=timezone.now(), model=row)
    log.info("scored %d open item(s) with model %d", scored, row.pk)
    return scored


@durable_task()
def score_customers_task(customer_ids: list[int]) -> int | None:
    """Score again the open items of a few customers whose books changed (a payment applied)."""
    row = selectors.latest_model()
    if row is None:
        return None
    from recoup.prediction import services

    return services.score_customers(customer_ids, as_of=clock.today(), now=timezone.now(), model=row)


@durable_periodic_task(crontab(hour="2", minute="30"))
def retrain_task() -> dict[str, Any]:
    """Train on the ledger as of today, then score every open item with the new model."""
    from recoup.prediction import services

    as_of = clock.today()
    now = timezone.now()
    row = services.train(as_of=as_of, now=now)
    scored = services.score_open_items(as_of=as_of, now=now, model=row)
    log.info("retrained model %d (fallback=%s) on facts up to %s; scored %d open item(s)", row.pk, row.fallback, as_of, scored)
    return {"model_id": row.pk, "fallback": row.fallback, "scored": scored}
