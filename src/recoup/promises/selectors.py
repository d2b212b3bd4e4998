"""Reads about promises, plans and offers: what was paid towards a promise, what a role may offer,
and the facts the worklist ranks by."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import polars as pl
from django.conf import settings
from django.db.models import QuerySet, Sum

from recoup.accounts.models import Role
from recoup.accounts.selectors import role_of
from recoup.database import sql
from recoup.database.columnar import Reader
from recoup.ledger.models import Allocation
from recoup.promises.models import DiscountOffer, DiscountOfferItem, PaymentPlan, Promise
from recoup.promises.rules import OfferLimits


def paid_towards(promise: Promise) -> int:
    """Allocated to the promised invoices since the promise was made."""
    total = Allocation.objects.filter(invoice__in=promise.invoices.all(), applied_on__gte=promise.created_at.date()).aggregate(
        total=Sum("amount")
    )["total"]
    return int(total or 0)


def offer_limits(user: Any) -> OfferLimits:
    """What ``user`` may offer without a senior's approval (RECOUP_OFFER_LIMITS by role)."""
    limits = settings.RECOUP_OFFER_LIMITS.get(role_of(user)) or settings.RECOUP_OFFER_LIMITS[Role.COLLECTOR]
    return OfferLimits(int(limits["max_discount_percent"]), int(limits["max_instalments"]))


def plans_awaiting_approval() -> QuerySet[PaymentPlan]:
    """Plans beyond their proposer's limit, oldest first, for the approvals page."""
    return (
        PaymentPlan.objects.filter(status=PaymentPlan.Status.PROPOSED)
        .select_related("customer", "created_by")
        .prefetch_related("instalments")
        .order_by("created_at", "id")
    )


def promise_facts(read: Reader, *, customer_id: int | None = None) -> pl.DataFrame:
    """Per customer: the earliest open promise's date, the last broken one's and how many broke."""
    return read(
        "SELECT customer_id,"
        " MIN(CASE WHEN status = 'open' THEN promised_date END) AS open_promise_date,"
        " MAX(CASE WHEN status = 'broken' THEN resolved_on END) AS last_broken_on,"
        " SUM(CASE WHEN status = 'broken' THEN 1 ELSE 0 END) AS broken_promises"
        " FROM promises_promise WHERE 1 = 1" + sql.for_customer("customer_id", customer_id) + " GROUP BY customer_id",
        {"customer_id": pl.Int64, "open_promise_date": pl.Date, "last_broken_on": pl.Date, "broken_promises": pl.Int64},
    )


def plan_facts(read: Reader, *, customer_id: int | None = None) -> pl.DataFrame:
    """Per customer with an active plan: when its next open instalment is due."""
    return read(
        "SELECT p.customer_id, MIN(n.due_date) AS next_instalment_due FROM promises_instalment n"
        " JOIN promises_paymentplan p ON p.id = n.plan_id WHERE p.status = 'active' AND n.status = 'open'"
        + sql.for_customer("p.customer_id", customer_id)
        + " GROUP BY p.customer_id",
        {"customer_id": pl.Int64, "next_instalment_due": pl.Date},
    )


def promises_of(customer_id: int, *, limit: int = 10) -> list[Promise]:
    """The customer's promises, newest first, with their invoices."""
    return list(
        Promise.objects.filter(customer_id=customer_id).prefetch_related("invoices").order_by("-created_at", "-id")[:limit]
    )


def plans_of(customer_id: int, *, limit: int = 5) -> list[PaymentPlan]:
    """The customer's payment plans that are not cancelled, with their instalments."""
    return list(
        PaymentPlan.objects.filter(customer_id=customer_id)
        .exclude(status=PaymentPlan.Status.CANCELLED)
        .prefetch_related("instalments")[:limit]
    )


def open_discount_offer(customer_id: int, invoice_ids: Iterable[int], as_of: dt.date) -> DiscountOffer | None:
    """The offer the customer may still take on ``as_of`` that covers any of these invoices
    (newest first), with its items, or None: what a follow-up message mentions."""
    return (
        DiscountOffer.objects.filter(
            customer_id=customer_id,
            status=DiscountOffer.Status.OFFERED,
            offered_on__lte=as_of,
            valid_until__gte=as_of,
            items__invoice_id__in=list(invoice_ids),
        )
        .distinct()
        .prefetch_related("items__invoice")
        .order_by("-created_at", "-id")
        .first()
    )


def discounts_awaiting_approval() -> QuerySet[DiscountOffer]:
    """Discounts beyond their proposer's limit, oldest first, for a senior."""
    return (
        DiscountOffer.objects.filter(status=DiscountOffer.Status.PENDING_APPROVAL)
        .select_related("customer", "offered_by")
        .prefetch_related("items__invoice")
        .order_by("created_at", "id")
    )


def discount_offers_of(customer_id: int, *, limit: int = 10) -> list[DiscountOffer]:
    """The customer's discount offers, newest first, with their items."""
    return list(
        DiscountOffer.objects.filter(customer_id=customer_id)
        .prefetch_related("items__invoice")
        .order_by("-created_at", "-id")[:limit]
    )


def invoices_in_open_offers(customer_id: int) -> set[int]:
    """The customer's invoices in an offer still open or awaiting approval (one offer per invoice)."""
    return set(
        DiscountOfferItem.objects.filter(
            offer__customer_id=customer_id,
            offer__status__in=[DiscountOffer.Status.OFFERED, DiscountOffer.Status.PENDING_APPROVAL],
        ).values_list("invoice_id", flat=True)
    )
