"""Reads for the customer's page and for the collector's panel of links.

Everything here is read for one customer, the one the link belongs to: no query takes an id
from the request without that customer in its filter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from recoup.accounts.models import Role, User
from recoup.disputes.models import Dispute
from recoup.kernel.references import creditor_reference, printed
from recoup.ledger.models import Allocation, Contact, Customer, Invoice
from recoup.ledger.remittance import payee
from recoup.ledger.selectors import customer_zone, days_overdue
from recoup.portal.models import PortalLink
from recoup.promises.models import Promise, PromiseStatus
from recoup.worklist.models import Task

OPEN_DISPUTE = (Dispute.Status.OPEN, Dispute.Status.IN_REVIEW)


def customer_language(customer: Customer) -> str | None:
    """The language the customer was imported with (column ``language``), if any."""
    value = (customer.attributes or {}).get("language")
    return str(value) if value else None


@dataclass
class Item:
    invoice: Invoice
    days_overdue: int | None
    reference: str | None
    printed_reference: str | None
    disputed: bool
    promised_for: dt.date | None
    applied: list[Allocation] = field(default_factory=list)

    @property
    def is_credit(self) -> bool:
        return self.invoice.is_credit


@dataclass
class CurrencyTotal:
    currency: str
    open: int = 0
    overdue: int = 0
    credit: int = 0


def _disputed_ids(customer: Customer) -> set[int]:
    return set(
        Invoice.objects.filter(customer=customer, disputes__status__in=OPEN_DISPUTE).values_list("pk", flat=True).distinct()
    )


def _promised(customer: Customer) -> dict[int, dt.date]:
    """Each invoice under an open promise → the earliest date promised for it."""
    out: dict[int, dt.date] = {}
    rows = Promise.objects.filter(customer=customer, status=PromiseStatus.OPEN).values_list("invoices", "promised_date")
    for invoice_id, promised in rows:
        if invoice_id is not None and (invoice_id not in out or promised < out[invoice_id]):
            out[invoice_id] = promised
    return out


def open_items(customer: Customer, *, as_of: dt.date) -> list[Item]:
    """The customer's open items, oldest due first, each with its age, RF reference, whether it
    is disputed or promised, and the payments and credits applied to it so far."""
    invoices = (
        Invoice.objects.filter(customer=customer, open_amount__gt=0)
        .order_by("due_date", "invoice_ref", "pk")
        .prefetch_related(
            Prefetch(
                "allocations", queryset=Allocation.objects.select_related("payment", "credit_note").order_by("applied_on", "pk")
            )
        )
    )
    disputed, promised = _disputed_ids(customer), _promised(customer)
    items = []
    for invoice in invoices:
        reference = None if invoice.is_credit else creditor_reference(invoice.invoice_ref)
        items.append(
            Item(
                invoice=invoice,
                days_overdue=None if invoice.is_credit else days_overdue(invoice.due_date, as_of),
                reference=reference,
                printed_reference=printed(reference) if reference else None,
                disputed=invoice.pk in disputed,
                promised_for=promised.get(invoice.pk),
                applied=list(invoice.allocations.all()),
            )
        )
    return items


def totals(items: list[Item]) -> list[CurrencyTotal]:
    """Open, overdue and unused credit per currency: amounts in different currencies are never added."""
    by_currency: dict[str, CurrencyTotal] = {}
    for item in items:
        row = by_currency.setdefault(item.invoice.currency, CurrencyTotal(item.invoice.currency))
        if item.is_credit:
            row.credit += item.invoice.open_amount
            row.open -= item.invoice.open_amount
        else:
            row.open += item.invoice.open_amount
            if item.days_overdue:
                row.overdue += item.invoice.open_amount
    return [by_currency[code] for code in sorted(by_currency)]


def contact_of(customer: Customer) -> Contact | None:
    """The accounts-payable contact the customer may correct: the primary one, else the first."""
    return customer.contacts.order_by("-is_primary", "pk").first()


def account(customer: Customer, *, as_of: dt.date, now: dt.datetime) -> dict[str, Any]:
    items = open_items(customer, as_of=as_of)
    return {
        "customer": customer,
        "as_of": as_of,
        "items": items,
        "debit_items": [i for i in items if not i.is_credit],
        "totals": totals(items),
        "payee": payee(),
        "contact": contact_of(customer),
        "zone": customer_zone(customer).zone,
    }


def responsible_user(customer: Customer) -> User | None:
    """Who gets the customer's requests as tasks: their collector, else the active senior (then
    manager) with the fewest open tasks, so requests from the shared pool are not lost."""
    if customer.collector is not None and customer.collector.is_active:
        return customer.collector
    for role in (Role.SENIOR, Role.MANAGER):
        people = (
            User.objects.filter(role=role, is_active=True)
            .annotate(load=Count("tasks", filter=Q(tasks__status=Task.Status.OPEN)))
            .order_by("load", "pk")
        )
        first = people.first()
        if first is not None:
            return first
    return None


def live_links(customer: Customer, *, now: dt.datetime) -> QuerySet[PortalLink]:
    """The customer's links that still open (the collector's panel shows them and withdraws them)."""
    return PortalLink.objects.filter(customer=customer, revoked_at__isnull=True, expires_at__gt=now).order_by("-expires_at")
