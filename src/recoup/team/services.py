"""Team use cases: bulk reassignment, taking an escalated account, reviewing a call.

Reassignment goes through the calls app's orchestration (``calls.services.reassign``: the
ledger's ``assign_collector``, which audits and says "customer changed", and the hand-over of
open follow-ups), so one customer moved in bulk is moved exactly as one moved by hand.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar

from django.db import transaction

from recoup.accounts import selectors as accounts
from recoup.activities.models import Activity, Channel
from recoup.audit.services import record_event
from recoup.calls import services as calls
from recoup.ledger.models import Customer
from recoup.team import selectors
from recoup.team.models import CallReview
from recoup.team.rules import CRITERIA, MAX_BULK, ReassignFilter, check_scores


class TeamError(ValueError):
    """A team action that cannot be done, in words for the page."""


class _BulkMeta:
    label_lower = "team.bulkreassignment"


@dataclass(frozen=True)
class BulkReassignment:
    """What the summary audit event is about: one move of many customers (not a table: the
    trail names it "team.bulkreassignment"; each customer moved has its own event too)."""

    description: str
    pk: None = None
    _meta: ClassVar[_BulkMeta] = _BulkMeta()

    def __str__(self) -> str:
        return self.description[:200]


def _check_target(collector: Any) -> None:
    if collector is not None and not (accounts.takes_calls(collector) and collector.is_active):
        raise TeamError(f"{collector} does not take calls: accounts go to active collectors or seniors")


def bulk_reassign(*, actor: Any, f: ReassignFilter, collector: Any, expected: int, at: dt.datetime) -> int:
    """Move every customer ``f`` matches to ``collector`` (None: the shared pool), in one
    transaction. ``expected`` is the count the person previewed: if the filter now matches a
    different number, nothing moves (someone changed the books in between).
    Returns how many customers changed hands."""
    if not accounts.is_senior_or_above(actor):
        raise TeamError("Only seniors and managers reassign accounts")
    _check_target(collector)
    with transaction.atomic():
        customers = list(selectors.reassign_candidates(f).select_related("collector"))
        if len(customers) != expected:
            raise TeamError(f"The filter now matches {len(customers)} customers, not the {expected} previewed: preview again")
        if len(customers) > MAX_BULK:
            raise TeamError(f"{len(customers)} customers is more than {MAX_BULK} at once: narrow the filter")
        target = collector.pk if collector is not None else None
        moving = [c for c in customers if c.collector_id != target]
        for customer in moving:
            calls.reassign(actor=actor, customer=customer, collector=collector, at=at)
        record_event(
            actor=actor,
            action="team.bulk_reassign",
            obj=BulkReassignment(f.describe()),
            before={"filter": f.describe(), "matched": len(customers)},
            after={"collector": collector.email if collector else None, "moved": len(moving)},
            at=at,
        )
    return len(moving)


def take_escalation(*, actor: Any, customer: Customer, at: dt.datetime) -> Customer:
    """A senior or manager takes an escalated account into their own portfolio."""
    if not accounts.is_senior_or_above(actor):
        raise TeamError("Only seniors and managers take escalated accounts")
    if not accounts.takes_calls(actor):
        raise TeamError("Accounts go to people who take calls: a manager reassigns it to a senior instead")
    if customer.collector_id == actor.pk:
        raise TeamError(f"{customer.name} is already yours")
    return calls.reassign(actor=actor, customer=customer, collector=actor, at=at)


def review_call(*, actor: Any, activity: Activity, scores: dict[str, object], notes: str, at: dt.datetime) -> CallReview:
    """Score a logged call on the scorecard and leave coaching notes for its collector.

    One review per call: reviewing it again replaces the scores, and the audit keeps both."""
    if not accounts.is_senior_or_above(actor):
        raise TeamError("Only seniors and managers review calls")
    if activity.channel != Channel.CALL or activity.user_id is None:
        raise TeamError("Only calls logged by a collector can be reviewed")
    if activity.user_id == actor.pk:
        raise TeamError("Nobody reviews their own calls")
    checked = check_scores(scores)
    notes = notes.strip()
    if len(notes) > 5000:
        raise TeamError(f"Coaching notes may be at most 5000 characters, these have {len(notes)}")
    with transaction.atomic():
        review = CallReview.objects.select_for_update().filter(activity=activity).first()
        before = None
        if review is None:
            review = CallReview(activity=activity, collector_id=activity.user_id)
        else:
            before = {name: getattr(review, name) for name, _, _ in CRITERIA} | {"coaching_notes": review.coaching_notes}
        for name, value in checked.items():
            setattr(review, name, value)
        review.coaching_notes = notes
        review.reviewer = actor
        review.reviewed_at = at
        review.save()
        record_event(
            actor=actor,
            action="call.review" if before is None else "call.review_update",
            obj=review,
            before=before,
            after=checked | {"coaching_notes": notes, "collector": activity.user.email if activity.user else None},
            at=at,
        )
    return review
