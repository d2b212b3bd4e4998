"""A small ledger imported from canonical CSV files, plus the books it was written from.

The books are plain csv rows (tests.imports.ledger_writer writes them without recoup code),
with a credit note and an unapplied payment added so the credits column is exercised.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from recoup.imports.services import import_file
from tests.imports import ledger_writer


@dataclass
class Books:
    customers: list[dict[str, str]]
    invoices: list[dict[str, str]]
    payments: list[dict[str, str]]


def write_books(tmp_path: Path, seed: int = 11, customers: int = 12, invoices: int = 150) -> Books:
    raw = ledger_writer.build(seed, customers=customers, invoices=invoices)
    for row in raw.invoices:
        row["kind"] = "invoice"
    first = raw.customers[0]
    # An unused credit note and cash nobody applied: both belong in "credits", not in a bucket.
    raw.invoices.append(
        {
            "invoice_ref": "CN-0001",
            "customer_ref": first["customer_ref"],
            "issue_date": "2025-03-10",
            "due_date": "2025-03-10",
            "amount": "12" if first["currency"] == "JPY" else "12.5",
            "currency": first["currency"],
            "kind": "credit_note",
        }
    )
    raw.payments.append(
        {
            "payment_ref": "PAY-UNAPPLIED",
            "received_on": "2025-04-01",
            "amount": "7" if first["currency"] == "JPY" else "7.25",
            "currency": first["currency"],
            "customer_ref": first["customer_ref"],
            "invoice_ref": "",
            "applied_amount": "0",
        }
    )
    ledger_writer.write_csv(tmp_path / "customers.csv", raw.customers)
    ledger_writer.write_csv(tmp_path / "invoices.csv", raw.invoices)
    ledger_writer.write_csv(tmp_path / "payments.csv", raw.payments)
    for entity in ("customers", "invoices", "payments"):
        import_file(entity, tmp_path / f"{entity}.csv")
    return Books(raw.customers, raw.invoices, raw.payments)


@pytest.fixture
def books(db, tmp_path: Path) -> Books:
    return write_books(tmp_path)
