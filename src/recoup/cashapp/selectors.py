"""Reads for cash application: the ledger as the matcher needs it, the queue, a customer's
payments waiting in the queue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db import connection
from django.db.models import QuerySet

from recoup.cashapp import matching
from recoup.cashapp.models import LineStatus, StatementLine
from recoup.database.bulk import SQLITE_PARAMS
from recoup.database.columnar import reader
from recoup.ledger.models import Customer, Invoice

QUEUED = (LineStatus.SUGGESTED, LineStatus.UNMATCHED)


def ledger_frames(expected_items: int | None = None) -> matching.LedgerFrames:
    """Open items, customers, bank accounts and learned payer names, read column-wise (a million
    open items in seconds; on SQLite a large read runs in the reader process)."""
    with reader(connection, expected_rows=expected_items) as read:
        items = read(
            "SELECT id AS invoice_id, invoice_ref, customer_id, open_amount, currency, due_date FROM ledger_invoice"
            " WHERE open_amount > 0 AND kind <> 'credit_note'",
            matching.ITEM_SCHEMA,
        )
        customers = read("SELECT id AS customer_id, name, parent_id FROM ledger_customer", matching.CUSTOMER_SCHEMA)
        accounts = read("SELECT account, customer_id FROM ledger_bankaccount", matching.ACCOUNT_SCHEMA)
        aliases = read("SELECT name_key, customer_id FROM cashapp_payeralias", matching.ALIAS_SCHEMA)
    # The reader process streams Arrow batches: one contiguous chunk per column joins faster.
    return matching.LedgerFrames(items=items.rechunk(), customers=customers.rechunk(), accounts=accounts, aliases=aliases)


def existing_keys(keys: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), SQLITE_PARAMS):
        found |= set(
            StatementLine.objects.filter(line_key__in=keys[start : start + SQLITE_PARAMS]).values_list("line_key", flat=True)
        )
    return found


def lines_by_key(keys: Sequence[str]) -> dict[str, StatementLine]:
    found: dict[str, StatementLine] = {}
    for start in range(0, len(keys), SQLITE_PARAMS):
        chunk = StatementLine.objects.filter(line_key__in=keys[start : start + SQLITE_PARAMS]).select_related("customer")
        found |= {line.line_key: line for line in chunk}
    return found


@dataclass
class QueuedSuggestion:
    index: int
    customer: Customer | None
    items: list[tuple[Invoice | None, int]]
    deductions: list[tuple[Invoice | None, int, str]]
    unapplied: int
    confidence: float
    reason: str


def queue(*, status: str = "", limit: int = 200) -> QuerySet[StatementLine]:
    """Lines waiting for a person, oldest booking first (the oldest money unapplied longest)."""
    statuses = [status] if status in QUEUED else list(QUEUED)
    return (
        StatementLine.objects.filter(status__in=statuses, direction="credit")
        .select_related("statement", "customer")
        .order_by("booked_on", "id")[:limit]
    )


def with_suggestions(lines: Sequence[StatementLine]) -> list[tuple[StatementLine, list[QueuedSuggestion]]]:
    """Each line with its suggestions, customers and invoices read in two queries for the page."""
    customer_ids = {s["customer_id"] for line in lines for s in line.suggestions}
    invoice_ids = {a[0] for line in lines for s in line.suggestions for a in [*s["allocations"], *s["deductions"]]}
    customers = Customer.objects.in_bulk(list(customer_ids))
    invoices = Invoice.objects.in_bulk(list(invoice_ids))
    out = []
    for line in lines:
        shown = [
            QueuedSuggestion(
                index=k,
                customer=customers.get(s["customer_id"]),
                items=[(invoices.get(i), a) for i, a in s["allocations"]],
                deductions=[(invoices.get(i), a, why) for i, a, why in s["deductions"]],
                unapplied=s["unapplied"],
                confidence=s["confidence"],
                reason=s["reason"],
            )
            for k, s in enumerate(line.suggestions)
        ]
        out.append((line, shown))
    return out


def queue_counts() -> dict[str, int]:
    rows = StatementLine.objects.filter(direction="credit", status__in=QUEUED).values_list("status", flat=True)
    counts: dict[str, int] = {str(s): 0 for s in QUEUED}
    for status in rows:
        counts[status] += 1
    return counts


def paid_not_applied(customer: Customer, *, as_of: dt.date, days: int = 14) -> list[StatementLine]:
    """Payments in the queue whose suggestions name this customer, booked in the last ``days``:
    the collector should not chase money that has arrived ("paid yesterday, not yet applied")."""
    return list(
        StatementLine.objects.filter(
            suggested_customers__customer=customer,
            status__in=QUEUED,
            booked_on__gte=as_of - dt.timedelta(days=days),
            booked_on__lte=as_of,
        )
        .distinct()
        .order_by("-booked_on", "-id")[:10]
    )


def recent_statements(limit: int = 20) -> Any:
    from recoup.cashapp.models import BankStatement

    return BankStatement.objects.select_related("imported_by")[:limit]


def open_items_frame(customer_ids: Sequence[int]) -> pl.DataFrame:
    """A few customers' open items for a manual decision (the split form)."""
    rows = Invoice.objects.filter(customer_id__in=list(customer_ids), open_amount__gt=0).exclude(kind=Invoice.Kind.CREDIT_NOTE)
    return pl.DataFrame(
        list(rows.values_list("id", "invoice_ref", "customer_id", "open_amount", "currency", "due_date")),
        schema=matching.ITEM_SCHEMA,
        orient="row",
    )


def items_for_split(customer: Customer, currency: str) -> list[Invoice]:
    """The customer's and its subsidiaries' open items in the line's currency, oldest first."""
    return list(
        Invoice.objects.filter(customer__in=[customer, *customer.children.all()], open_amount__gt=0, currency=currency)
        .exclude(kind=Invoice.Kind.CREDIT_NOTE)
        .select_related("customer")
        .order_by("due_date", "id")[:200]
    )
