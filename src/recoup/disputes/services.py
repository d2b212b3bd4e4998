"""Working a dispute case: opening it, its owner, status and amount, comments and attachments, the
SLA per reason and escalation when it passes. Disputed items leave the worklist until the case
is closed.

Every change is one transaction, recorded in the audit trail on the case itself (its history
is read from there) and says "customer changed" (kind ``dispute``), so the worklist and the
follow-ups react without being called. Resolutions, which write the ledger, are in
``resolution.py``; stakeholder links in ``links.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Count

from recoup.accounts.models import Role, User
from recoup.activities.models import Activity
from recoup.audit.services import actor_label_for, record_event
from recoup.disputes import attachments, rules, selectors
from recoup.disputes.models import Attachment, Comment, Dispute, ReasonSla, StakeholderLink
from recoup.ledger.clock import business_date
from recoup.ledger.events import customers_changed
from recoup.ledger.models import Customer, Invoice

MAX_COMMENT = 5000


class DisputeError(ValueError):
    """What is wrong with a change to a case, in words for the form."""


class NotAllowed(PermissionError):
    """The user may see the case but not make this change."""


def user_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _name(user: Any) -> str | None:
    return None if user is None else (user.get_full_name() or user.email)


def _label(actor: Any, link: StakeholderLink | None) -> str:
    """Who wrote a comment or attached a file: a stakeholder by their link, a user by name, a
    customer through their portal link (an actor that is no user) as it names itself."""
    if link is not None:
        return link.label
    return _name(user_or_none(actor)) or actor_label_for(actor)


def record(
    case: Dispute,
    *,
    actor: Any,
    action: str,
    now: dt.datetime,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    actor_label: str | None = None,
) -> None:
    """Audit a change to ``case`` and say the customer changed (inside the caller's transaction)."""
    record_event(actor=actor, action=action, obj=case, before=before, after=after, at=now, actor_label=actor_label)
    customers_changed([case.customer_id], kind="dispute")


def locked(case: Dispute) -> Dispute:
    return Dispute.objects.select_for_update().select_related("customer").get(pk=case.pk)


def require_work(actor: Any, case: Dispute, what: str) -> None:
    if not selectors.may_work(actor, case):
        raise NotAllowed(f"Only the case's owner, the customer's collector, seniors and managers {what}.")


def require_open(case: Dispute) -> None:
    if not case.is_open:
        raise DisputeError(f"dispute {case.pk} is already {case.get_status_display().lower()}")


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
    """A case about ``invoices`` (one customer, one currency); its SLA from the reason's days."""
    if not invoices:
        raise DisputeError("a dispute names at least one invoice")
    if reason not in Dispute.Reason.values:
        raise DisputeError(f"unknown reason {reason!r}; one of {', '.join(Dispute.Reason.values)}")
    foreign = [i.invoice_ref for i in invoices if i.customer_id != customer.pk]
    if foreign:
        raise DisputeError(f"invoices of another customer: {', '.join(foreign)}")
    credits = [i.invoice_ref for i in invoices if i.kind == Invoice.Kind.CREDIT_NOTE]
    if credits:
        raise DisputeError(f"credit notes cannot be disputed: {', '.join(credits)}")
    currencies = {i.currency for i in invoices}
    if len(currencies) > 1:
        raise DisputeError(f"one dispute covers one currency, got {', '.join(sorted(currencies))}")
    open_total = sum(i.open_amount for i in invoices)
    amount = open_total if amount is None else amount
    if not 0 <= amount <= open_total:
        raise DisputeError(f"the disputed amount must be between 0 and the open amount {open_total}")
    opened_on = business_date(now)
    with transaction.atomic():
        dispute = Dispute.objects.create(
            customer=customer,
            reason=reason,
            amount=amount,
            currency=currencies.pop(),
            owner=user_or_none(owner) or user_or_none(actor),
            sla_due=rules.sla_due(opened_on, selectors.sla_days(reason)),
            opened_on=opened_on,
            opened_in=opened_in,
            created_by=user_or_none(actor),
            notes=notes,
        )
        dispute.invoices.set(invoices)
        record(
            dispute,
            actor=actor,
            action="dispute.open",
            now=now,
            after={
                "reason": reason,
                "amount": amount,
                "invoices": [i.invoice_ref for i in invoices],
                "owner": _name(dispute.owner),
                "sla_due": dispute.sla_due.isoformat() if dispute.sla_due else None,
            },
        )
    return dispute


def assign_owner(*, actor: Any, case: Dispute, owner: User | None, now: dt.datetime) -> Dispute:
    with transaction.atomic():
        case = locked(case)
        require_work(actor, case, "assign an owner")
        require_open(case)
        if owner is not None and not owner.is_active:
            raise DisputeError(f"{owner} is not an active user")
        before = {"owner": _name(case.owner)}
        case.owner = owner
        case.save(update_fields=["owner"])
        record(case, actor=actor, action="dispute.assign", now=now, before=before, after={"owner": _name(owner)})
    return case


def change_status(*, actor: Any, case: Dispute, status: str, now: dt.datetime) -> Dispute:
    """Open ↔ in review by hand; resolving and rejecting go through ``resolution``."""
    if status not in (Dispute.Status.OPEN, Dispute.Status.IN_REVIEW):
        raise DisputeError("a case is resolved or rejected through its resolution, not by setting its status")
    with transaction.atomic():
        case = locked(case)
        require_work(actor, case, "change a case's status")
        try:
            rules.check_transition(case.status, status)
        except rules.CaseRuleBroken as exc:
            raise DisputeError(str(exc)) from None
        before = {"status": case.status}
        case.status = status
        case.save(update_fields=["status"])
        record(case, actor=actor, action="dispute.status", now=now, before=before, after={"status": status})
    return case


def change_amount(*, actor: Any, case: Dispute, amount: int, now: dt.datetime) -> Dispute:
    """The disputed part of the items (the customer disputes £300 of a £4,100 invoice)."""
    with transaction.atomic():
        case = locked(case)
        require_work(actor, case, "change the disputed amount")
        require_open(case)
        open_total = sum(i.open_amount for i in case.invoices.all())
        if not 0 < amount <= open_total:
            raise DisputeError(f"the disputed amount must be more than zero and at most the {open_total} still open")
        before = {"amount": case.amount}
        case.amount = amount
        case.save(update_fields=["amount"])
        record(case, actor=actor, action="dispute.amount", now=now, before=before, after={"amount": amount})
    return case


def add_comment(
    *, case: Dispute, body: str, now: dt.datetime, actor: Any = None, link: StakeholderLink | None = None, internal: bool = False
) -> Comment:
    """A comment by a user who may see the case, or by a stakeholder through their link (never internal)."""
    if link is not None and not case.is_open:
        raise DisputeError("the case is closed")
    body = body.strip()
    if not body:
        raise DisputeError("write something to comment")
    if len(body) > MAX_COMMENT:
        raise DisputeError(f"a comment may be at most {MAX_COMMENT} characters, this one has {len(body)}")
    label = _label(actor, link)
    with transaction.atomic():
        comment = Comment.objects.create(
            dispute=case,
            body=body,
            author=user_or_none(actor) if link is None else None,
            link=link,
            author_label=label[:300],
            internal=internal and link is None,
            at=now,
        )
        record(
            case,
            actor=actor if link is None else None,
            actor_label=label if link is not None else None,
            action="dispute.comment",
            now=now,
            after={"comment_id": comment.pk, "body": body, "internal": comment.internal},
        )
    return comment


def add_attachment(
    *,
    case: Dispute,
    name: str,
    chunks: Iterable[bytes],
    now: dt.datetime,
    size: int | None = None,
    actor: Any = None,
    link: StakeholderLink | None = None,
    internal: bool = False,
) -> Attachment:
    """Check and keep a file (AttachmentRefused says why not); the file is removed again if
    recording it fails."""
    if link is not None and not case.is_open:
        raise DisputeError("the case is closed")
    checked = attachments.check(name, chunks, declared_size=size)
    label = _label(actor, link)
    stored = attachments.store(case.pk, checked.data)
    try:
        with transaction.atomic():
            attachment = Attachment.objects.create(
                dispute=case,
                stored_name=stored,
                original_name=checked.name,
                content_type=checked.content_type,
                size=checked.size,
                sha256=checked.sha256,
                uploaded_by=user_or_none(actor) if link is None else None,
                link=link,
                author_label=label[:300],
                internal=internal and link is None,
                at=now,
            )
            record(
                case,
                actor=actor if link is None else None,
                actor_label=label if link is not None else None,
                action="dispute.attach",
                now=now,
                after={
                    "attachment_id": attachment.pk,
                    "name": checked.name,
                    "content_type": checked.content_type,
                    "size": checked.size,
                    "sha256": checked.sha256,
                },
            )
    except BaseException:
        attachments.discard(case.pk, stored)
        raise
    return attachment


def set_sla(*, actor: Any, reason: str, days: int, now: dt.datetime) -> ReasonSla:
    """A manager sets how many days cases of ``reason`` may stay open (new cases; open ones keep theirs)."""
    if reason not in Dispute.Reason.values:
        raise DisputeError(f"unknown reason {reason!r}")
    if not 1 <= days <= 365:
        raise DisputeError(f"an SLA is between 1 and 365 days, not {days}")
    with transaction.atomic():
        row = ReasonSla.objects.select_for_update().filter(reason=reason).first()
        before = {"days": row.days if row else selectors.sla_days(reason)}
        if row is None:
            row = ReasonSla(reason=reason)
        row.days = days
        row.updated_at = now
        row.updated_by = user_or_none(actor)
        row.save()
        record_event(actor=actor, action="dispute.sla", obj=row, before=before, after={"reason": reason, "days": days}, at=now)
    return row


def _senior_for_escalation() -> User | None:
    """The active senior with the fewest open escalated cases (a manager when there is none)."""
    load = dict(
        Dispute.objects.filter(status__in=rules.OPEN, escalated_to__isnull=False)
        .values_list("escalated_to")
        .annotate(n=Count("pk"))
        .values_list("escalated_to", "n")
    )
    for role in (Role.SENIOR, Role.MANAGER):
        people = list(User.objects.filter(role=role, is_active=True).order_by("pk"))
        if people:
            return min(people, key=lambda u: (load.get(u.pk, 0), u.pk))
    return None


def escalate_breached(*, now: dt.datetime) -> list[Dispute]:
    """Every open case past its SLA and not yet escalated goes to a senior; returns them."""
    as_of = business_date(now)
    escalated = []
    for case in selectors.breached_unescalated(as_of):
        senior = _senior_for_escalation()
        if senior is None:
            break
        with transaction.atomic():
            case = locked(case)
            if case.escalated_at is not None or not case.is_open:
                continue
            case.escalated_to = senior
            case.escalated_at = now
            case.save(update_fields=["escalated_to", "escalated_at"])
            record(
                case,
                actor=None,
                action="dispute.escalate",
                now=now,
                after={"escalated_to": _name(senior), "sla_due": case.sla_due.isoformat() if case.sla_due else None},
            )
        escalated.append(case)
    return escalated
