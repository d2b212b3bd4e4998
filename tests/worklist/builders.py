"""Small hand-made fact frames for the pure worklist rules."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import polars as pl

from recoup.worklist.rules import CUSTOMER_FACTS, ITEM_FACTS

_ids = itertools.count(1)


def item(
    customer_id: int,
    ref: str,
    open_home: int,
    due: dt.date,
    *,
    p_30: float | None = None,
    disputed: bool = False,
    expected: dt.date | None = None,
    invoice_id: int | None = None,
) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "invoice_id": invoice_id if invoice_id is not None else next(_ids),
        "invoice_ref": ref,
        "open_home": open_home,
        "open_amount": open_home,
        "currency": "USD",
        "due_date": due,
        "p_30": p_30,
        "expected_pay_date": expected,
        "disputed": disputed,
    }


def items_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=ITEM_FACTS)


def customer(customer_id: int, **facts: Any) -> dict[str, Any]:
    row: dict[str, Any] = {name: None for name in CUSTOMER_FACTS}
    row.update(customer_id=customer_id, status="active", is_consumer=False, do_not_call=False)
    row.update(facts)
    return row


def customers_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=CUSTOMER_FACTS)
