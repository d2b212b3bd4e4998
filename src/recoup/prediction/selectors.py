"""Reads: the model in use, the predictions shown beside open items, and open items with their
predictions for the worklist."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from django.conf import settings

from recoup.database import sql
from recoup.database.columnar import Reader
from recoup.prediction.models import InvoicePrediction, PredictionModel

ITEMS_SQL = (
    "SELECT i.customer_id, i.id AS invoice_id, i.invoice_ref, i.open_amount, i.currency, i.due_date,"
    " p.p_30, p.expected_pay_date"
    " FROM ledger_invoice i LEFT JOIN prediction_invoiceprediction p ON p.invoice_id = i.id"
    " WHERE i.open_amount > 0 AND i.kind <> 'credit_note'"
)
ITEMS_SCHEMA = {
    "customer_id": pl.Int64,
    "invoice_id": pl.Int64,
    "invoice_ref": pl.String,
    "open_amount": pl.Int64,
    "currency": pl.String,
    "due_date": pl.Date,
    "p_30": pl.Float64,
    "expected_pay_date": pl.Date,
}


def models_dir() -> Path:
    return Path(settings.DATA_DIR) / "models"


def latest_model() -> PredictionModel | None:
    return PredictionModel.objects.order_by("-trained_at", "-id").first()


def predictions_for_customer(customer_id: int) -> list[InvoicePrediction]:
    """The open items' predictions of one customer, soonest expected payment first."""
    return list(
        InvoicePrediction.objects.filter(invoice__customer_id=customer_id)
        .select_related("invoice")
        .order_by("expected_pay_date", "invoice__invoice_ref")
    )


def predictions_by_invoice(invoice_ids: list[int]) -> dict[int, InvoicePrediction]:
    return {p.invoice_id: p for p in InvoicePrediction.objects.filter(invoice_id__in=invoice_ids)}


def open_items(read: Reader, *, customer_id: int | None = None, in_table_order: bool = False) -> pl.DataFrame:
    """Open debit items with their latest prediction (p_30, expected pay date), ITEMS_SCHEMA.

    ``in_table_order``: read the whole table in order rather than through the open-amount index
    (SQLite, the whole ledger: sql.unindexed says why).
    """
    query = ITEMS_SQL
    if in_table_order:
        query = query.replace("i.open_amount > 0", sql.unindexed("i.open_amount") + " > 0")
    return read(query + sql.for_customer("i.customer_id", customer_id), ITEMS_SCHEMA)
