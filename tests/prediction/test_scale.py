"""The large-ledger paths: snapshot expansion and the deterministic training sample."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl
from polars.testing import assert_frame_equal

from recoup.prediction.backtest import truncate
from recoup.prediction.features import _base, _weekly_snapshots, behaviour_date, settlement_dates, training_examples
from tests.prediction.builders import behaving_ledger

D = dt.date
CUTOFF = D(2025, 1, 6)


def _cross_join_snapshots(base: pl.DataFrame, start: dt.date, end: dt.date) -> pl.DataFrame:
    """The obvious definition (every week × every invoice, then filter), for comparison."""
    n = max(0, math.ceil((end - start).days / 7))
    ats = pl.DataFrame({"at": [start + dt.timedelta(days=7 * k) for k in range(n)]}, schema={"at": pl.Date})
    return base.join(ats, how="cross").filter(
        (pl.col("issue_date") <= pl.col("at")) & (pl.col("settled_on").is_null() | (pl.col("settled_on") >= pl.col("at")))
    )


def test_snapshots_are_the_open_weeks_of_each_invoice() -> None:
    base = _base(settlement_dates(behaving_ledger(unpaid=0.1)))
    for start, end in [(D(2024, 1, 1), D(2025, 3, 1)), (D(2024, 5, 6), D(2024, 5, 7)), (D(2023, 12, 25), D(2025, 9, 9))]:
        expected = _cross_join_snapshots(base, start, end).sort("invoice_id", "at")
        assert_frame_equal(_weekly_snapshots(base, start, end).sort("invoice_id", "at"), expected)


def test_a_large_training_set_is_a_deterministic_sample_that_keeps_the_latest_week() -> None:
    book = behaving_ledger(unpaid=0.08)
    full = training_examples(book, cutoff=CUTOFF, mode="open")
    sample = training_examples(book, cutoff=CUTOFF, mode="open", max_examples=1000)
    assert 700 <= sample.height <= 1300 < full.height
    # Every sampled row is a real example, unchanged (same features and outcomes).
    assert_frame_equal(sample, full.join(sample.select("invoice_id", "at"), on=["invoice_id", "at"], how="semi"))
    # Whole weeks first: every k-th behaviour week counted back from the latest one, so fewer
    # behaviour passes than weeks in the history.
    latest = full["behaviour_on"].max()
    weeks = sample.select(behaviour_date(pl.col("at"))).to_series().unique().to_list()
    assert 1 < len(weeks) < full["behaviour_on"].n_unique()
    assert math.gcd(*[(latest - w).days // 7 for w in weeks]) > 1
    # Same rows on every run, and the future (rows dated on or after the cut-off) does not move it.
    assert_frame_equal(training_examples(book, cutoff=CUTOFF, mode="open", max_examples=1000), sample)
    assert_frame_equal(training_examples(truncate(book, CUTOFF), cutoff=CUTOFF, mode="open", max_examples=1000), sample)


def test_small_ledgers_are_not_sampled() -> None:
    book = behaving_ledger()
    assert_frame_equal(
        training_examples(book, cutoff=CUTOFF, mode="open"),
        training_examples(book, cutoff=CUTOFF, mode="open", max_examples=None),
    )
