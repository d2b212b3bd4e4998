"""Features and model on synthetic ledgers: shapes, targets, fallback, persistence."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from recoup.prediction.features import NUMERIC, prediction_rows, settlement_dates, training_examples
from recoup.prediction.model import OUTPUT_SCHEMA, Model, fit
from tests.analytics.builders import alloc, customer, inv, ledger, pay
from tests.prediction.builders import behaving_ledger

D = dt.date


def test_settlement_is_the_day_the_open_amount_reaches_zero() -> None:
    book = ledger(
        [inv(1, 100, D(2025, 1, 1), D(2025, 1, 31)), inv(2, 100, D(2025, 1, 1), D(2025, 1, 31))],
        [
            alloc(1, 40, D(2025, 1, 10), payment_id=1),
            alloc(1, 60, D(2025, 2, 5), payment_id=2),
            alloc(2, 50, D(2025, 1, 9), payment_id=1),
        ],
        [pay(1, 90, D(2025, 1, 9)), pay(2, 60, D(2025, 2, 5))],
    )
    got = dict(settlement_dates(book).select("id", "settled_on").iter_rows())
    assert got == {1: D(2025, 2, 5), 2: None}


def test_training_examples_have_targets_and_only_outcomes_before_the_cutoff() -> None:
    book = behaving_ledger(invoices=300)
    cutoff = D(2025, 1, 1)
    ex = training_examples(book, cutoff=cutoff, mode="issue")
    assert ex.height > 0 and ex["settled_on"].max() < cutoff
    assert (ex["at"] == ex["issue_date"]).all()
    assert (ex["days"] == (ex["settled_on"] - ex["issue_date"]).dt.total_days()).all()
    assert (ex["late"] == (ex["settled_on"] > ex["due_date"])).all()
    assert (ex["over_30"] == (ex["days"] > 30)).all()
    assert set(NUMERIC) <= set(ex.columns)
    opened = training_examples(book, cutoff=cutoff, mode="open")
    assert opened.height > ex.height and (opened["at"] <= opened["settled_on"]).all()
    assert opened.filter(pl.col("at") > pl.col("issue_date"))["at"].dt.weekday().unique().to_list() == [1]


def test_prediction_rows_are_the_open_items_at_the_date() -> None:
    book = behaving_ledger(invoices=300)
    at = D(2025, 1, 1)
    rows = prediction_rows(book, at=at)
    settled = settlement_dates(book)
    expected = settled.filter((pl.col("issue_date") <= at) & (pl.col("settled_on").is_null() | (pl.col("settled_on") >= at)))
    assert sorted(rows["invoice_id"].to_list()) == sorted(expected["id"].to_list())


def test_model_learns_customer_behaviour_and_round_trips(tmp_path) -> None:
    book = behaving_ledger()
    cutoff = D(2025, 3, 1)
    model = fit(training_examples(book, cutoff=cutoff, mode="issue"), cutoff=cutoff, mode="issue", min_settled=200)
    assert not model.fallback
    assert model.metrics["mae_days"] < model.metrics["mae_days_global_median"]
    rows = prediction_rows(book, at=cutoff)
    out = model.predict(rows)
    assert out.schema == pl.Schema(OUTPUT_SCHEMA) and out.height == rows.height
    assert out.select(pl.col("p_late", "p_7", "p_30").is_between(0, 1).all()).row(0) == (True, True, True)
    assert (out["expected_days"] >= 0).all()
    again = Model.load(model.save(tmp_path / "m.joblib"))
    assert again.predict(rows).equals(out)


def test_young_ledger_falls_back_to_median_and_base_rates() -> None:
    book = behaving_ledger(invoices=60)
    cutoff = D(2025, 6, 1)
    ex = training_examples(book, cutoff=cutoff, mode="issue")
    model = fit(ex, cutoff=cutoff, mode="issue")
    assert model.fallback
    out = model.predict(prediction_rows(book, at=D(2025, 6, 1)))
    assert out["p_late"].unique().to_list() == [pytest.approx(ex["late"].mean())]


def test_empty_ledger_predicts_the_due_date() -> None:
    book = ledger([inv(1, 100, D(2025, 1, 1), D(2025, 1, 31))], customers=[customer(1)])
    model = fit(training_examples(book, cutoff=D(2025, 1, 5), mode="issue"), cutoff=D(2025, 1, 5), mode="issue")
    out = model.predict(prediction_rows(book, at=D(2025, 1, 5)))
    assert out.row(0, named=True) == {"invoice_id": 1, "expected_days": 26.0, "p_late": 0.5, "p_7": 0.5, "p_30": 0.5}


def test_fit_refuses_outcomes_after_the_cutoff() -> None:
    book = behaving_ledger(invoices=100)
    ex = training_examples(book, cutoff=D(2025, 6, 1), mode="issue")
    with pytest.raises(ValueError, match="cut-off"):
        fit(ex, cutoff=D(2024, 6, 1), mode="issue")
