"""Reads for the collector's workspace: the call-prep sheet, my follow-ups, the next call."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Max, Q, QuerySet

from recoup.activities import selectors as activity_selectors
from recoup.activities.models import Activity
from recoup.cashapp import selectors as cashapp_selectors
from recoup.disputes import selectors as dispute_selectors
from recoup.kernel.calendar import local_time
from recoup.kernel.money import Money, format_money
from recoup.ledger import selectors as ledger
from recoup.ledger.models import Customer, Invoice
from recoup.prediction import selectors as prediction_selectors
from recoup.promises import selectors as promise_selectors
from recoup.promises.models import PromiseStatus
from recoup.promises.selectors import offer_limits
from recoup.worklist import selectors as worklist_selectors
from recoup.worklist.models import Task, WorklistEntry
from recoup.worklist.rules import OBJECTIVES


def dial_uri(e164: str) -> str:
    """The click-to-call link: tel: by default, or the configured softphone/PBX template."""
    digits = e164.lstrip("+")
    return settings.RECOUP_DIAL_URI.format(e164=e164, digits=digits)


@dataclass(frozen=True)
class ContactView:
    contact: Any
    dial: str | None
    local: dt.datetime


def _month_starts(as_of: dt.date, months: int = 12) -> list[dt.date]:
    first = as_of.replace(day=1)
    out = []
    for back in range(months - 1, -1, -1):
        year, month = divmod(first.year * 12 + first.month - 1 - back, 12)
        out.append(dt.date(year, month + 1, 1))
    return out


def payment_history(customer: Customer, as_of: dt.date) -> dict[str, Any]:
    """Invoices settled per month over the last year: how many, how late on average (the chart's figures)."""
    since = _month_starts(as_of)[0]
    settled = (
        Invoice.objects.filter(customer=customer, open_amount=0)
        .exclude(kind=Invoice.Kind.CREDIT_NOTE)
        .annotate(settled_on=Max("allocations__applied_on"))
        .filter(settled_on__gte=since, settled_on__lte=as_of)
        .values_list("due_date", "settled_on", "amount")
    )
    months = _month_starts(as_of)
    rows = {m: {"count": 0, "late_days": 0, "amount": 0, "late": 0} for m in months}
    for due, settled_on, amount in settled:
        key = settled_on.replace(day=1)
        if key not in rows:
            continue
        late = max(0, (settled_on - due).days)
        rows[key]["count"] += 1
        rows[key]["late_days"] += late
        rows[key]["amount"] += amount
        rows[key]["late"] += 1 if late > 0 else 0
    table: list[dict[str, Any]] = [
        {
            "month": m,
            "count": r["count"],
            "amount": r["amount"],
            "avg_late": round(r["late_days"] / r["count"], 1) if r["count"] else None,
            "late": r["late"],
        }
        for m, r in rows.items()
    ]
    # Drawn by the page ({% line_chart %}): the figures only here.
    series = {"Days late": [r["late_days"] / r["count"] if r["count"] else None for r in rows.values()]}
    total = sum(r["count"] for r in rows.values())
    late = sum(r["late"] for r in rows.values())
    return {
        "table": table,
        "months": months,
        "series": series,
        "settled": total,
        "late_share": round(100 * late / total) if total else None,
    }


def prep_sheet(customer: Customer, *, user: Any, now: dt.datetime, as_of: dt.date) -> dict[str, Any]:
    """Everything a collector needs open before dialling."""
    zone = ledger.customer_zone(customer)
    items = ledger.open_items(customer, as_of)
    predictions = prediction_selectors.predictions_by_invoice([i.pk for i in items])
    disputes = dispute_selectors.for_customer(customer.pk)
    disputed_ids = {i.pk for d in disputes if d.is_open for i in d.invoices.all()}
    for item in items:
        item.prediction = predictions.get(item.pk)  # type: ignore[attr-defined]
        item.disputed = item.pk in disputed_ids  # type: ignore[attr-defined]
    entry = worklist_selectors.entry_of(customer.pk)
    contacts = []
    for contact in customer.contacts.all():
        dial = dial_uri(contact.phone) if contact.phone and not contact.do_not_call else None
        contacts.append(ContactView(contact, dial, local_time(now, zone.zone)))
    limits = offer_limits(user)
    promises = promise_selectors.promises_of(customer.pk)
    plans = promise_selectors.plans_of(customer.pk)
    return {
        "customer": customer,
        "zone": zone,
        "local_now": local_time(now, zone.zone),
        "entry": entry,
        "objective_label": OBJECTIVES.get(entry.objective, "") if entry else "",
        "items": items,
        "totals": ledger.open_item_totals(items),
        # Open on items of open disputes: not collectible until the case is closed.
        "disputed_total": sum(i.open_amount for i in items if getattr(i, "disputed", False) and not i.is_credit),
        "history": payment_history(customer, as_of),
        "activities": activity_selectors.recent(customer.pk),
        "promises": promises,
        "open_promises": [p for p in promises if p.status == PromiseStatus.OPEN],
        "plans": plans,
        "disputes": disputes,
        "contacts": contacts,
        "limits": limits,
        "tasks": worklist_selectors.open_tasks(customer.pk),
        # Money in the cash-application queue that looks like this customer's: do not chase it.
        "paid_not_applied": cashapp_selectors.paid_not_applied(customer, as_of=as_of),
    }


def script_variables(context: dict[str, Any], *, user: Any) -> dict[str, Any]:
    """The variables a call script may use (docs/playbook.md), all plain strings or lists."""
    customer: Customer = context["customer"]
    entry: WorklistEntry | None = context["entry"]
    items = [i for i in context["items"] if not i.is_credit]
    overdue = [i for i in items if (i.days_overdue or 0) > 0 and not i.disputed]
    currency = customer.currency

    def money(minor: int, code: str = currency) -> str:
        return format_money(Money(minor, code), locale=settings.RECOUP_LOCALE)

    contact = next((c.contact for c in context["contacts"] if c.contact.is_primary), None) or (
        context["contacts"][0].contact if context["contacts"] else None
    )
    promise = context["open_promises"][0] if context["open_promises"] else None
    instalment = None
    for plan in context["plans"]:
        for i in plan.instalments.all():
            if i.status == PromiseStatus.OPEN and (instalment is None or i.due_date < instalment.due_date):
                instalment = i
    open_dispute = next((d for d in context["disputes"] if d.is_open), None)
    return {
        "customer_name": customer.name,
        "customer_ref": customer.customer_ref,
        "contact_name": contact.name if contact else "",
        "collector_name": user.get_full_name() or user.email,
        "company_name": settings.RECOUP_COMPANY_NAME,
        "open_amount": money(context["totals"].open_balance),
        "overdue_amount": money(sum(i.open_amount for i in overdue)),
        "days_overdue": str(max((i.days_overdue or 0 for i in overdue), default=0)),
        "invoice_refs": [i.invoice_ref for i in (overdue or items)][:10],
        "oldest_due_date": f"{min(i.due_date for i in overdue):%d %B %Y}" if overdue else "",
        "promised_date": f"{promise.promised_date:%d %B %Y}" if promise else "",
        "promised_amount": money(promise.amount, promise.currency) if promise else "",
        "instalment_due_date": f"{instalment.due_date:%d %B %Y}" if instalment else "",
        "instalment_amount": money(instalment.amount, instalment.plan.currency) if instalment else "",
        "dispute_reason": open_dispute.get_reason_display() if open_dispute else "",
        "max_discount_percent": str(context["limits"].max_discount_percent),
        "max_instalments": str(context["limits"].max_instalments),
        "objective": entry.objective if entry else "secure_date",
    }


def my_tasks(user: Any, *, now: dt.datetime) -> dict[str, list[Task]]:
    """Open follow-ups: overdue, due today (in the user's zone), later."""
    zone = zoneinfo.ZoneInfo(getattr(user, "timezone", "UTC") or "UTC")
    end_of_today = dt.datetime.combine(now.astimezone(zone).date() + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    open_tasks = Task.objects.filter(user=user, status=Task.Status.OPEN).select_related("customer").order_by("due_at")
    overdue, today, later = [], [], []
    for task in open_tasks[:500]:
        if task.due_at < now:
            overdue.append(task)
        elif task.due_at < end_of_today:
            today.append(task)
        else:
            later.append(task)
    return {"overdue": overdue, "today": today, "later": later[:50]}


def next_customer(user: Any, *, now: dt.datetime, skipped: Collection[int] = ()) -> Customer | None:
    """Power-dial: the best-ranked customer on the user's list who is callable now and not yet
    passed in this round (``skipped``: opened and skipped or called); None when none is left."""
    entries: QuerySet[WorklistEntry] = worklist_selectors.visible_entries(user, callable_at=now)
    if skipped:
        entries = entries.exclude(customer_id__in=list(skipped))
    # A customer whose entry was just refreshed off the list (called) is already excluded.
    entry = entries.select_related("customer").first()
    return entry.customer if entry else None


def flagged_activities(limit: int = 200) -> QuerySet[Activity]:
    """Notes saved despite the tone check, newest first (managers review them)."""
    return Activity.objects.exclude(Q(tone_flags=[]) | Q(tone_flags__isnull=True)).select_related("customer", "user")[:limit]
