"""Small ledgers from plain Python rows, for worked examples and properties."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from recoup.analytics.frames import (
    ALLOCATIONS_SCHEMA,
    CUSTOMERS_SCHEMA,
    FX_RATES_SCHEMA,
    INVOICES_SCHEMA,
    PAYMENTS_SCHEMA,
    Ledger,
)

D = dt.date


def frame(rows: list[dict[str, Any]], schema: dict[str, type[pl.DataType]]) -> pl.DataFrame:
    return pl.DataFrame([{k: r.get(k) for k in schema} for r in rows], schema=schema) if rows else pl.DataFrame(schema=schema)


def customer(id: int, currency: str = "USD", segment: str = "smb", collector: str = "") -> dict[str, Any]:
    return {
        "id": id,
        "customer_ref": f"C{id}",
        "name": f"Customer {id}",
        "segment": segment,
        "collector": collector,
        "currency": currency,
    }


def inv(
    id: int,
    amount: int,
    issue: dt.date,
    due: dt.date | None = None,
    *,
    customer_id: int = 1,
    kind: str = "invoice",
    currency: str = "USD",
) -> dict[str, Any]:
    return {
        "id": id,
        "customer_id": customer_id,
        "kind": kind,
        "issue_date": issue,
        "due_date": due or issue,
        "currency": currency,
        "amount": amount,
    }


def pay(id: int, amount: int, received: dt.date, *, customer_id: int | None = 1, currency: str = "USD") -> dict[str, Any]:
    return {"id": id, "customer_id": customer_id, "received_on": received, "amount": amount, "currency": currency}


def alloc(
    invoice_id: int, amount: int, on: dt.date, *, payment_id: int | None = None, credit_note_id: int | None = None
) -> dict[str, Any]:
    return {
        "invoice_id": invoice_id,
        "payment_id": payment_id,
        "credit_note_id": credit_note_id,
        "amount": amount,
        "applied_on": on,
    }


def ledger(
    invoices: list[dict[str, Any]],
    allocations: list[dict[str, Any]] = (),  # type: ignore[assignment]
    payments: list[dict[str, Any]] = (),  # type: ignore[assignment]
    customers: list[dict[str, Any]] | None = None,
    fx: list[tuple[str, dt.date, int]] | None = None,
    home: str = "USD",
) -> Ledger:
    if customers is None:
        ids = sorted({r["customer_id"] for r in invoices} | {p["customer_id"] for p in payments if p["customer_id"] is not None})
        customers = [customer(i) for i in ids]
    rates = None if fx is None else frame([{"currency": c, "on": d, "rate_ppb": r} for c, d, r in fx], FX_RATES_SCHEMA)
    return Ledger(
        invoices=frame(invoices, INVOICES_SCHEMA),
        allocations=frame(list(allocations), ALLOCATIONS_SCHEMA),
        payments=frame(list(payments), PAYMENTS_SCHEMA),
        customers=frame(customers, CUSTOMERS_SCHEMA),
        fx_rates=rates,
        home_currency=home,
    ).validate()
