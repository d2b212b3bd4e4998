"""A deterministic, realistic demo company in recoup's canonical import format.

Pure: no Django. `generate_company` returns four frames of strings exactly as they would sit in
CSV files (ISO dates, `.` decimals in major units, empty strings for missing values), so the demo
goes through the same importer as a customer's own files and exercises it end to end.

Everything is vectorised over polars columns so a benchmark-sized company (100,000 customers,
2,000,000 invoices) generates in seconds. Randomness comes from named streams: each draw is
seeded from (seed, stream name), so the output depends only on the seed and the arguments, and
adding a new draw somewhere does not shift every other one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from recoup.ledger.canonical import CUSTOMERS

from .customers import build_customers, contact_frame, customer_frame
from .formats import phone_pool
from .invoices import build_invoices, invoice_frame
from .payments import build_payments
from .randomness import Rng
from .reference import BEHAVIOURS, COLLECTOR_EMAILS, COUNTRIES, DEMO_DOMAIN, FX_PER_USD, HISTORY_DAYS, SEGMENTS, SENIOR_EMAIL

__all__ = [
    "BEHAVIOURS",
    "COLLECTOR_EMAILS",
    "CONTACT_COLUMNS",
    "COUNTRIES",
    "CUSTOMER_COLUMNS",
    "DEMO_DOMAIN",
    "FX_PER_USD",
    "HISTORY_DAYS",
    "INVOICE_COLUMNS",
    "PAYMENT_COLUMNS",
    "SEGMENTS",
    "SENIOR_EMAIL",
    "CompanyFrames",
    "generate_company",
    "phone_pool",
]

# The canonical columns the demo fills, in the canonical order, then two attributes of its own.
CUSTOMER_COLUMNS: tuple[str, ...] = (
    *CUSTOMERS.required,
    # Every demo customer is active and has no bank account on file (cash application learns them).
    *(c for c in CUSTOMERS.optional if c not in ("status", "iban", "bank_account")),
    "industry",
    "billing_channel",
)
CONTACT_COLUMNS: tuple[str, ...] = ("customer_ref", "name", "role", "phone", "email", "is_primary", "do_not_call")
INVOICE_COLUMNS: tuple[str, ...] = (
    "invoice_ref",
    "customer_ref",
    "issue_date",
    "due_date",
    "amount",
    "currency",
    "kind",
    "po_number",
    "description",
    "credits_invoice_ref",
    "channel",
)
PAYMENT_COLUMNS: tuple[str, ...] = (
    "payment_ref",
    "received_on",
    "amount",
    "currency",
    "customer_ref",
    "method",
    "reference",
    "invoice_ref",
    "applied_amount",
)


@dataclass(frozen=True)
class CompanyFrames:
    """The demo company as four import files, plus the ground truth used to make it.

    `behaviours` (customer_ref, behaviour) is not imported: it lets tests and benchmarks check
    that the payment history really shows each customer's behaviour.
    """

    customers: pl.DataFrame
    contacts: pl.DataFrame
    invoices: pl.DataFrame
    payments: pl.DataFrame
    behaviours: pl.DataFrame


def generate_company(*, customers: int, invoices: int, seed: int, as_of: date) -> CompanyFrames:
    """Build the demo company as of `as_of`: nothing is issued or received after that day."""
    if customers < 1 or invoices < 1:
        raise ValueError("customers and invoices must be at least 1")
    rng = Rng(seed)
    cust = build_customers(rng, customers, as_of)
    docs = build_invoices(rng, cust, invoices, as_of)
    payments, credit_notes = build_payments(rng, cust, docs, as_of)
    invoice_rows = invoice_frame(cust, docs, credit_notes)
    return CompanyFrames(
        customers=customer_frame(cust),
        contacts=contact_frame(rng, cust),
        invoices=invoice_rows,
        payments=payments,
        behaviours=cust.select("customer_ref", pl.col("behaviour").cast(pl.String)),
    )
