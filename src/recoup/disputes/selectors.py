"""Reads about disputes: which invoices are in dispute and the facts the worklist ranks by; who
may see a case; the case lists and the SLA watch; the approvals waiting; frames for reports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import polars as pl
from django.conf import settings
from django.db.models import Q, QuerySet, Sum

from recoup.accounts.models import User
from recoup.accounts.selectors import is_senior_or_above, role_of
from recoup.database import sql
from recoup.database.columnar import Reader
from recoup.disputes import rules
from recoup.disputes.history import case_history
from recoup.disputes.models import Dispute, ReasonSla, WriteOffRequest
from recoup.kernel.money import UnknownCurrency, currency_exponent
from recoup.ledger.models import FxRate
from recoup.ledger.selectors import NotYours, visible_customers

OPEN_STATUSES = "('open', 'in_review')"


# --- facts for the worklist ------------------------------------------------------------------


def disputed_invoices(read: Reader, *, customer_id: int | None = None) -> pl.DataFrame:
    """Invoices with an open dispute (they leave dunning and the amounts called about)."""
    return read(
        "SELECT DISTINCT di.invoice_id FROM disputes_dispute_invoices di JOIN disputes_dispute d ON d.id = di.dispute_id"
        f" WHERE d.status IN {OPEN_STATUSES}" + sql.for_customer("d.customer_id", customer_id),
        {"invoice_id": pl.Int64},
    )


def dispute_facts(read: Reader, *, customer_id: int | None = None) -> pl.DataFrame:
    """Per customer and currency: the amount in open disputes, when the last one was settled and
    the earliest SLA due date of an open one (past the business date: the SLA is breached)."""
    return read(
        "SELECT customer_id, currency,"
        f" CAST(SUM(CASE WHEN status IN {OPEN_STATUSES} THEN amount ELSE 0 END) AS BIGINT) AS open_dispute,"
        " MAX(CASE WHEN status IN ('resolved', 'rejected') THEN resolved_on END) AS last_dispute_resolved_on,"
        f" MIN(CASE WHEN status IN {OPEN_STATUSES} THEN sla_due END) AS open_dispute_sla_due"
        " FROM disputes_dispute WHERE 1 = 1" + sql.for_customer("customer_id", customer_id) + " GROUP BY customer_id, currency",
        {
            "customer_id": pl.Int64,
            "currency": pl.String,
            "open_dispute": pl.Int64,
            "last_dispute_resolved_on": pl.Date,
            "open_dispute_sla_due": pl.Date,
        },
    )


def for_customer(customer_id: int, *, limit: int = 10) -> list[Dispute]:
    """The customer's disputes, latest opened first, with their invoices and owner."""
    rows: QuerySet[Dispute] = Dispute.objects.filter(customer_id=customer_id).prefetch_related("invoices").select_related("owner")
    return list(rows[:limit])


@dataclass(frozen=True, slots=True)
class SlaWatch:
    """An open case whose SLA is near or past, and who should have it on their tasks."""

    dispute_id: int
    customer_id: int
    state: str  # "due_soon" or "breached"
    sla_due: dt.date
    user_id: int | None  # the senior it was escalated to, else the owner, else the customer's collector
    title: str


def sla_watch(*, as_of: dt.date, due_soon_days: int, customer_ids: Collection[int] | None = None) -> list[SlaWatch]:
    """Open cases due within ``due_soon_days`` of ``as_of`` or past their SLA, oldest due first."""
    horizon = as_of + dt.timedelta(days=due_soon_days)
    cases = Dispute.objects.filter(status__in=rules.OPEN, sla_due__lte=horizon).select_related("customer")
    if customer_ids is not None:
        cases = cases.filter(customer_id__in=list(customer_ids))
    out = []
    for case in cases.order_by("sla_due", "pk"):
        assert case.sla_due is not None
        state = rules.sla_state(status=case.status, sla_due=case.sla_due, as_of=as_of, due_soon_days=due_soon_days)
        who = case.escalated_to_id or case.owner_id or case.customer.collector_id
        what = f"Dispute {case.pk} ({case.get_reason_display()}, {case.customer.name})"
        if state == "breached":
            title = f"{what}: SLA passed on {case.sla_due:%d %b}" + (" — escalated to you" if case.escalated_to_id else "")
        else:
            title = f"{what}: resolve by {case.sla_due:%d %b}"
        out.append(SlaWatch(case.pk, case.customer_id, state, case.sla_due, who, title[:300]))
    return out


