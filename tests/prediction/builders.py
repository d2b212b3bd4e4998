"""Synthetic ledgers with known payment behaviour, for the pure prediction tests (no database)."""

from __future__ import annotations

import datetime as dt
import random

from recoup.analytics.frames import Ledger
from tests.analytics.builders import alloc, customer, inv, ledger, pay

D = dt.date
START = D(2024, 1, 1)


def behaving_ledger(
    *, customers: int = 20, invoices: int = 900, start: dt.date = START, days: int = 540, seed: int = 3, unpaid: float = 0.0
) -> Ledger:
    """Each customer pays a fixed number of days after the due date (± noise): some early, some
    very late, so history predicts the future and a leak would be easy to spot."""
    rng = random.Random(seed)
    delays = {c: rng.choice([-5, 0, 10, 30, 60]) for c in range(1, customers + 1)}
    segments = {c: "enterprise" if c % 3 == 0 else "smb" for c in delays}
    invs, allocs, pays = [], [], []
    for i in range(1, invoices + 1):
        c = rng.randint(1, customers)
        issue = start + dt.timedelta(days=rng.randrange(days))
        due = issue + dt.timedelta(days=30 if segments[c] == "smb" else 60)
        amount = rng.randint(100_00, 5_000_00)
        invs.append(inv(i, amount, issue, due, customer_id=c))
        if unpaid and rng.random() < unpaid:
            continue
        settle = max(issue, due + dt.timedelta(days=delays[c] + rng.randint(-3, 3)))
        pays.append(pay(i, amount, settle, customer_id=c))
        allocs.append(alloc(i, amount, settle, payment_id=i))
    return ledger(invs, allocs, pays, customers=[customer(c, segment=segments[c]) for c in delays])


def truncated(full: Ledger, before: dt.date) -> Ledger:
    """The ledger as it stood at the start of ``before``: nothing dated that day or later, except
    invoices issued that day (the prediction at ``before`` knows them)."""
    import polars as pl

    return Ledger(
        full.invoices.filter(pl.col("issue_date") <= before),
        full.allocations.filter(pl.col("applied_on") < before),
        full.payments.filter(pl.col("received_on") < before),
        full.customers,
        fx_rates=full.fx_rates,
        home_currency=full.home_currency,
    )
