"""Background jobs of payment prediction (huey, run by `recoup worker` or `recoup serve`).

The task is the edge where "today" and "now" are decided, as the command line is for
`recoup train`; the services below take them as arguments.

- ``score_open_items_task``: queued after every applied import of invoices or payments
  (recoup.imports.services), scores every open item with the latest model.
- ``retrain_task``: nightly at 02:30 (UTC, huey's clock), trains on the ledger as of today, then
  scores.
- ``train_task``: the same on demand; `recoup init --demo` queues it, then a worklist rebuild.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from recoup.prediction import selectors

# `services` (and with it scikit-learn, most of a second to load) is imported inside the tasks:
# the worker and every import that queues a task load this module, most of them to do nothing.

__all__ = ["retrain_task", "score_open_items_task", "train_task"]

log = logging.getLogger(__name__)


@db_task()
def score_open_items_task() -> int | None:
    """Score every open item with the latest model; nothing to do until one has been trained."""
    row = selectors.latest_model()
    if row is None:
        log.info("no prediction model yet: open items not scored (run `recoup train` or wait for the nightly retrain)")
        return None
    from recoup.prediction import services

    scored = services.score_open_items(as_of=timezone.localdate(), now=timezone.now(), model=row)
    log.info("scored %d open item(s) with model %d", scored, row.pk)
    return scored


@db_periodic_task(crontab(hour="2", minute="30"))
def retrain_task() -> dict[str, Any]:
    """Train on the ledger as of today, then score every open item with the new model."""
    return _train_and_score()


@db_task()
def train_task(*_previous: Any) -> int:
    """The same as the nightly retrain, on demand; returns the number of open items scored.

    `recoup init --demo` queues it (followed by a worklist rebuild) so that the server starts
    before the first model exists. Its result is a plain number so that the next task of a
    pipeline receives it as an argument (huey spreads a dict result into keyword arguments).
    """
    return int(_train_and_score()["scored"])


def _train_and_score() -> dict[str, Any]:
    from recoup.prediction import services

    as_of = timezone.localdate()
    now = timezone.now()
    row = services.train(as_of=as_of, now=now)
    scored = services.score_open_items(as_of=as_of, now=now, model=row)
    log.info("trained model %d (fallback=%s) on facts up to %s; scored %d open item(s)", row.pk, row.fallback, as_of, scored)
    return {"model_id": row.pk, "fallback": row.fallback, "scored": scored}
