"""Use cases: train a model on the ledger, score every open item, run the backtest.

Dates follow one convention: ``as_of`` is a day whose facts are all known (the command runs at
its end), so training uses facts dated up to and including ``as_of`` (the pure cut-off is the day
after) and predictions are made "at" the start of the next day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl
from django.db import connection, transaction

from recoup.analytics.frames import DEBIT_KINDS
from recoup.database.bulk import bulk_load, insert_frame
from recoup.ledger.events import customers_changed
from recoup.ledger.frames import load_ledger
from recoup.ledger.models import Customer, Invoice
from recoup.prediction import selectors
from recoup.prediction.backtest import backtest, truncate
from recoup.prediction.features import Attributes, Mode, attribute_frame, prediction_rows, training_examples
from recoup.prediction.model import Model, fit
from recoup.prediction.models import InvoicePrediction, PredictionModel

__all__ = ["ledger_attributes", "run_backtest", "score_customers", "score_open_items", "train", "write_predictions"]

ONE_DAY = dt.timedelta(days=1)


def ledger_attributes(customer_ids: Sequence[int] | None = None) -> Attributes:
    """Country and imported extra columns of customers and invoices, as categorical columns.

    The Ledger frames do not carry them (recoup.ledger.frames reads the analytics columns only),
    so they come from the ORM: one query for customers, one for the invoices that have any
    attribute at all. Most invoices have none (``{}``); skipping them in SQL keeps this to the
    rows that matter instead of decoding millions of empty JSON objects (an invoice left out
    simply gets no attribute values, as it would with ``{}``).
    """
    customer_rows = Customer.objects.all()
    invoice_rows = Invoice.objects.filter(kind__in=DEBIT_KINDS).exclude(attributes={})
    if customer_ids is not None:
        customer_rows = customer_rows.filter(pk__in=list(customer_ids))
        invoice_rows = invoice_rows.filter(customer_id__in=list(customer_ids))
    customers = list(customer_rows.values_list("id", "country", "attributes").order_by("id"))
    cust_values = [{"country": country, **(attrs or {})} for _, country, attrs in customers]
    invoices = list(invoice_rows.values_list("id", "attributes").order_by("id"))
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
    lose their prediction. Returns the number of predictions written; says "customer changed"
    (kind "prediction") for the customers whose predictions were written.
    """
    row = model or selectors.latest_model() or train(as_of=as_of, now=now)
    fitted = load_model(row)
    at = as_of + ONE_DAY
    rows = prediction_rows(load_ledger(as_of=as_of), at=at, attributes=ledger_attributes())
    predicted = fitted.predict(rows)
    written = write_predictions(predicted, at=at, model=row, now=now)
    customers_changed(_customers_of(predicted), kind="prediction")
    return written


def score_customers(customer_ids: Sequence[int], *, as_of: dt.date, now: dt.datetime, model: PredictionModel) -> int:
    """Score again the open items of a few customers (after a payment was applied, say): their
    own books are all a prediction reads, so only they are loaded. Returns the number written."""
    fitted = load_model(model)
    at = as_of + ONE_DAY
    ledger = load_ledger(as_of=as_of, customer_ids=customer_ids)
    rows = prediction_rows(ledger, at=at, attributes=ledger_attributes(customer_ids))
    predicted = fitted.predict(rows)
    written = write_predictions(predicted, at=at, model=model, now=now, customer_ids=customer_ids)
    customers_changed(customer_ids, kind="prediction")
    return written


def _customers_of(predicted: pl.DataFrame) -> list[int]:
    if predicted.height == 0 or "invoice_id" not in predicted.columns:
        return []
    ids = predicted["invoice_id"].cast(pl.Int64).to_list()
    return list(Invoice.objects.filter(pk__in=ids).values_list("customer_id", flat=True).distinct())


def write_predictions(
    predicted: pl.DataFrame,
    *,
    at: dt.date,
    model: PredictionModel,
    now: dt.datetime,
    customer_ids: Sequence[int] | None = None,
) -> int:
    """Replace the InvoicePredictions (all, or those of ``customer_ids``) with ``predicted``
    (Model.predict's frame, made at ``at``).

    Written as columns through recoup.database.bulk (COPY on PostgreSQL), not as a million model
    instances through bulk_create: building and binding the objects cost far more than the rows.
    """
    table = InvoicePrediction._meta.db_table
    frame = predicted.select(
        pl.col("invoice_id").cast(pl.Int64),
        expected_pay_date=pl.lit(at, dtype=pl.Date) + pl.duration(days=pl.col("expected_days").round(0).cast(pl.Int64)),
        p_late=pl.col("p_late").cast(pl.Float64),
        p_7=pl.col("p_7").cast(pl.Float64),
        p_30=pl.col("p_30").cast(pl.Float64),
        model_id=pl.lit(model.pk, dtype=pl.Int64),
        scored_at=pl.lit(now, dtype=pl.Datetime("us", "UTC")),
    )
    # All or nothing: a reader never sees half the old predictions and half the new.
    with transaction.atomic():
        old = InvoicePrediction.objects.all()
        if customer_ids is not None:
            old = old.filter(invoice__customer_id__in=list(customer_ids))
        old.delete()
        with bulk_load(connection, table, frame.height):
            insert_frame(connection, table, frame)
    return frame.height


def run_backtest(*, as_of: dt.date, mode: Mode, weeks: int | None = None) -> dict[str, Any]:
    """The backtest over the whole ledger in the database (DESIGN §6)."""
    return backtest(load_ledger(), as_of=as_of, mode=mode, weeks=weeks, attributes=ledger_attributes())
