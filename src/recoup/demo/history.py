"""The demo company's collections history: calls, promises, disputes and plans.

The ledger alone would give every customer "never reached"; a team that has been working
the book has a past. Deterministic for (seed, as_of); written once (skipped when any activity
exists), so loading the demo twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import transaction
from django.db.models import Min, Sum

from recoup.accounts.models import User
from recoup.accounts.selectors import CALLER_ROLES
from recoup.activities.models import Activity, Channel, Outcome
from recoup.disputes.models import Dispute
from recoup.ledger.models import Customer, Invoice
from recoup.promises.models import Instalment, PaymentPlan, Promise, PromiseStatus

# At most this many customers get a history: enough for every situation to show at any size.
MAX_CUSTOMERS = 3_000


def _at(day: dt.date, hour: int, rng: random.Random) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, rng.randrange(60)), tzinfo=dt.UTC)


def seed_fx_rates(*, as_of: dt.date, home: str) -> int:
    """Month-start rates to the home currency for every demo currency, from 27 months back.

    Around the generator's per-dollar figures with a gentle deterministic drift; a real
    company loads published rates with `recoup fx_import` instead.
    """
    from decimal import Decimal

    from recoup.demo.generator import FX_PER_USD
    from recoup.ledger.models import FxRate

    if FxRate.objects.exists() or home not in FX_PER_USD:
        return 0
    first = dt.date(as_of.year - 2, as_of.month, 1) - dt.timedelta(days=92)
    months = []
    day = first.replace(day=1)
    while day <= as_of:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    rows = []
    for code, per_usd in FX_PER_USD.items():
        if code == home:
            continue
        for k, month in enumerate(months):
            drift = 1 + 0.03 * ((k * 7 + len(code)) % 11 - 5) / 5  # within ±3 %
            rate = Decimal(str(FX_PER_USD[home] / per_usd * drift)).quantize(Decimal("0.000001"))
            rows.append(FxRate(currency=code, on=month, rate=rate))
    FxRate.objects.bulk_create(rows)
    return len(rows)


def _add_promise(
    promises: list[tuple[Promise, list[int]]],
    activities: list[Activity],
    rng: random.Random,
    customer: Customer,
    user: Any,
    invoices: list[Invoice],
    made: dt.date,
    promised_date: dt.date,
    note: str = "",
    **judged: Any,
) -> None:
    """A promise over ``invoices`` made on ``made`` (and the call it was made in, with ``note``)."""
    created = _at(made, 14, rng)
    amount = sum(i.open_amount for i in invoices)
    row = Promise(
        customer=customer,
        amount=amount,
        currency=invoices[0].currency,
        promised_date=promised_date,
        created_by=user,
        created_at=created,
        **judged,
    )
    promises.append((row, [i.pk for i in invoices]))
    if note:
        activities.append(Activity(customer=customer, user=user, at=created, outcome=Outcome.PROMISE_TO_PAY, notes=note))


def seed_history(*, as_of: dt.date, seed: int) -> dict[str, int]:
    if Activity.objects.exists():
        return {"activities": 0, "promises": 0, "disputes": 0, "plans": 0}
    rng = random.Random(seed * 7919 + as_of.toordinal())
    # Everyone who takes calls, inactive ones too: the history is of the past.
    callers = list(User.objects.filter(role__in=CALLER_ROLES).order_by("pk"))
    owed = (
        Invoice.objects.filter(open_amount__gt=0, kind=Invoice.Kind.INVOICE, due_date__lt=as_of)
        .values("customer_id")
        .annotate(overdue=Sum("open_amount"), oldest=Min("due_date"))
        .order_by("customer_id")
    )
    rows = list(owed[: MAX_CUSTOMERS * 2])
    rng.shuffle(rows)
    rows = rows[:MAX_CUSTOMERS]
    customers = Customer.objects.in_bulk([r["customer_id"] for r in rows])
    activities: list[Activity] = []
    promises: list[tuple[Promise, list[int]]] = []
    disputes: list[tuple[Dispute, list[int]]] = []
    plans: list[tuple[PaymentPlan, list[Instalment]]] = []
    for row in rows:
        customer = customers[row["customer_id"]]
        user = customer.collector or (rng.choice(callers) if callers else None)
        situation = rng.random()
        # A few earlier attempts for everyone in the sample.
        for back in sorted(rng.sample(range(3, 40), k=rng.randint(1, 3)), reverse=True):
            outcome = rng.choice([Outcome.NO_ANSWER, Outcome.VOICEMAIL, Outcome.CONVERSATION, Outcome.NO_ANSWER])
            activities.append(
                Activity(
                    customer=customer,
                    user=user,
                    channel=Channel.CALL,
                    at=_at(as_of - dt.timedelta(days=back), 15, rng),
                    outcome=outcome,
                    notes="Left a message with reception." if outcome == Outcome.VOICEMAIL else "",
                )
            )
        invoices = list(
            Invoice.objects.filter(customer=customer, open_amount__gt=0, kind=Invoice.Kind.INVOICE).order_by("due_date")[:3]
        )
        if not invoices:
            continue
        currency = invoices[0].currency
        same = [i for i in invoices if i.currency == currency]
        amount = sum(i.open_amount for i in same)

        if situation < 0.15:  # an open promise for next week: off the list until then
            _add_promise(
                promises,
                activities,
                rng,
                customer,
                user,
                same,
                as_of - dt.timedelta(days=2),
                as_of + dt.timedelta(days=5),
                "Promised to pay the oldest invoices next week.",
            )
        elif situation < 0.27:  # a promise broken in the last few days
            made = as_of - dt.timedelta(days=12)
            broken_on = as_of - dt.timedelta(days=rng.randint(1, 4))
            _add_promise(
                promises,
                activities,
                rng,
                customer,
                user,
                same,
                made,
                made + dt.timedelta(days=5),
                "Promised payment by the end of the week.",
                status=PromiseStatus.BROKEN,
                resolved_on=broken_on,
            )
        elif situation < 0.35:  # a promise due today
            _add_promise(promises, activities, rng, customer, user, same, as_of - dt.timedelta(days=6), as_of)
        elif situation < 0.45:  # an open dispute on one invoice
            disputes.append(
                (
                    Dispute(
                        customer=customer,
                        reason=rng.choice(["pricing", "quantity", "not_received"]),
                        amount=same[0].open_amount,
                        currency=currency,
                        owner=user,
                        opened_on=as_of - dt.timedelta(days=8),
                        sla_due=as_of + dt.timedelta(days=2),
                        created_by=user,
                    ),
                    [same[0].pk],
                )
            )
        elif situation < 0.52:  # a dispute resolved this week: time to collect
            disputes.append(
                (
                    Dispute(
                        customer=customer,
                        reason="pricing",
                        amount=same[0].open_amount,
                        currency=currency,
                        owner=user,
                        status=Dispute.Status.REJECTED,
                        resolution=Dispute.Resolution.REJECTED,
                        opened_on=as_of - dt.timedelta(days=30),
                        resolved_on=as_of - dt.timedelta(days=3),
                        created_by=user,
                    ),
                    [same[0].pk],
                )
            )
        elif situation < 0.58:  # a payment plan with an instalment due tomorrow
            plan = PaymentPlan(
                customer=customer, currency=currency, created_by=user, created_at=_at(as_of - dt.timedelta(days=20), 10, rng)
            )
            third = max(1, amount // 3)
            plans.append((plan, [Instalment(due_date=as_of + dt.timedelta(days=1 + 30 * k), amount=third) for k in range(3)]))
    with transaction.atomic():
        Activity.objects.bulk_create(activities, batch_size=2_000)
        for promise, invoice_ids in promises:
            promise.save()
            promise.invoices.set(invoice_ids)
        for dispute, invoice_ids in disputes:
            dispute.save()
            dispute.invoices.set(invoice_ids)
        for plan, instalments in plans:
            plan.save()
            for instalment in instalments:
                instalment.plan = plan
            Instalment.objects.bulk_create(instalments)
    return {"activities": len(activities), "promises": len(promises), "disputes": len(disputes), "plans": len(plans)}


__all__: list[Any] = ["seed_history"]
