"""Opening and resolving disputes. Disputed items leave the worklist until resolved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from recoup.activities.models import Activity
from recoup.audit.services import record_event
from recoup.disputes.models import Dispute
from recoup.ledger.events import customers_changed
from recoup.ledger.models import Customer, Invoice

DEFAULT_SLA_DAYS = 10


class DisputeError(ValueError):
    pass


def open_dispute(
    *,
    actor: Any,
    customer: Customer,
    invoices: Sequence[Invoice],
    reason: str,
    now: dt.datetime,
    owner: Any = None,
    amount: int | None = None,
    notes: str = "",
    opened_in: Activity | None = None,
) -> Dispute:
    if not invoices:
        raise DisputeError("a dispute names at least one invoice")
    if reason not in Dispute.Reason.values:
        raise DisputeError(f"unknown reason {reason!r}; one of {', '.join(Dispute.Reason.values)}")
    foreign = [i.invoice_ref for i in invoices if i.customer_id != customer.pk]
    if foreign:
        raise DisputeError(f"invoices of another customer: {', '.join(foreign)}")
    currencies = {i.currency for i in invoices}
    if len(currencies) > 1:
        raise DisputeError(f"one dispute covers one currency, got {', '.join(sorted(currencies))}")
    open_total = sum(i.open_amount for i in invoices)
    amount = open_total if amount is None else amount
    if not 0 <= amount <= open_total:
        raise DisputeError(f"the disputed amount must be between 0 and the open amount {open_total}")
    with transaction.atomic():
        dispute = Dispute.objects.create(
            customer=customer,
            reason=reason,
            amount=amount,
            currency=currencies.pop(),
            owner=owner if getattr(owner, "pk", None) else (actor if getattr(actor, "pk", None) else None),
            sla_due=now.date() + dt.timedelta(days=DEFAULT_SLA_DAYS),
            opened_on=now.date(),
            opened_in=opened_in,
            created_by=actor if getattr(actor, "pk", None) else None,
            notes=notes,
        )
        dispute.invoices.set(invoices)
        record_event(
            actor=actor,
            action="dispute.open",
            obj=dispute,
            after={"reason": reason, "amount": amount, "invoices": [i.invoice_ref for i in invoices]},
            at=now,
        )
        customers_changed([customer.pk], kind="dispute")
    return dispute


def resolve_dispute(*, actor: Any, dispute: Dispute, resolution: str, now: dt.datetime, rejected: bool = False) -> Dispute:
    if not dispute.is_open:
        raise DisputeError(f"dispute {dispute.pk} is already {dispute.status}")
    if resolution not in Dispute.Resolution.values or not resolution:
        raise DisputeError(f"unknown resolution {resolution!r}")
    with transaction.atomic():
        before = {"status": dispute.status}
        dispute.status = Dispute.Status.REJECTED if rejected else Dispute.Status.RESOLVED
        dispute.resolution = resolution
        dispute.resolved_on = now.date()
        dispute.save(update_fields=["status", "resolution", "resolved_on"])
        record_event(actor=actor, action="dispute.resolve", obj=dispute, before=before, after={"status": dispute.status}, at=now)
        customers_changed([dispute.customer_id], kind="dispute")
    return dispute
