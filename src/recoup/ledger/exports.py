"""Exports of the ledger as frames: customers, invoices and open items (as of any date).

Amounts leave as exact decimal text in major units ("1234.50"), computed from integer minor
units by each row's currency exponent, so an export never rounds.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from django.db import connection

from recoup.database.bulk import fetch_frame
from recoup.kernel.money import currency_exponent
from recoup.ledger.canonical import CUSTOMERS, schema_of

EXPORTS = ("customers", "invoices", "open-items")
FORMATS = ("csv", "json", "xlsx")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def major_units(minor: str, currency: str) -> pl.Expr:
    """Integer minor units → exact decimal text by each row's currency exponent."""
    exp = pl.col(currency).map_elements(currency_exponent, return_dtype=pl.Int64)
    scale = exp.replace_strict({0: 1, 1: 10, 2: 100, 3: 1000, 4: 10000}, return_dtype=pl.Int64)
    value = pl.col(minor)
    whole = (value.abs() // scale).cast(pl.String)
    frac = (value.abs() % scale).cast(pl.String).str.pad_start(4, "0").str.slice(pl.lit(4) - exp, exp)
    sign = pl.when(value < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return (
        pl.when(value.is_null())
        .then(None)
        .when(exp == 0)
        .then(pl.concat_str([sign, whole]))
        .otherwise(pl.concat_str([sign, whole, pl.lit("."), frac]))
    )


# The customers file as `recoup import customers` reads it back (canonical columns, this order).
EXPORTED_CUSTOMER_COLUMNS = (
    *CUSTOMERS.required,
    # Contacts and bank accounts have tables of their own (and exports of their own to come).
    *(c for c in CUSTOMERS.optional if c not in ("contact_name", "phone", "email", "iban", "bank_account")),
)


def customers_frame() -> pl.DataFrame:
    frame = fetch_frame(
        connection,
        "SELECT c.customer_ref, c.name, c.country, c.region, c.timezone, c.currency, c.payment_terms_days, c.credit_limit,"
        " c.segment, COALESCE(u.email, ''), c.is_consumer, COALESCE(p.customer_ref, ''), c.status"
        " FROM ledger_customer c LEFT JOIN accounts_user u ON u.id = c.collector_id"
        " LEFT JOIN ledger_customer p ON p.id = c.parent_id ORDER BY c.customer_ref",
        schema=schema_of(*EXPORTED_CUSTOMER_COLUMNS),
    )
    return frame.with_columns(major_units("credit_limit", "currency").alias("credit_limit"))


def invoices_frame() -> pl.DataFrame:
    frame = fetch_frame(
        connection,
        "SELECT i.source, i.invoice_ref, c.customer_ref, i.kind, i.issue_date, i.due_date, i.currency, i.amount, i.open_amount,"
        " i.po_number, i.description FROM ledger_invoice i JOIN ledger_customer c ON c.id = i.customer_id"
        " ORDER BY i.issue_date, i.invoice_ref",
        schema={
            "source": pl.String,
            "invoice_ref": pl.String,
            "customer_ref": pl.String,
            "kind": pl.String,
            "issue_date": pl.Date,
            "due_date": pl.Date,
            "currency": pl.String,
            "amount": pl.Int64,
            "open_amount": pl.Int64,
            "po_number": pl.String,
            "description": pl.String,
        },
    )
    return frame.with_columns(
        major_units("amount", "currency").alias("amount"), major_units("open_amount", "currency").alias("open_amount")
    )


def open_items_frame(as_of: dt.date) -> pl.DataFrame:
    """Every item open at the end of `as_of`: issued by then, less what was applied by then.

    Invoices and debit notes carry a positive open amount; credit notes with unused credit
    appear with a negative one, so the column sums to the customer's balance.
    """
    invoices = fetch_frame(
        connection,
        "SELECT i.id, i.source, i.invoice_ref, c.customer_ref, c.name, i.kind, i.issue_date, i.due_date, i.currency, i.amount"
        " FROM ledger_invoice i JOIN ledger_customer c ON c.id = i.customer_id WHERE i.issue_date <= %s",
        [as_of],
        schema={
            "id": pl.Int64,
            "source": pl.String,
            "invoice_ref": pl.String,
            "customer_ref": pl.String,
            "customer_name": pl.String,
            "kind": pl.String,
            "issue_date": pl.Date,
            "due_date": pl.Date,
            "currency": pl.String,
            "amount": pl.Int64,
        },
    )
    applied = fetch_frame(
        connection,
        "SELECT invoice_id, credit_note_id, amount FROM ledger_allocation WHERE applied_on <= %s",
        [as_of],
        schema={"invoice_id": pl.Int64, "credit_note_id": pl.Int64, "amount": pl.Int64},
    )
    used = (
        pl.concat(
            [
                applied.select(pl.col("invoice_id").alias("id"), "amount"),
                applied.filter(pl.col("credit_note_id").is_not_null()).select(pl.col("credit_note_id").alias("id"), "amount"),
            ]
        )
        .group_by("id")
        .agg(pl.col("amount").sum().alias("applied"))
    )
    frame = invoices.join(used, on="id", how="left").with_columns(
        (pl.col("amount") - pl.col("applied").fill_null(0)).alias("open_minor")
    )
    frame = frame.filter(pl.col("open_minor") > 0).with_columns(
        pl.when(pl.col("kind") == "credit_note").then(-pl.col("open_minor")).otherwise(pl.col("open_minor")).alias("open_minor"),
        pl.when(pl.col("kind") == "credit_note")
        .then(0)
        .otherwise((pl.lit(as_of) - pl.col("due_date")).dt.total_days().clip(0))
        .alias("days_overdue"),
    )
    frame = frame.sort(["customer_ref", "due_date", "invoice_ref"]).join(_predictions(as_of), on="id", how="left")
    return frame.select(
        "invoice_ref",
        "source",
        "customer_ref",
        "customer_name",
        "kind",
        "issue_date",
        "due_date",
        "currency",
        major_units("amount", "currency").alias("amount"),
        major_units("open_minor", "currency").alias("open_amount"),
        "days_overdue",
        "expected_pay_date",
        "p_late",
        "p_not_paid_30d",
    )


def _predictions(as_of: dt.date) -> pl.DataFrame:
    """The latest scoring of each open item (`recoup train`), shown only for an as-of on or
    after the day it was made: a prediction says nothing about what was known earlier."""
    return fetch_frame(
        connection,
        "SELECT invoice_id, expected_pay_date, p_late, p_30 FROM prediction_invoiceprediction WHERE scored_at < %s",
        [dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)],
        schema={"id": pl.Int64, "expected_pay_date": pl.Date, "p_late": pl.Float64, "p_not_paid_30d": pl.Float64},
    ).with_columns(pl.col("p_late", "p_not_paid_30d").round(3))


def neutralise_formulas(frame: pl.DataFrame, *, numeric: tuple[str, ...] = ()) -> pl.DataFrame:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (OWASP's advice)."""
    text = [c for c, t in frame.schema.items() if t == pl.String and c not in numeric]
    return frame.with_columns(
        [
            pl.when(pl.any_horizontal([pl.col(c).str.starts_with(s) for s in _FORMULA_START]))
            .then(pl.concat_str([pl.lit("'"), pl.col(c)]))
            .otherwise(pl.col(c))
            .alias(c)
            for c in text
        ]
    )


AMOUNT_COLUMNS = ("amount", "open_amount", "credit_limit")


def write(frame: pl.DataFrame, fmt: str, target: Path | None) -> bytes:
    """Render a frame as CSV, JSON or XLSX; returns the bytes and writes them to `target`."""
    if fmt == "csv":
        data = neutralise_formulas(frame, numeric=AMOUNT_COLUMNS).write_csv().encode()
    elif fmt == "json":
        data = json.dumps(frame.to_dicts(), default=str, ensure_ascii=False, indent=1).encode()
    elif fmt == "xlsx":
        data = _xlsx(neutralise_formulas(frame, numeric=AMOUNT_COLUMNS))
    else:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if target is not None:
        target.write_bytes(data)
    return data


def _xlsx(frame: pl.DataFrame) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("export")
    sheet.append(frame.columns)
    amount_idx = {i for i, c in enumerate(frame.columns) if c in AMOUNT_COLUMNS}
    for row in frame.iter_rows():
        sheet.append([Decimal(v) if i in amount_idx and v is not None else v for i, v in enumerate(row)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_frame(kind: str, *, as_of: dt.date) -> pl.DataFrame:
    builders: dict[str, Any] = {"customers": customers_frame, "invoices": invoices_frame}
    if kind == "open-items":
        return open_items_frame(as_of)
    if kind not in builders:
        raise ValueError(f"unknown export {kind!r}; choose one of {', '.join(EXPORTS)}")
    return builders[kind]()
