"""The straightforward way to decide a follow-up run, for comparison: the Django ORM, customer by
customer, the scalar rule per item (``rules.steps_to_fire``), the kernel's hours per customer.

For each customer: its open items, what each has had, its disputes, promises and plans, its
contacts and credit hold, each a query; then, per item, the latest step reached and not had.
It writes nothing (as the columnar decision it is compared with).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any


def decide_customers(customer_ids: list[int], *, at: dt.datetime, as_of: dt.date) -> dict[str, Any]:
    from recoup.disputes.models import Dispute
    from recoup.dunning.models import CreditHold, Firing, SequenceStep
    from recoup.dunning.rules import Step, steps_to_fire
    from recoup.kernel.calendar import CONSUMER_HOURS, is_callable
    from recoup.ledger.models import Contact, Customer, Invoice
    from recoup.ledger.selectors import customer_holiday_country, customer_zone
    from recoup.promises.models import PaymentPlan, Promise
    from recoup.worklist.services import strategies

    specs, by_segment, default = strategies()
    steps_by_strategy: dict[int, list[Step]] = {}
    for s in SequenceStep.objects.filter(active=True):
        steps_by_strategy.setdefault(s.strategy_id, []).append(Step(s.key, s.offset_days, s.channel, s.label, s.template_key))
    started = time.perf_counter()
    fires = 0
    skipped = 0
    for customer in Customer.objects.filter(pk__in=customer_ids).order_by("pk"):
        items = list(Invoice.objects.filter(customer=customer, open_amount__gt=0).exclude(kind="credit_note"))
        if not items:
            continue
        strategy_id = by_segment.get(customer.segment, default)
        steps = steps_by_strategy.get(strategy_id, [])
        had: dict[int, dict[str, int]] = {}
        for f in Firing.objects.filter(invoice__in=items):
            had.setdefault(f.invoice_id, {})[f.step_key] = f.offset_days
        disputed = set(
            Dispute.objects.filter(customer=customer, status__in=["open", "in_review"]).values_list("invoices", flat=True)
        )
        promised: dict[int | None, dt.date] = {}
        for p in Promise.objects.filter(customer=customer, status="open").prefetch_related("invoices"):
            for inv in p.invoices.all() or [None]:
                key = inv.pk if inv is not None else None
                promised[key] = max(promised.get(key, p.promised_date), p.promised_date)
        planned: set[int | None] = set()
        for plan in PaymentPlan.objects.filter(customer=customer, status="active").prefetch_related("invoices"):
            planned |= {inv.pk for inv in plan.invoices.all()} or {None}
        contacts = list(Contact.objects.filter(customer=customer))
        held = CreditHold.objects.filter(customer=customer, lifted_at__isnull=True).exists()
        due = []
        for item in items:
            if item.pk in disputed or item.pk in planned or None in planned:
                continue
            until = max([d for d in (promised.get(item.pk), promised.get(None)) if d is not None], default=None)
            if until is not None and until >= as_of:
                continue
            due += steps_to_fire((as_of - item.due_date).days, steps, had.get(item.pk, {}))
        if not due:
            continue
        zone = customer_zone(customer).zone
        hours = CONSUMER_HOURS if customer.is_consumer else specs[strategy_id].hours
        blocked = customer.status in ("on_hold", "with_agency") and not held
        candidates = [c for c in contacts if c.role.lower() in ("billing", "ap") or c.is_primary]
        if candidates and all(c.do_not_call for c in candidates):
            blocked = True
        if blocked or not is_callable(at, zone, hours, customer_holiday_country(customer)):
            skipped += 1
            continue
        fires += len(due)
    return {"seconds": time.perf_counter() - started, "item_steps_firing": fires, "customers_skipped": skipped}
