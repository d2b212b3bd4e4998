"""The canonical import formats (DESIGN §6): which columns each entity has and which are required.

Columns not listed here are kept as attributes of the customer, contact, invoice or payment.
Three columns beyond DESIGN §6 are recognised because real ledgers need them:
`contact_name` (customers: the name of the primary contact made from `phone`/`email`),
`credits_invoice_ref` (invoices: the invoice a credit note credits; the credit is applied
to it) and `applied_amount` (payments: the part of the payment applied to `invoice_ref`
when one payment settles several invoices over several rows). `source` (every entity)
names the source system when one ledger holds refs from several ERPs.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class EntitySpec:
    name: str
    key: tuple[str, ...]
    required: tuple[str, ...]
    optional: tuple[str, ...]

    @property
    def known(self) -> frozenset[str]:
        return frozenset(self.required) | frozenset(self.optional)


CUSTOMERS = EntitySpec(
    name="customers",
    key=("customer_ref",),
    required=("customer_ref", "name"),
    optional=(
        "country",
        "region",
        "timezone",
        "currency",
        "payment_terms_days",
        "credit_limit",
        "segment",
        "collector",
        "contact_name",
        "phone",
        "email",
        "is_consumer",
        "parent_ref",
        "status",
        "iban",
        "bank_account",
    ),
)
CONTACTS = EntitySpec(
    name="contacts",
    key=("customer_ref", "name"),
    required=("customer_ref", "name"),
    optional=("role", "phone", "email", "is_primary", "do_not_call", "preferred_channel", "preferred_hours"),
)
INVOICES = EntitySpec(
    name="invoices",
    key=("source", "invoice_ref"),
    required=("invoice_ref", "customer_ref", "issue_date", "amount"),
    optional=("source", "due_date", "currency", "kind", "po_number", "description", "credits_invoice_ref"),
)
PAYMENTS = EntitySpec(
    name="payments",
    key=("source", "payment_ref"),
    required=("payment_ref", "received_on", "amount"),
    optional=("source", "currency", "customer_ref", "method", "reference", "invoice_ref", "applied_amount"),
)

ENTITIES: dict[str, EntitySpec] = {s.name: s for s in (CUSTOMERS, CONTACTS, INVOICES, PAYMENTS)}

# How the ledger holds the columns that are not text (amounts in minor units, ids, flags, dates);
# shared by the imports (what a row is compared with) and the exports (what is written out).
COLUMN_TYPES: dict[str, type[pl.DataType]] = {
    "payment_terms_days": pl.Int64,
    "credit_limit": pl.Int64,
    "is_consumer": pl.Boolean,
    "collector_id": pl.Int64,
    "customer_id": pl.Int64,
    "amount": pl.Int64,
    "open_amount": pl.Int64,
    "issue_date": pl.Date,
    "due_date": pl.Date,
    "received_on": pl.Date,
    "is_primary": pl.Boolean,
    "do_not_call": pl.Boolean,
}


def schema_of(*columns: str) -> dict[str, type[pl.DataType]]:
    """A frame schema for these ledger columns, in this order (text unless COLUMN_TYPES says otherwise)."""
    return {c: COLUMN_TYPES.get(c, pl.String) for c in columns}


# The internal columns every frame carries alongside the file's own.
LINE = "__line"