def closed_case_ids(dispute_ids: Collection[int]) -> set[int]:
    """Which of these cases are no longer open (their SLA tasks are done)."""
    return set(Dispute.objects.filter(pk__in=list(dispute_ids)).exclude(status__in=rules.OPEN).values_list("pk", flat=True))


def breached_unescalated(as_of: dt.date) -> QuerySet[Dispute]:
    return Dispute.objects.filter(status__in=rules.OPEN, sla_due__lt=as_of, escalated_at__isnull=True).order_by("sla_due", "pk")


# --- who may see and work a case -------------------------------------------------------------


def visible_disputes(user: Any) -> QuerySet[Dispute]:
    """Cases of customers ``user`` may see, and cases they own or were escalated to."""
    if is_senior_or_above(user):
        return Dispute.objects.all()
    if getattr(user, "pk", None) is None:
        return Dispute.objects.none()
    return Dispute.objects.filter(Q(customer__in=visible_customers(user)) | Q(owner=user) | Q(escalated_to=user))


def case_for(user: Any, pk: int) -> Dispute:
    """One case ``user`` may see: Dispute.DoesNotExist if there is none, NotYours if it is
    another collector's customer's."""
    case = Dispute.objects.select_related("customer", "owner", "escalated_to", "created_by").get(pk=pk)
    if not visible_disputes(user).filter(pk=pk).exists():
        raise NotYours(f"dispute {pk} is about a customer in another collector's portfolio")
    return case


def may_work(user: Any, case: Dispute) -> bool:
    """Assign, review, invite, resolve: the owner, the senior it was escalated to, the customer's
    collector, seniors and managers. Anyone who may see the case may comment on it."""
    pk = getattr(user, "pk", None)
    if pk is None:
        return False
    if is_senior_or_above(user):
        return True
    return pk in (case.owner_id, case.escalated_to_id, case.customer.collector_id)


# --- SLA settings, limits, money in the home currency ---------------------------------------


def sla_days(reason: str) -> int:
    row = ReasonSla.objects.filter(reason=reason).values_list("days", flat=True).first()
    return int(row) if row else rules.DEFAULT_SLA_DAYS.get(reason, rules.FALLBACK_SLA_DAYS)


def sla_table() -> list[dict[str, Any]]:
    """Every reason with its SLA days, whether a manager set it, and who last did."""
    rows = {r.reason: r for r in ReasonSla.objects.select_related("updated_by")}
    out = []
    for code, label in Dispute.Reason.choices:
        row = rows.get(code)
        default = rules.DEFAULT_SLA_DAYS.get(code, rules.FALLBACK_SLA_DAYS)
        out.append({"reason": code, "label": label, "days": row.days if row else default, "default": default, "row": row})
    return out


def due_soon_days() -> int:
    return int(settings.RECOUP_DISPUTE_DUE_SOON_DAYS)


def write_off_limit(user: Any) -> int | None:
    """What ``user`` may write off without approval, in home-currency minor units (None: no limit)."""
    limits = settings.RECOUP_WRITE_OFF_LIMITS
    role = role_of(user)
    return limits[role] if role in limits else limits["collector"]


