"""Nothing dated at or after the prediction time may reach the features, the training set or the
backtest's numbers.

The ledgers are built so that a leak would show: customers pay at very different, stable delays,
and the future rows added below would make customers look much later (or add training examples)
if anything read them.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from recoup.analytics.frames import Ledger
from recoup.prediction.backtest import backtest, data_end, truncate
from recoup.prediction.features import prediction_rows, snapshot_rows, training_examples
from tests.analytics.builders import alloc, customer, frame, inv, pay
from tests.prediction.builders import behaving_ledger, truncated

D = dt.date
AS_OF = D(2025, 1, 6)


def with_rows(base: Ledger, *, invoices=(), allocations=(), payments=(), customers=()) -> Ledger:
    def add(current: pl.DataFrame, rows) -> pl.DataFrame:
        return pl.concat([current, frame(list(rows), dict(current.schema))]) if rows else current

    return Ledger(
        add(base.invoices, invoices),
        add(base.allocations, allocations),
        add(base.payments, payments),
        add(base.customers, customers),
        fx_rates=base.fx_rates,
        home_currency=base.home_currency,
    ).validate()


def settle_open_items_after(base: Ledger, on: dt.date, first_payment_id: int) -> Ledger:
    """Pay every item still open in ``base`` on ``on``: very late, for every customer with open items."""
    paid = base.allocations.group_by("invoice_id").agg(pl.col("amount").sum().alias("paid"))
    open_ = base.invoices.join(paid, left_on="id", right_on="invoice_id", how="left").filter(
        pl.col("paid").fill_null(0) < pl.col("amount")
    )
    payments, allocations = [], []
    for n, row in enumerate(open_.iter_rows(named=True)):
        pid = first_payment_id + n
        rest = row["amount"] - (row["paid"] or 0)
        payments.append(pay(pid, rest, on, customer_id=row["customer_id"]))
        allocations.append(alloc(row["id"], rest, on, payment_id=pid))
    assert payments, "the base ledger should have open items"
    return with_rows(base, payments=payments, allocations=allocations)


def new_customer_paid_late(base: Ledger, *, before: dt.date, paid_on: dt.date | None) -> Ledger:
    """A customer whose invoices, all issued before ``before``, were paid only on ``paid_on``
    (never, with None)."""
    cid, first = 999, 100_000
    invoices, payments, allocations = [], [], []
    for k in range(40):
        issue = before - dt.timedelta(days=200 - 4 * k)
        invoices.append(inv(first + k, 50_000, issue, issue + dt.timedelta(days=30), customer_id=cid))
        if paid_on is not None:
            payments.append(pay(first + k, 50_000, paid_on, customer_id=cid))
            allocations.append(alloc(first + k, 50_000, paid_on, payment_id=first + k))
    return with_rows(base, invoices=invoices, payments=payments, allocations=allocations, customers=[customer(cid)])


@pytest.fixture(scope="module")
def book() -> Ledger:
    return behaving_ledger(unpaid=0.08)


@pytest.mark.parametrize("at", [D(2024, 6, 3), D(2024, 11, 14), AS_OF])
def test_features_at_t_ignore_everything_dated_t_or_later(book: Ledger, at: dt.date) -> None:
    assert book.allocations.filter(pl.col("applied_on") >= at).height > 0
    assert_frame_equal(prediction_rows(book, at=at), prediction_rows(truncated(book, at), at=at))
    # Rewriting the future (every open item paid very late, well after t) changes nothing either.
    later = settle_open_items_after(book, at + dt.timedelta(days=200), 50_000)
    assert_frame_equal(prediction_rows(later, at=at), prediction_rows(book, at=at))


def test_a_payment_on_the_prediction_day_is_not_known_at_it() -> None:
    issue = D(2025, 3, 3)
    # Same-day settlement of the invoice being predicted: its behaviour must not include it.
    book = with_rows(
        behaving_ledger(invoices=50),
        invoices=[inv(5000, 1000, issue, issue + dt.timedelta(days=30), customer_id=1)],
        payments=[pay(5000, 1000, issue, customer_id=1)],
        allocations=[alloc(5000, 1000, issue, payment_id=5000)],
    )
    row = prediction_rows(book, at=issue).filter(pl.col("invoice_id") == 5000)
    assert row.height == 1 and row["paid_share"][0] == 0
    assert row["behaviour_on"][0] < issue


def test_training_examples_see_nothing_from_the_cutoff_on(book: Ledger) -> None:
    for mode in ("issue", "open"):
        full = training_examples(book, cutoff=AS_OF, mode=mode)
        cut = training_examples(truncate(book, AS_OF), cutoff=AS_OF, mode=mode)
        assert_frame_equal(full, cut)
        # Items paid after the cut-off are still open as far as the training knows: the same
        # censored examples, whatever the later payments say.
        later = settle_open_items_after(book, AS_OF + dt.timedelta(days=3), 50_000)
        assert_frame_equal(training_examples(later, cutoff=AS_OF, mode=mode), full)
        # A new customer whose invoices (issued before the cut-off) were all paid on the cut-off day:
        # known to the training as open invoices (censored), never as paid ones.
        leaky = new_customer_paid_late(later, before=AS_OF, paid_on=AS_OF)
        seen = training_examples(leaky, cutoff=AS_OF, mode=mode)
        assert_frame_equal(seen, training_examples(truncate(leaky, AS_OF), cutoff=AS_OF, mode=mode))
        newcomer = seen.filter(pl.col("customer_id") == 999)
        assert newcomer.height >= 40 and newcomer["settled_on"].is_null().all() and newcomer["censored"].all()
        assert_frame_equal(seen.filter(pl.col("customer_id") != 999), full)


def test_snapshot_features_ignore_payments_after_the_snapshot(book: Ledger) -> None:
    end = D(2025, 3, 1)
    later = settle_open_items_after(book, D(2025, 5, 1), 50_000)
    columns = [
        c
        for c in snapshot_rows(book, start=AS_OF, end=end).columns
        if c not in ("settled_on", "days", "late", "over_7", "over_30")
    ]
    assert_frame_equal(
        snapshot_rows(later, start=AS_OF, end=end).select(columns), snapshot_rows(book, start=AS_OF, end=end).select(columns)
    )


@pytest.mark.parametrize("mode", ["issue", "open"])
def test_backtest_numbers_do_not_move_when_the_future_changes_outside_the_test_set(book: Ledger, mode: str) -> None:
    end = data_end(book)
    options = {"end": end, "min_settled": 100, "weeks": 6}
    # Issue mode: a new customer (no test invoices) with 40 invoices issued before the cut-off,
    # unpaid as far as anyone knew then. The future below pays them on the cut-off day itself: a
    # backtest that read that would train on 40 more paid invoices and learn a different customer.
    past = new_customer_paid_late(book, before=AS_OF, paid_on=None) if mode == "issue" else book
    before = backtest(past, as_of=AS_OF, mode=mode, **options)
    assert before["n_test"] > 50 and not before["fallback"]
    # Old items of every customer paid very late after the end of the test period.
    future = settle_open_items_after(book, end + dt.timedelta(days=90), 50_000)
    if mode == "issue":
        future = new_customer_paid_late(future, before=AS_OF, paid_on=AS_OF)
    after = backtest(future, as_of=AS_OF, mode=mode, **options)
    assert after == before


def test_the_pure_modules_import_nothing_from_django() -> None:
    import subprocess
    import sys

    code = (
        "import sys; import recoup.prediction.features, recoup.prediction.model, recoup.prediction.backtest; "
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')); print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
