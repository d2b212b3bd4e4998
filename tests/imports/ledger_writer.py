"""Writes canonical import files the way an outside system would: plain csv and Decimal, no
recoup code. It also keeps its own books, so tests can compare recoup's open amounts with an
independent computation."""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

CURRENCIES = {"USD": 2, "EUR": 2, "JPY": 0, "BHD": 3}


@dataclass
class Books:
    customers: list[dict[str, str]] = field(default_factory=list)
    invoices: list[dict[str, str]] = field(default_factory=list)
    payments: list[dict[str, str]] = field(default_factory=list)
    # invoice_ref -> open amount (Decimal, major units) after every payment
    open_amounts: dict[str, Decimal] = field(default_factory=dict)

    def open_as_of(self, as_of: dt.date) -> dict[str, Decimal]:
        result: dict[str, Decimal] = {}
        for inv in self.invoices:
            if dt.date.fromisoformat(inv["issue_date"]) > as_of:
                continue
            paid = sum(
                (
                    Decimal(p["applied_amount"])
                    for p in self.payments
                    if p["invoice_ref"] == inv["invoice_ref"] and dt.date.fromisoformat(p["received_on"]) <= as_of
                ),
                Decimal(0),
            )
            left = Decimal(inv["amount"]) - paid
            if left > 0:
                result[inv["invoice_ref"]] = left
        return result


def _amount(rng: random.Random, currency: str) -> Decimal:
    places = CURRENCIES[currency]
    value = Decimal(rng.randint(100, 5_000_000)) / Decimal(10**2)
    return value.quantize(Decimal(1).scaleb(-places)) if places else value.quantize(Decimal(1))


def build(seed: int, customers: int = 30, invoices: int = 300) -> Books:
    rng = random.Random(seed)
    books = Books()
    for i in range(customers):
        currency = rng.choice(list(CURRENCIES))
        books.customers.append(
            {
                "customer_ref": f"K{i:04d}",
                "name": f"Customer {i}",
                "currency": currency,
                "payment_terms_days": str(rng.choice([14, 30, 45, 60])),
                "segment": rng.choice(["smb", "enterprise"]),
                "country": rng.choice(["US", "DE", "JP", "BH"]),
            }
        )
    start = dt.date(2025, 1, 1)
    for n in range(invoices):
        cust = rng.choice(books.customers)
        issue = start + dt.timedelta(days=rng.randint(0, 600))
        amount = _amount(rng, cust["currency"])
        ref = f"INV-{n:06d}"
        books.invoices.append(
            {
                "invoice_ref": ref,
                "customer_ref": cust["customer_ref"],
                "issue_date": issue.isoformat(),
                "due_date": (issue + dt.timedelta(days=30)).isoformat(),
                "amount": str(amount),
                "currency": cust["currency"],
            }
        )
        remaining = amount
        for k in range(rng.choice([0, 1, 1, 2])):
            if remaining <= 0:
                break
            part = remaining if rng.random() < 0.6 else (remaining / 2).quantize(Decimal(1).scaleb(-CURRENCIES[cust["currency"]]))
            if part <= 0:
                break
            paid_on = issue + dt.timedelta(days=rng.randint(5, 90))
            books.payments.append(
                {
                    "payment_ref": f"PAY-{n:06d}-{k}",
                    "received_on": paid_on.isoformat(),
                    "amount": str(part),
                    "currency": cust["currency"],
                    "customer_ref": cust["customer_ref"],
                    "invoice_ref": ref,
                    "applied_amount": str(part),
                }
            )
            remaining -= part
        books.open_amounts[ref] = remaining
    return books


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path