def amount_in_home(amount: int, currency: str, on: dt.date) -> int | None:
    """``amount`` (minor units of ``currency``) in home minor units at the latest rate on or
    before ``on``, rounded half-up; None when there is no rate."""
    home = str(settings.RECOUP_HOME_CURRENCY).upper()
    if currency == home:
        return amount
    rate = FxRate.objects.filter(currency=currency, on__lte=on).order_by("-on").values_list("rate", flat=True).first()
    if rate is None:
        return None
    try:
        shift = currency_exponent(home) - currency_exponent(currency)
    except UnknownCurrency:
        return None
    value = Decimal(amount) * rate * (Decimal(10) ** shift)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def write_offs_awaiting_approval() -> QuerySet[WriteOffRequest]:
    """Write-offs beyond their proposer's limit, oldest first, for the approvals page."""
    return (
        WriteOffRequest.objects.filter(status=WriteOffRequest.Status.PENDING)
        .select_related("dispute__customer", "requested_by")
        .order_by("requested_at", "id")
    )


def settled_amounts(case: Dispute) -> dict[str, int]:
    """Credited and written off by the case so far (minor units of its currency)."""
    rows = case.settlements.values("kind").annotate(total=Sum("amount"))
    by_kind = {r["kind"]: int(r["total"] or 0) for r in rows}
    return {
        "credited": by_kind.get("credit_note", 0) + by_kind.get("corrected", 0),
        "written_off": by_kind.get("write_off", 0),
    }


# --- frames for reports -----------------------------------------------------------------------

CASE_SCHEMA: dict[str, Any] = {
    "dispute_id": pl.Int64,
    "customer_id": pl.Int64,
    "customer_ref": pl.String,
    "customer_name": pl.String,
    "reason": pl.String,
    "owner": pl.String,
    "currency": pl.String,
    "amount": pl.Int64,
    "status": pl.String,
    "resolution": pl.String,
    "opened_on": pl.Date,
    "resolved_on": pl.Date,
    "sla_due": pl.Date,
    "credited": pl.Int64,
    "written_off": pl.Int64,
}


def case_frame(*, opened_until: dt.date) -> pl.DataFrame:
    """Every case opened on or before ``opened_until``, one row each (CASE_SCHEMA), with what its
    resolution credited and wrote off. Dispute volumes are small: the ORM is enough."""
    cases = (
        Dispute.objects.filter(opened_on__lte=opened_until)
        .select_related("customer", "owner")
        .annotate(
            credited=Sum("settlements__amount", filter=Q(settlements__kind__in=["credit_note", "corrected"])),
            written_off=Sum("settlements__amount", filter=Q(settlements__kind="write_off")),
        )
        .order_by("pk")
    )
    rows = [
        {
            "dispute_id": c.pk,
            "customer_id": c.customer_id,
            "customer_ref": c.customer.customer_ref,
            "customer_name": c.customer.name,
            "reason": c.reason,
            "owner": (c.owner.get_full_name() or c.owner.email) if c.owner else "(no owner)",
            "currency": c.currency,
            "amount": c.amount,
            "status": c.status,
            "resolution": c.resolution,
            "opened_on": c.opened_on,
            "resolved_on": c.resolved_on,
            "sla_due": c.sla_due,
            "credited": int(c.credited or 0),  # type: ignore[attr-defined]
            "written_off": int(c.written_off or 0),  # type: ignore[attr-defined]
        }
        for c in cases
    ]
    return pl.DataFrame(rows, schema=CASE_SCHEMA, orient="row") if rows else pl.DataFrame(schema=CASE_SCHEMA)


def disputed_by_currency(as_of: dt.date) -> dict[str, int]:
    """The amount in cases open at the end of ``as_of``, per currency: what is not collectible."""
    rows = (
        Dispute.objects.filter(opened_on__lte=as_of)
        .filter(Q(resolved_on__isnull=True) | Q(resolved_on__gt=as_of))
        .values("currency")
        .annotate(total=Sum("amount"))
    )
    return {r["currency"]: int(r["total"] or 0) for r in rows}


# --- the case list and the case page ----------------------------------------------------------

SCOPES = {"mine": "Mine", "team": "My team's", "due_soon": "SLA due soon", "breached": "SLA breached"}
STATUS_FILTERS = {"open": "Open", "closed": "Closed", "all": "All"}


@dataclass(frozen=True, slots=True)
class CaseFilters:
    scope: str = "team"
    status: str = "open"
    reason: str = ""
    owner_id: int | None = None
    customer: str = ""
    min_age_days: int | None = None


