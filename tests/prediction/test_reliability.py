"""The backtest's reliability tables: predicted probability bins against what happened."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from recoup.prediction.backtest import backtest, data_end, reliability
from recoup.prediction.features import snapshot_rows

from .builders import behaving_ledger

AS_OF = dt.date(2025, 3, 1)


def test_bins_counts_means_and_brier_by_hand() -> None:
    table = reliability(np.array([0.05, 0.15, 0.15, 0.95, 1.0]), np.array([0, 0, 1, 1, 1]))
    bins = {(b["from"], b["to"]): b for b in table["bins"]}
    assert len(bins) == 10
    assert bins[(0.0, 0.1)] == {"from": 0.0, "to": 0.1, "n": 1, "mean_predicted": 0.05, "observed": 0.0}
    assert bins[(0.1, 0.2)] == {"from": 0.1, "to": 0.2, "n": 2, "mean_predicted": 0.15, "observed": 0.5}
    # 1.0 belongs to the last bin.
    assert bins[(0.9, 1.0)] == {"from": 0.9, "to": 1.0, "n": 2, "mean_predicted": 0.975, "observed": 1.0}
    assert bins[(0.5, 0.6)]["n"] == 0 and bins[(0.5, 0.6)]["observed"] is None
    # Brier: (0.05² + 0.15² + 0.85² + 0.05² + 0²) ÷ 5 = 0.15; the base rate 0.6 alone scores 0.24.
    assert table["brier"] == pytest.approx(0.15)
    assert (table["n"], table["base_rate"], table["brier_base_rate"], table["certain"]) == (5, 0.6, 0.24, 1)


def test_an_empty_table_says_so() -> None:
    table = reliability(np.array([]), np.array([]))
    assert table["n"] == 0 and table["brier"] is None and all(b["n"] == 0 for b in table["bins"])


def test_open_mode_counts_unpaid_items_as_late_and_unpaid() -> None:
    # One invoice in ten is never paid: those must count as late and as unpaid in 30 days, or
    # the tables would flatter a model that expects everything to be paid.
    book = behaving_ledger(unpaid=0.1)
    end = data_end(book)
    result = backtest(book, as_of=AS_OF, mode="open", end=end, min_settled=100, weeks=6)
    tables = result["reliability"]

    rows = snapshot_rows(book, start=AS_OF, end=AS_OF + dt.timedelta(days=7 * 5 + 1))
    settled = pl.col("settled_on").is_not_null() & (pl.col("settled_on") <= end)
    not_due = rows.filter((pl.col("due_date") >= pl.col("at")) & (settled | (pl.col("due_date") <= end)))
    late = not_due.select(pl.when(settled).then(pl.col("settled_on") > pl.col("due_date")).otherwise(True)).to_series()
    assert tables["p_late_not_yet_due"]["n"] == not_due.height
    assert tables["p_late_not_yet_due"]["base_rate"] == pytest.approx(late.mean(), abs=1e-4)
    assert not_due.filter(pl.col("settled_on").is_null()).height > 0  # the never-paid are in

    unpaid = rows.select(
        pl.when(settled).then((pl.col("settled_on") - pl.col("at")).dt.total_days() > 30).otherwise(True)
    ).to_series()
    assert tables["p_30"]["n"] == rows.height  # every snapshot is 30+ days before the data end
    assert tables["p_30"]["base_rate"] == pytest.approx(unpaid.mean(), abs=1e-4)
    # Customers here pay at fixed delays: the model is informative and roughly calibrated.
    for table in tables.values():
        assert table["brier"] < table["brier_base_rate"]
        for b in table["bins"]:
            if b["n"] >= 100:
                assert abs(b["mean_predicted"] - b["observed"]) < 0.1, b


def test_issue_mode_has_the_reliability_of_p_late_over_every_known_outcome() -> None:
    book = behaving_ledger(unpaid=0.1)
    result = backtest(book, as_of=AS_OF, mode="issue", min_settled=100)
    table = result["reliability"]["p_late_not_yet_due"]
    # The settled test invoices, and the never-paid ones already past their due date.
    assert table["n"] > result["n_test"]
    assert sum(b["n"] for b in table["bins"]) == table["n"]
