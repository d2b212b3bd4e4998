"""Predictions follow "customer changed" (recoup.ledger.events), registered in PredictionConfig.ready().

Only changes to what is owed (kind "ledger") change a prediction: a customer's payment history
is its features. Scoring runs in the worker; when it has written, it says "customer changed"
itself (kind "prediction"), which this receiver ignores and the worklist follows.
"""

from __future__ import annotations

from recoup.ledger.events import CustomersChanged

# Above this many customers the whole ledger is scored again: one read of the ledger instead
# of one per customer.
SCORE_ONE_BY_ONE = 25


def follow_change(change: CustomersChanged) -> None:
    if not change.concerns("ledger"):
        return
    from recoup.prediction import selectors, tasks

    if selectors.latest_model() is None:
        return  # nothing to score with until the first training (the nightly retrain scores everything)
    if len(change.customer_ids) > SCORE_ONE_BY_ONE:
        tasks.score_open_items_task()
    else:
        tasks.score_customers_task(sorted(change.customer_ids))
