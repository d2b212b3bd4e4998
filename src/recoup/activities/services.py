"""Recording contacts with customers. Each one updates the customer's worklist entry on commit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from recoup.activities.models import Activity, Channel, Outcome
from recoup.audit.services import record_event
from recoup.ledger.events import customers_changed
from recoup.ledger.models import Contact, Customer


class ActivityError(ValueError):
    pass


def log_activity(
    *,
    actor: Any,
    customer: Customer,
    at: dt.datetime,
    channel: str = Channel.CALL,
    outcome: str = "",
    contact: Contact | None = None,
    notes: str = "",
    objective: str = "",
    direction: str = Activity.Direction.OUTBOUND,
    duration_seconds: int | None = None,
    sentiment: str = "",
    customer_feedback: str = "",
    tone_flags: list[dict[str, Any]] | None = None,
) -> Activity:
    """Record a contact with ``customer``; ``tone_flags`` (the tone check's, saved anyway) are
    kept on the activity and audited, so managers see flagged notes."""
    if at.tzinfo is None:
        raise ActivityError("at must be timezone-aware")
    if channel not in Channel.values:
        raise ActivityError(f"unknown channel {channel!r}; one of {', '.join(Channel.values)}")
    if outcome not in Outcome.values:
        raise ActivityError(f"unknown outcome {outcome!r}; one of {', '.join(v for v in Outcome.values if v)}")
    if contact is not None and contact.customer_id != customer.pk:
        raise ActivityError(f"contact {contact} belongs to another customer")
    with transaction.atomic():
        activity = Activity.objects.create(
            customer=customer,
            contact=contact,
            user=actor if getattr(actor, "pk", None) else None,
            channel=channel,
            direction=direction,
            at=at,
            duration_seconds=duration_seconds,
            outcome=outcome,
            objective=objective,
            notes=notes,
            sentiment=sentiment,
            customer_feedback=customer_feedback,
            tone_flags=tone_flags or [],
        )
        record_event(
            actor=actor,
            action="activity.log",
            obj=activity,
            after={"customer": customer.customer_ref, "channel": channel, "outcome": outcome},
            at=at,
        )
        if tone_flags:
            record_event(actor=actor, action="activity.tone_flagged", obj=activity, after={"flags": tone_flags}, at=at)
        customers_changed([customer.pk], kind="activity")
    return activity
