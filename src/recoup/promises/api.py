"""JSON API for promises to pay and payment plans (docs/api.md). Promises are made by logging an
outcome (recoup.calls.api), as on the call-prep sheet."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from recoup.accounts.api_auth import responses
from recoup.database.paging import Day, Page, PageQuery, narrowed, one_of, page, page_of
from recoup.ledger.selectors import visible_customers
from recoup.promises.models import PaymentPlan, Promise, PromiseStatus

router = Router(tags=["promises"])


class PromiseOut(Schema):
    id: int
    customer_id: int
    amount: int
    currency: str
    promised_date: dt.date
    tolerance_days: int
    status: str
    level: int
    kept_amount: int
    resolved_on: dt.date | None
    created_at: dt.datetime
    invoice_ids: list[int]


class InstalmentOut(Schema):
    due_date: dt.date
    amount: int
    status: str
    kept_amount: int


class PlanOut(Schema):
    id: int
    customer_id: int
    currency: str
    status: str
    created_at: dt.datetime
    invoice_ids: list[int]
    instalments: list[InstalmentOut]


def promise_out(p: Promise) -> dict[str, Any]:
    fields = {f: getattr(p, f) for f in PromiseOut.model_fields if f != "invoice_ids"}
    return {**fields, "invoice_ids": sorted(i.pk for i in p.invoices.all())}


@router.get("/promises", response=responses(Page[PromiseOut]), summary="Promises to pay")
def promises(
    request: HttpRequest,
    paging: Query[PageQuery],
    status: Annotated[str, one_of(PromiseStatus)] | None = None,
    promised_from: Day | None = None,
    promised_to: Day | None = None,
) -> Any:
    rows = Promise.objects.filter(customer__in=visible_customers(request.user)).prefetch_related("invoices")
    rows = narrowed(
        rows,
        customer_id=paging.customer,
        created_at__gte=paging.updated_since,
        status=status,
        promised_date__gte=promised_from,
        promised_date__lte=promised_to,
    )
    found, after = page_of(rows, cursor=paging.cursor, limit=paging.limit)
    return page([promise_out(p) for p in found], after)


@router.get("/plans", response=responses(Page[PlanOut]), summary="Payment plans and their instalments")
def plans(
    request: HttpRequest, paging: Query[PageQuery], status: Annotated[str, one_of(PaymentPlan.Status)] | None = None
) -> Any:
    rows = PaymentPlan.objects.filter(customer__in=visible_customers(request.user)).prefetch_related("invoices", "instalments")
    rows = narrowed(rows, customer_id=paging.customer, created_at__gte=paging.updated_since, status=status)
    found, after = page_of(rows, cursor=paging.cursor, limit=paging.limit)
    items = [
        {
            **{f: getattr(p, f) for f in ("id", "customer_id", "currency", "status", "created_at")},
            "invoice_ids": sorted(i.pk for i in p.invoices.all()),
            "instalments": [
                {"due_date": i.due_date, "amount": i.amount, "status": i.status, "kept_amount": i.kept_amount}
                for i in p.instalments.all()
            ],
        }
        for p in found
    ]
    return page(items, after)
