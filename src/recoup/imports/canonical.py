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
        "phone",
        "email",
        "is_consumer",
        "parent_ref",
        "contact_name",
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

# The internal columns every frame carries alongside the file's own.
LINE = "__line"
