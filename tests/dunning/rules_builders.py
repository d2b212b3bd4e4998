"""Hand-made fact frames for the pure follow-up rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from recoup.dunning.rules import CUSTOMER_COLUMNS, FIRED_COLUMNS, ITEM_COLUMNS, STEP_COLUMNS

SAMPLE = [
    ("friendly-reminder", -3, "email"),
    ("overdue-notice", 1, "email"),
    ("call", 7, "call_task"),
    ("second-notice", 14, "email"),
    ("final-notice", 30, "letter"),
    ("escalate", 30, "escalate"),
    ("credit-hold", 45, "credit_hold"),
]
# A Wednesday, 12:00 UTC: inside 09:00-17:00 in Europe/London.
AT = dt.datetime(2026, 3, 11, 12, 0, tzinfo=dt.UTC)
AS_OF = AT.date()


def steps_frame(strategy_id: int = 1, sample: list[tuple[str, int, str]] = SAMPLE) -> pl.DataFrame:
    rows = [
        {
            "strategy_id": strategy_id,
            "step_id": n,
            "step_key": key,
            "label": key,
            "offset_days": offset,
            "channel": channel,
            "template_key": key if channel in ("email", "letter") else "",
        }
        for n, (key, offset, channel) in enumerate(sample, start=1)
    ]
    return pl.DataFrame(rows, schema=STEP_COLUMNS)


def item(customer_id: int, invoice_id: int, days_overdue: int, amount: int = 10000, **facts: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "customer_id": customer_id,
        "invoice_id": invoice_id,
        "invoice_ref": f"INV-{invoice_id}",
        "due_date": AS_OF - dt.timedelta(days=days_overdue),
        "open_amount": amount,
        "currency": "EUR",
        "disputed": False,
        "promised_until": None,
        "in_plan": False,
    }
    row.update(facts)
    return row


def customer(customer_id: int, **facts: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "customer_id": customer_id,
        "customer_ref": f"C{customer_id:03d}",
        "strategy_id": 1,
        "status": "active",
        "credit_held": False,
        "is_consumer": False,
        "zone": "Europe/London",
        "holiday_country": "GB",
        "subdivision": None,
        "contact_id": customer_id * 10,
        "contact_name": "Accounts",
        "email": f"ap{customer_id}@example.com",
        "contact_blocked": False,
    }
    row.update(facts)
    return row


def frames(
    items: list[dict[str, Any]], customers: list[dict[str, Any]], fired: list[tuple[int, str, int]] = ()
) -> dict[str, Any]:  # type: ignore[assignment]
    return {
        "items": pl.DataFrame(items, schema=ITEM_COLUMNS),
        "customers": pl.DataFrame(customers, schema=CUSTOMER_COLUMNS),
        "fired": pl.DataFrame(list(fired), schema=FIRED_COLUMNS, orient="row"),
        "steps": steps_frame(),
    }
