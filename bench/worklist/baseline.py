"""The straightforward way to build a worklist, for comparison: the Django ORM, customer by customer.

For each customer: its open debit items with their predictions, its contacts, its last
activities, promises, disputes, plan instalments and late-paid history, each a query; the
points of the default (amount-driven) strategy's rules and its exclusions computed in Python.
No windows, no capacity filling, no words: it does less than the real build, so the
comparison flatters it.
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from typing import Any


def score_customers(customer_ids: list[int], *, at: dt.datetime, as_of: dt.date) -> dict[str, Any]:
    from django.db.models import Exists, Max, Min, OuterRef, Q

    from recoup.activities.models import REACHED, Activity
    from recoup.disputes.models import Dispute
    from recoup.ledger.models import Allocation, Contact, Customer, FxRate, Invoice
    from recoup.promises.models import Instalment, Promise
    from recoup.worklist.models import Strategy
    from recoup.worklist.rules import parse_strategy

    spec = parse_strategy(Strategy.objects.get(is_default=True).definition)
    rates = {r.currency: r.rate for r in FxRate.objects.order_by("on")}
    exps = {"JPY": 0}

    def home(amount: int, currency: str) -> int:
        rate = Decimal(1) if currency == "USD" else rates.get(currency, Decimal(1))
        return int((Decimal(amount) * rate * Decimal(10) ** (2 - exps.get(currency, 2))).quantize(Decimal(1)))

    started = time.perf_counter()
    scored = []
    for customer in Customer.objects.filter(pk__in=customer_ids).order_by("pk"):
        items = list(
            Invoice.objects.filter(customer=customer, open_amount__gt=0)
            .exclude(kind="credit_note")
            .select_related("prediction")
            .prefetch_related("disputes")
        )
        if not items:
            continue
        contacts = list(Contact.objects.filter(customer=customer).exclude(phone=""))
        acts = Activity.objects.filter(customer=customer, at__lte=at).aggregate(
            last_reached=Max("at", filter=Q(outcome__in=list(REACHED))),
            last_attempt=Max("at", filter=Q(channel="call")),
        )
        prom = Promise.objects.filter(customer=customer).aggregate(
            open_date=Min("promised_date", filter=Q(status="open")),
            broken_on=Max("resolved_on", filter=Q(status="broken")),
        )
        disputes = list(Dispute.objects.filter(customer=customer))
        next_instalment = Instalment.objects.filter(plan__customer=customer, plan__status="active", status="open").aggregate(
            d=Min("due_date")
        )["d"]
        late = (
            Invoice.objects.filter(
                customer=customer,
                open_amount=0,
                due_date__gte=as_of - dt.timedelta(days=365),
                due_date__lt=as_of,
            )
            .exclude(kind="credit_note")
            .filter(Exists(Allocation.objects.filter(invoice=OuterRef("pk"), applied_on__gt=OuterRef("due_date"))))
            .count()
        )
        points, overdue, risk_cash, oldest = 0, 0, 0.0, 0
        open_total = 0
        max_p = 0.0
        all_disputed = True
        for item in items:
            amount = home(item.open_amount, item.currency)
            open_total += amount
            disputed = any(d.status in ("open", "in_review") for d in item.disputes.all())
            all_disputed = all_disputed and disputed
            prediction = getattr(item, "prediction", None)
            p = prediction.p_30 if prediction is not None else 1.0
            if not disputed:
                max_p = max(max_p, p)
                if item.due_date < as_of:
                    overdue += amount
                    risk_cash += amount * p
                    oldest = max(oldest, (as_of - item.due_date).days)
        for rule in spec.rules:
            fired = False
            if rule.kind == "overdue_amount":
                cutoff = as_of - dt.timedelta(days=int(rule.param("min_days")))
                old = sum(
                    home(i.open_amount, i.currency)
                    for i in items
                    if i.due_date <= cutoff and not any(d.status in ("open", "in_review") for d in i.disputes.all())
                )
                fired = old > int(rule.param("min_amount"))
            elif rule.kind == "oldest_overdue":
                fired = oldest >= int(rule.param("min_days"))
            elif rule.kind == "risk":
                fired = max_p > float(rule.param("min_probability"))
            elif rule.kind == "credit_limit":
                fired = customer.credit_limit is not None and open_total > home(customer.credit_limit, customer.currency)
            elif rule.kind == "promise_broken":
                fired = prom["broken_on"] is not None and prom["broken_on"] >= as_of - dt.timedelta(
                    days=int(rule.param("within_days"))
                )
            elif rule.kind == "promise_due_today":
                fired = prom["open_date"] == as_of
            elif rule.kind == "no_contact":
                last = acts["last_reached"]
                fired = overdue > 0 and (last is None or last.date() <= as_of - dt.timedelta(days=int(rule.param("days"))))
            elif rule.kind == "dispute_resolved":
                since = as_of - dt.timedelta(days=int(rule.param("within_days")))
                fired = any(d.resolved_on and d.resolved_on >= since for d in disputes)
            elif rule.kind == "instalment_due":
                fired = next_instalment is not None and next_instalment <= as_of + dt.timedelta(
                    days=int(rule.param("within_days"))
                )
            elif rule.kind == "preventive":
                horizon = as_of + dt.timedelta(days=int(rule.param("within_days")))
                fired = any(as_of <= i.due_date <= horizon for i in items) and late >= int(rule.param("min_late"))
            points += rule.points if fired else 0
        excluded = (
            customer.status in ("on_hold", "with_agency")
            or all_disputed
            or (prom["open_date"] is not None and prom["open_date"] > as_of)
            or (acts["last_reached"] is not None and acts["last_reached"].date() > as_of - dt.timedelta(days=3))
            or (bool(contacts) and all(c.do_not_call for c in contacts))
        )
        scored.append((customer.pk, points, round(risk_cash), excluded))
    scored.sort(key=lambda r: (-r[1], -r[2], r[0]))
    return {"customers_scored": len(scored), "seconds": time.perf_counter() - started}
