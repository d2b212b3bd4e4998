"""Use cases: train a model on the ledger, score every open item, run the backtest.

Dates follow one convention: ``as_of`` is a day whose facts are all known (the command runs at
its end), so training uses facts dated up to and including ``as_of`` (the pure cut-off is the day
after) and predictions are made "at" the start of the next day.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
from django.db import transaction

from recoup.analytics.frames import DEBIT_KINDS
from recoup.ledger.models import Customer, Invoice
from recoup.prediction import selectors
from recoup.prediction.backtest import backtest, truncate
from recoup.prediction.features import Attributes, Mode, attribute_frame, prediction_rows, training_examples
from recoup.prediction.model import Model, fit
from recoup.prediction.models import InvoicePrediction, PredictionModel
from recoup.reports.loading import load_ledger

__all__ = ["ledger_attributes", "run_backtest", "score_open_items", "train"]

ONE_DAY = dt.timedelta(days=1)


def ledger_attributes() -> Attributes:
    """Country and imported extra columns of customers and invoices, as categorical columns.

    The Ledger frames do not carry them (recoup.reports.loading reads the analytics columns only),
    so they come from the ORM: one small query for customers, one for invoice attributes.
    """
    customers = list(Customer.objects.values_list("id", "country", "attributes").order_by("id"))
    cust_values = [{"country": country, **(attrs or {})} for _, country, attrs in customers]
    invoices = list(Invoice.objects.filter(kind__in=DEBIT_KINDS).values_list("id", "attributes").order_by("id"))
    return Attributes(
        customers=attribute_frame("customer_id", [c[0] for c in customers], cust_values, prefix="customer_"),
        invoices=attribute_frame("invoice_id", [i[0] for i in invoices], [i[1] or {} for i in invoices], prefix="invoice_"),
    )


def train(*, as_of: dt.date, now: dt.datetime, mode: Mode = "open") -> PredictionModel:
    """Fit on everything known at the end of ``as_of``, save the file, record the model."""
    cutoff = as_of + ONE_DAY
    ledger = truncate(load_ledger(as_of=as_of), cutoff)
    attributes = ledger_attributes()
    examples = training_examples(ledger, cutoff=cutoff, mode=mode, attributes=attributes)
    model = fit(examples, cutoff=cutoff, mode=mode, attribute_columns=attributes.columns())
    name = f"model-{cutoff:%Y%m%d}-{mode}-{now:%Y%m%dT%H%M%S%f}.joblib"
    model.save(selectors.models_dir() / name)
    return PredictionModel.objects.create(
        trained_at=now,
        cutoff=cutoff,
        mode=mode,
        features=model.features,
        metrics=model.metrics,
        fallback=model.fallback,
        path=name,
    )


def load_model(row: PredictionModel) -> Model:
    return Model.load(selectors.models_dir() / Path(row.path).name)


def score_open_items(*, as_of: dt.date, now: dt.datetime, model: PredictionModel | None = None) -> int:
    """Replace every InvoicePrediction with one per invoice open at the end of ``as_of``.

    Uses ``model`` or the latest one (training one first when there is none). Items that closed
    lose their prediction. Returns the number of predictions written.
    """
    row = model or selectors.latest_model() or train(as_of=as_of, now=now)
    fitted = load_model(row)
    at = as_of + ONE_DAY
    rows = prediction_rows(load_ledger(as_of=as_of), at=at, attributes=ledger_attributes())
    out = fitted.predict(rows).with_columns(
        expected_pay_date=pl.lit(at) + pl.duration(days=pl.col("expected_days").round(0).cast(pl.Int64))
    )
    objects = [
        InvoicePrediction(
            invoice_id=r["invoice_id"],
            expected_pay_date=r["expected_pay_date"],
            p_late=r["p_late"],
            p_7=r["p_7"],
            p_30=r["p_30"],
            model=row,
            scored_at=now,
        )
        for r in out.iter_rows(named=True)
    ]
    # All or nothing: a reader never sees half the old predictions and half the new.
    with transaction.atomic():
        InvoicePrediction.objects.all().delete()
        InvoicePrediction.objects.bulk_create(objects, batch_size=2000)
    return len(objects)


def run_backtest(*, as_of: dt.date, mode: Mode, weeks: int | None = None) -> dict[str, Any]:
    """The backtest over the whole ledger in the database (DESIGN §6)."""
    return backtest(load_ledger(), as_of=as_of, mode=mode, weeks=weeks, attributes=ledger_attributes())
