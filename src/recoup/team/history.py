"""A customer's history: every audited change to the customer and to what hangs off it
(contacts, invoices, payments and their applications, promises, plans, disputes, bank accounts,
portal links), read from the audit trail in one statement and put in words.

The trail is the record; the page only shows it, so the two cannot disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from recoup.activities.models import Activity
from recoup.audit.models import AuditEvent
from recoup.audit.selectors import history_of
from recoup.disputes.models import Dispute
from recoup.ledger.models import Allocation, BankAccount, Contact, Customer, Invoice, Payment
from recoup.portal.models import PortalLink
from recoup.promises.models import PaymentPlan, Promise

# Object types as the trail names them, in words for the page.
KINDS = {
    "ledger.customer": "customer",
    "ledger.contact": "contact",
    "ledger.invoice": "invoice",
    "ledger.payment": "payment",
    "ledger.allocation": "payment applied",
    "ledger.bankaccount": "bank account",
    "promises.promise": "promise",
    "promises.paymentplan": "payment plan",
    "disputes.dispute": "dispute",
    "activities.activity": "call or note",
    "portal.portallink": "portal link",
}


@dataclass(frozen=True, slots=True)
class Change:
    """One field: before → after; ``before`` None when the event only names the value (context
    such as the customer a contact belongs to, recorded on one side only)."""

    field: str
    before: str | None
    after: str


@dataclass(frozen=True, slots=True)
class Entry:
    at: dt.datetime
    actor: str
    action: str
    kind: str
    ref: str
    changes: list[Change]


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, list | tuple):
        return ", ".join(_shown(v) for v in value) or "–"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_shown(v)}" for k, v in value.items())
    return str(value)


def changes(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[Change]:
    """Field by field. A creation (nothing before) or a removal (nothing after) shows every
    field as – → value or value → –; an update shows the fields that changed, and a field
    recorded on one side only as context, without an arrow."""
    if before is None or after is None:
        old, new = before or {}, after or {}
        return [Change(name, _shown(old.get(name)), _shown(new.get(name))) for name in dict.fromkeys([*old, *new])]
    out = []
    for name in dict.fromkeys([*before, *after]):
        if name in before and name in after:
            if before[name] != after[name]:
                out.append(Change(name, _shown(before[name]), _shown(after[name])))
        else:
            out.append(Change(name, None, _shown(after[name] if name in after else before[name])))
    return out


def entry(event: AuditEvent) -> Entry:
    before = event.before if isinstance(event.before, dict) else ({"value": event.before} if event.before else None)
    after = event.after if isinstance(event.after, dict) else ({"value": event.after} if event.after else None)
    return Entry(
        at=event.at,
        actor=event.actor_label,
        action=event.action,
        kind=KINDS.get(event.object_type, event.object_type),
        ref=event.object_ref,
        changes=changes(before, after),
    )


def _ids(queryset: Any) -> Any:
    # A subquery, not a list: a customer with thousands of invoices stays one statement.
    return queryset.values("pk")


def customer_history(customer: Customer, *, limit: int = 100) -> list[Entry]:
    """The customer's changes and those of everything that is theirs, newest first."""
    invoices = Invoice.objects.filter(customer=customer).values("pk")
    objects = {
        "ledger.customer": [customer.pk],
        "ledger.contact": _ids(Contact.objects.filter(customer=customer)),
        "ledger.invoice": invoices,
        "ledger.payment": _ids(Payment.objects.filter(customer=customer)),
        "ledger.allocation": _ids(Allocation.objects.filter(invoice_id__in=invoices)),
        "ledger.bankaccount": _ids(BankAccount.objects.filter(customer=customer)),
        "promises.promise": _ids(Promise.objects.filter(customer=customer)),
        "promises.paymentplan": _ids(PaymentPlan.objects.filter(customer=customer)),
        "disputes.dispute": _ids(Dispute.objects.filter(customer=customer)),
        "activities.activity": _ids(Activity.objects.filter(customer=customer)),
        "portal.portallink": _ids(PortalLink.objects.filter(customer=customer)),
    }
    return [entry(e) for e in history_of(objects, limit=limit)]