def case_list(user: Any, filters: CaseFilters, *, as_of: dt.date) -> QuerySet[Dispute]:
    """The cases ``user`` may see that match ``filters``; SLA due first, then oldest."""
    cases = visible_disputes(user).select_related("customer", "owner", "escalated_to")
    soon = as_of + dt.timedelta(days=due_soon_days())
    if filters.scope == "mine":
        cases = cases.filter(Q(owner=user) | Q(escalated_to=user))
    elif filters.scope == "due_soon":
        cases = cases.filter(status__in=rules.OPEN, sla_due__gte=as_of, sla_due__lte=soon)
    elif filters.scope == "breached":
        cases = cases.filter(status__in=rules.OPEN, sla_due__lt=as_of)
    if filters.status == "open":
        cases = cases.filter(status__in=rules.OPEN)
    elif filters.status == "closed":
        cases = cases.exclude(status__in=rules.OPEN)
    if filters.reason:
        cases = cases.filter(reason=filters.reason)
    if filters.owner_id is not None:
        cases = cases.filter(owner_id=filters.owner_id)
    if filters.customer.strip():
        term = filters.customer.strip()
        cases = cases.filter(Q(customer__name__icontains=term) | Q(customer__customer_ref__icontains=term))
    if filters.min_age_days is not None:
        cases = cases.filter(opened_on__lte=as_of - dt.timedelta(days=filters.min_age_days))
    return cases.order_by("sla_due", "opened_on", "pk")


def annotate_for_list(cases: list[Dispute], *, as_of: dt.date) -> list[Dispute]:
    """Age, SLA state and next action on each case of a shown page."""
    soon = due_soon_days()
    for case in cases:
        case.age_days = (as_of - case.opened_on).days  # type: ignore[attr-defined]
        case.sla_state = rules.sla_state(  # type: ignore[attr-defined]
            status=case.status, sla_due=case.sla_due, as_of=as_of, due_soon_days=soon
        )
    return cases


def owners() -> QuerySet[User]:
    """Who may own a case: every active member of the AR team."""
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "email")


@dataclass(frozen=True)
class CaseItem:
    invoice: Any
    credited: int
    written_off: int
    replacement: Any


def case_items(case: Dispute) -> list[CaseItem]:
    settlements = list(case.settlements.select_related("replacement"))
    out = []
    for invoice in case.invoices.order_by("due_date", "invoice_ref"):
        mine = [s for s in settlements if s.invoice_id == invoice.pk]
        out.append(
            CaseItem(
                invoice=invoice,
                credited=sum(s.amount for s in mine if s.kind in ("credit_note", "corrected")),
                written_off=sum(s.amount for s in mine if s.kind == "write_off"),
                replacement=next((s.replacement for s in mine if s.replacement_id), None),
            )
        )
    return out


def case_page(case: Dispute, *, user: Any, as_of: dt.date) -> dict[str, Any]:
    """Everything the case page shows."""
    items = case_items(case)
    settled = settled_amounts(case)
    sla = rules.sla_state(status=case.status, sla_due=case.sla_due, as_of=as_of, due_soon_days=due_soon_days())
    pending = case.write_off_requests.filter(status=WriteOffRequest.Status.PENDING).first()
    links = list(case.links.select_related("created_by"))
    situation = rules.CaseSituation(
        status=case.status,
        has_owner=case.owner_id is not None,
        sla=sla,
        pending_write_off=pending is not None,
        escalated=case.escalated_at is not None,
        stakeholders_invited=bool(links),
    )
    return {
        "case": case,
        "items": items,
        "totals": {
            "disputed": case.amount,
            **settled,
            "open": sum(i.invoice.open_amount for i in items),
        },
        "sla": sla,
        "age_days": (as_of - case.opened_on).days,
        "next_action": rules.next_action(situation),
        "pending": pending,
        "links": links,
        "comments": list(case.comments.select_related("author", "link")),
        "attachments": list(case.attachments.all()),
        "history": case_history(case),
        "may_work": may_work(user, case),
        "limit": write_off_limit(user),
    }
