"""JSON API for the ledger (docs/api.md): customers, contacts, invoices, open items and payments.

Each list holds what the caller may see (``selectors.visible_customers``: a collector's portfolio
and the shared pool; everyone's for seniors and managers), a page at a time in id order.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from recoup.accounts.api_auth import responses
from recoup.database.paging import Day, Page, PageQuery, Text, narrowed, one_of, page, page_of
from recoup.ledger import clock, selectors
from recoup.ledger.models import Contact, Customer, Invoice, Payment

router = Router(tags=["ledger"])


class CustomerOut(Schema):
    id: int
    customer_ref: str
    name: str
    country: str
    region: str
    currency: str
    segment: str
    status: str
    is_consumer: bool
    payment_terms_days: int | None
    credit_limit: int | None
    collector: str | None
    parent_id: int | None
    updated_at: dt.datetime


class ContactOut(Schema):
    id: int
    customer_id: int
    name: str
    role: str
    phone: str
    email: str
    is_primary: bool
    do_not_call: bool
    preferred_channel: str
    updated_at: dt.datetime


class InvoiceOut(Schema):
    id: int
    customer_id: int
    source: str
    invoice_ref: str
    kind: str
    issue_date: dt.date
    due_date: dt.date
    currency: str
    amount: int
    open_amount: int
    po_number: str
    description: str
    updated_at: dt.datetime


class OpenItemOut(InvoiceOut):
    days_overdue: int | None = Field(description="Days past due today; null for a credit note (unused credit)")


class PaymentOut(Schema):
    id: int
    customer_id: int | None
    payment_ref: str
    received_on: dt.date
    amount: int
    currency: str
    unapplied_amount: int
    method: str
    reference: str
    updated_at: dt.datetime


def _scoped(request: HttpRequest, queryset: QuerySet[Any], paging: PageQuery, *, field: str = "customer") -> QuerySet[Any]:
    rows = queryset.filter(**{f"{field}__in": selectors.visible_customers(request.user)})
    return narrowed(rows, **{f"{field}_id": paging.customer}, updated_at__gte=paging.updated_since)


def _dates(rows: QuerySet[Any], field: str, start: dt.date | None, end: dt.date | None) -> QuerySet[Any]:
    if start and end and end < start:
        raise HttpError(422, f"{field}: the end ({end}) is before the start ({start})")
    if start:
        rows = rows.filter(**{f"{field}__gte": start})
    if end:
        rows = rows.filter(**{f"{field}__lte": end})
    return rows


def _customer_out(c: Customer) -> dict[str, Any]:
    return {
        **{f: getattr(c, f) for f in CustomerOut.model_fields if f not in ("collector",)},
        "collector": c.collector.email if c.collector else None,
    }


@router.get("/customers", response=responses(Page[CustomerOut]), summary="Customers the caller may see")
def customers(
    request: HttpRequest,
    paging: Query[PageQuery],
    status: Annotated[str, one_of(Customer.Status)] | None = None,
    segment: Text = "",
) -> Any:
    rows = selectors.visible_customers(request.user).select_related("collector")
    rows = narrowed(rows, pk=paging.customer, updated_at__gte=paging.updated_since)
    if status:
        rows = rows.filter(status=status)
    if segment:
        rows = rows.filter(segment=segment)
    found, after = page_of(rows, cursor=paging.cursor, limit=paging.limit)
    return page([_customer_out(c) for c in found], after)


@router.get("/contacts", response=responses(Page[ContactOut]), summary="Contacts of the customers the caller may see")
def contacts(request: HttpRequest, paging: Query[PageQuery]) -> Any:
    found, after = page_of(_scoped(request, Contact.objects.all(), paging), cursor=paging.cursor, limit=paging.limit)
    return page(found, after)


class InvoiceFilters(Schema):
    kind: Annotated[str, one_of(Invoice.Kind)] | None = None
    status: str = Field("all", pattern="^(open|closed|all)$", description="open: something left to pay; closed: settled")
    issued_from: Day | None = None
    issued_to: Day | None = None
    due_from: Day | None = None
    due_to: Day | None = None


@router.get("/invoices", response=responses(Page[InvoiceOut]), summary="Invoices, credit and debit notes")
def invoices(request: HttpRequest, paging: Query[PageQuery], filters: Query[InvoiceFilters]) -> Any:
    rows = _scoped(request, Invoice.objects.all(), paging)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.status != "all":
        rows = rows.filter(open_amount__gt=0) if filters.status == "open" else rows.filter(open_amount=0)
    rows = _dates(
        _dates(rows, "issue_date", filters.issued_from, filters.issued_to), "due_date", filters.due_from, filters.due_to
    )
    found, after = page_of(rows, cursor=paging.cursor, limit=paging.limit)
    return page(found, after)


@router.get("/open-items", response=responses(Page[OpenItemOut]), summary="What is still open, with days overdue")
def open_items(
    request: HttpRequest,
    paging: Query[PageQuery],
    due_from: Day | None = None,
    due_to: Day | None = None,
    overdue: bool | None = Query(None, description="true: past due only; false: not yet due only"),
) -> Any:
    as_of = clock.today()
    rows = _dates(_scoped(request, Invoice.objects.filter(open_amount__gt=0), paging), "due_date", due_from, due_to)
    debit = ~Q(kind=Invoice.Kind.CREDIT_NOTE)
    if overdue is True:
        rows = rows.filter(debit, due_date__lt=as_of)
    elif overdue is False:
        rows = rows.exclude(debit & Q(due_date__lt=as_of))
    found, after = page_of(rows, cursor=paging.cursor, limit=paging.limit)
    items = [
        {
            **{f: getattr(i, f) for f in InvoiceOut.model_fields},
            "days_overdue": None if i.is_credit else selectors.days_overdue(i.due_date, as_of),
        }
        for i in found
    ]
    return page(items, after)


@router.get("/payments", response=responses(Page[PaymentOut]), summary="Payments received")
def payments(
    request: HttpRequest, paging: Query[PageQuery], received_from: Day | None = None, received_to: Day | None = None
) -> Any:
    rows = _dates(_scoped(request, Payment.objects.all(), paging), "received_on", received_from, received_to)
    found, after = page_of(rows, cursor=paging.cursor, limit=paging.limit)
    return page(found, after)
