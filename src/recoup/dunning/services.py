"""Follow-up runs (decide, then write everything in one transaction) and credit holds.

A run reads the facts column-wise, lets ``rules.decide`` choose what fires, and — unless it is a
dry run — writes in ONE transaction: the messages (e-mails, letters) with their items, a
``Firing`` per item and step, call tasks, escalations to a senior and credit holds; the outbox
sends the messages after the commit. A crash before the commit leaves nothing; the unique
``Firing`` per (invoice, step) and the message's idempotency key make a second writer fail
instead of sending twice. A dry run goes through the same decision and prints what the real run
at that instant would send.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db import IntegrityError, transaction

from recoup.accounts.permissions import require_manager
from recoup.audit.services import record_event
from recoup.dunning import decide, rules
from recoup.dunning.actions import make_call_task, make_escalation
from recoup.dunning.models import Channel, CreditHold, Firing, Message, MessageItem, MessageStatus, SequenceStep
from recoup.ledger.clock import business_date
from recoup.ledger.events import customers_changed
from recoup.ledger.models import Contact, Customer, Invoice
from recoup.portal.services import link_for
from recoup.promises.selectors import open_discount_offer
from recoup.promises.services import PromiseError, offer_discount

__all__ = ["RunConflict", "RunResult", "lift_credit_hold", "lift_paid_holds", "place_credit_hold", "run_followups"]


@dataclass
class RunResult:
    at: dt.datetime
    as_of: dt.date
    dry_run: bool
    messages: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    message_ids: list[int] = field(default_factory=list)
    stages: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The shape `recoup followups run --json` prints (docs/followups.md)."""
        return {"at": self.at.isoformat(), "messages": self.messages, "actions": self.actions, "skipped": self.skipped}


def idempotency_key(customer_id: int, step_key: str, invoice_ids: Iterable[int]) -> str:
    text = f"{customer_id}|{step_key}|{','.join(str(i) for i in sorted(invoice_ids))}"
    return hashlib.sha256(text.encode()).hexdigest()


def _message_id(key: str) -> str:
    try:
        from recoup.dunning import outbox
    except ImportError:
        return f"<{key[:32]}@recoup.invalid>"
    return str(outbox.message_id_for(key))


def _totals(group: dict[str, Any]) -> dict[str, int]:
    return {c: int(t) for c, t in zip(group["currencies"], group["totals"], strict=True)}


def _message_json(group: dict[str, Any]) -> dict[str, Any]:
    totals = _totals(group)
    # One message may list items in several currencies: "total"/"currency" then hold the first
    # currency (alphabetically) and "totals" every one.
    first = sorted(totals)[0]
    return {
        "customer_ref": group["customer_ref"],
        "step": group["step_key"],
        "channel": group["channel"],
        "to": group["email"] or "" if group["channel"] == Channel.EMAIL else group["contact_name"] or "",
        "invoice_refs": list(group["invoice_refs"]),
        "total": str(rules.decimal_amount(totals[first], first)),
        "currency": first,
        "totals": {c: str(rules.decimal_amount(v, c)) for c, v in sorted(totals.items())},
    }


def _result(decided: rules.Decisions, *, at: dt.datetime, as_of: dt.date, dry_run: bool) -> RunResult:
    result = RunResult(at=at, as_of=as_of, dry_run=dry_run, stages=dict(decided.stages))
    for group in decided.groups.iter_rows(named=True):
        if group["channel"] in rules.MESSAGE_CHANNELS:
            result.messages.append(_message_json(group))
        else:
            result.actions.append({"customer_ref": group["customer_ref"], "step": group["step_key"], "kind": group["channel"]})
    result.skipped = [
        {"customer_ref": ref, "reason": reason} for ref, reason in decided.skipped.select("customer_ref", "reason").iter_rows()
    ]
    return result


def run_followups(*, at: dt.datetime, dry_run: bool, actor: Any = None, customer_ids: Sequence[int] | None = None) -> RunResult:
    """Decide what fires at ``at`` and, unless ``dry_run``, write it all in one transaction."""
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    as_of = business_date(at)
    ids = list(customer_ids) if customer_ids is not None else None
    decided = decide.decisions(at=at, as_of=as_of, customer_ids=ids)
    result = _result(decided, at=at, as_of=as_of, dry_run=dry_run)
    if dry_run or decided.fires.height == 0:
        return result
    try:
        _commit(decided, result, at=at, as_of=as_of, actor=actor)
    except IntegrityError as exc:
        # Another run (the 15-minute job and a command at once) wrote some of the same firings
        # first: this one wrote nothing; the next run decides again from what is there.
        raise RunConflict(f"another follow-up run wrote some of the same steps first; nothing was written ({exc})") from exc
    return result


class RunConflict(RuntimeError):
    """Two runs decided the same steps at once; the later one wrote nothing."""


def _commit(decided: rules.Decisions, result: RunResult, *, at: dt.datetime, as_of: dt.date, actor: Any) -> None:
    with transaction.atomic():
        result.message_ids = _write(decided, at=at, as_of=as_of, actor=actor)
        record_event(
            actor=actor,
            action="followups.run",
            obj=_RunRecord(at),
            after={
                "at": at.isoformat(),
                "messages": len(result.messages),
                "actions": len(result.actions),
                "skipped": len(result.skipped),
                # Why customers with something due got nothing (the first 500): the reason recorded.
                "skipped_customers": result.skipped[:500],
            },
            at=at,
        )
        customers_changed(decided.groups["customer_id"].unique().to_list(), kind="message")
        if result.message_ids:
            _send_after_commit(result.message_ids)


class _RunRecord:
    """What the audit trail names for a run (it has no row of its own)."""

    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def __str__(self) -> str:
        return f"follow-up run at {self.at.isoformat()}"


def _send_after_commit(message_ids: list[int]) -> None:
    try:
        from recoup.dunning import outbox
    except ImportError:
        return
    outbox.send_after_commit(message_ids)


def _item_lines(fires: pl.DataFrame) -> dict[int, Any]:
    """ItemLine per invoice id (what the composer prints), with the invoices' issue dates."""
    from recoup.dunning.composing import ItemLine

    invoice_ids = fires["invoice_id"].unique().to_list()
    issued: dict[int, dt.date] = {}
    for start in range(0, len(invoice_ids), 5000):
        issued.update(Invoice.objects.filter(pk__in=invoice_ids[start : start + 5000]).values_list("pk", "issue_date"))
    lines = {}
    for row in fires.unique("invoice_id").iter_rows(named=True):
        lines[row["invoice_id"]] = ItemLine(
            invoice_id=row["invoice_id"],
            invoice_ref=row["invoice_ref"],
            issue_date=issued[row["invoice_id"]],
            due_date=row["due_date"],
            days_overdue=max(int(row["days"]), 0),
            open_amount=int(row["open_amount"]),
            currency=row["currency"],
        )
    return lines


def _write(decided: rules.Decisions, *, at: dt.datetime, as_of: dt.date, actor: Any) -> list[int]:
    """Messages, items, firings, tasks and holds of one run (inside the caller's transaction)."""
    lines = _item_lines(decided.fires)
    customers = Customer.objects.in_bulk(decided.groups["customer_id"].unique().to_list())
    contacts = Contact.objects.in_bulk(decided.groups["contact_id"].drop_nulls().unique().to_list())
    steps = SequenceStep.objects.in_bulk(decided.groups["step_id"].unique().to_list())
    messages: list[Message] = []
    message_items: list[list[int]] = []
    message_for: dict[tuple[int, str], int] = {}
    for group in decided.groups.iter_rows(named=True):
        customer = customers[group["customer_id"]]
        step = steps[group["step_id"]]
        invoice_ids = list(group["invoice_ids"])
        items = [lines[i] for i in invoice_ids]
        if group["channel"] in rules.MESSAGE_CHANNELS:
            contact = contacts.get(group["contact_id"]) if group["contact_id"] is not None else None
            message_for[(customer.pk, step.key)] = len(messages)
            messages.append(_message(group, customer, contact, step, items, at=at, as_of=as_of, actor=actor))
            message_items.append(invoice_ids)
        elif group["channel"] == Channel.CALL_TASK:
            make_call_task(customer, step, items, at=at)
        elif group["channel"] == Channel.ESCALATE:
            make_escalation(customer, step, items, at=at)
        elif group["channel"] == Channel.CREDIT_HOLD:
            place_credit_hold(customer, step_key=step.key, actor=actor, at=at)
    created = Message.objects.bulk_create(messages, batch_size=2000)
    MessageItem.objects.bulk_create(
        [
            MessageItem(message=created[index], invoice_id=i, open_amount=lines[i].open_amount, currency=lines[i].currency)
            for index, invoice_ids in enumerate(message_items)
            for i in invoice_ids
        ],
        batch_size=5000,
    )
    Firing.objects.bulk_create(
        [
            Firing(
                invoice_id=row["invoice_id"],
                customer_id=row["customer_id"],
                step_id=row["step_id"],
                step_key=row["step_key"],
                offset_days=row["offset_days"],
                channel=row["channel"],
                message=created[message_for[key]] if (key := (row["customer_id"], row["step_key"])) in message_for else None,
                fired_at=at,
            )
            for row in decided.fires.iter_rows(named=True)
        ],
        batch_size=5000,
    )
    return [m.pk for m in created]


def _message(
    group: dict[str, Any],
    customer: Customer,
    contact: Contact | None,
    step: SequenceStep,
    items: list[Any],
    *,
    at: dt.datetime,
    as_of: dt.date,
    actor: Any,
) -> Message:
    """The e-mail or letter of one customer at one step, composed from its template (unsaved)."""
    from recoup.dunning.composing import compose

    user = actor if getattr(actor, "pk", None) else None
    invoice_ids = [i.invoice_id for i in items]
    composed = compose(
        customer=customer,
        contact=contact,
        step_or_template_key=step,
        items=items,
        as_of=as_of,
        discount=_discount(customer, step, invoice_ids, at=at, as_of=as_of),
        link=link_for(customer, now=at, actor=user),
    )
    key = idempotency_key(customer.pk, step.key, invoice_ids)
    return Message(
        customer=customer,
        step=step,
        step_key=step.key,
        channel=group["channel"],
        idempotency_key=key,
        message_id=_message_id(key),
        to_name=(contact.name if contact else customer.name)[:300],
        to_address=(contact.email if contact and group["channel"] == Channel.EMAIL else "")[:300],
        language=composed.language,
        subject=composed.subject[:300],
        body_text=composed.body_text,
        body_html=composed.body_html,
        totals=_totals(group),
        status=MessageStatus.QUEUED,
        created_at=at,
        created_by=user,
    )


def _discount(customer: Customer, step: SequenceStep, invoice_ids: list[int], *, at: dt.datetime, as_of: dt.date) -> Any:
    """The offer the message mentions: one the customer may still take on these items, else the
    step's own (made now, within a collector's limit; above it, it waits for a senior and the
    message does not mention it)."""
    offer = open_discount_offer(customer.pk, invoice_ids, as_of)
    if offer is None and step.discount_bp and step.discount_days:
        try:
            offer = offer_discount(
                customer=customer,
                invoices=list(Invoice.objects.filter(pk__in=invoice_ids)),
                discount_bp=step.discount_bp,
                days=step.discount_days,
                actor=None,
                now=at,
                source=f"step:{step.key}",
            )
        except PromiseError:
            return None
    return offer if offer is not None and offer.status == "offered" else None


# --- credit holds ---------------------------------------------------------------------------


def place_credit_hold(customer: Customer, *, step_key: str, actor: Any, at: dt.datetime) -> CreditHold | None:
    """Put the customer on credit hold (None when a hold is already active)."""
    if CreditHold.objects.filter(customer=customer, lifted_at__isnull=True).exists():
        return None
    hold = CreditHold.objects.create(customer=customer, step_key=step_key, placed_at=at)
    record_event(
        actor=actor,
        action="dunning.credit_hold.placed",
        obj=hold,
        after={"customer": customer.customer_ref, "step": step_key},
        at=at,
    )
    customers_changed([customer.pk], kind="customer")
    return hold


def lift_credit_hold(customer: Customer, *, actor: Any, at: dt.datetime, reason: str) -> CreditHold | None:
    """A manager lifts the customer's hold (None when there is none)."""
    require_manager(actor, "lift a credit hold")
    with transaction.atomic():
        return _lift(customer.pk, actor=actor, at=at, reason=reason or "lifted by a manager")


def _lift(customer_id: int, *, actor: Any, at: dt.datetime, reason: str) -> CreditHold | None:
    hold = CreditHold.objects.select_for_update().filter(customer_id=customer_id, lifted_at__isnull=True).first()
    if hold is None:
        return None
    hold.lifted_at = at
    hold.lifted_by = actor if getattr(actor, "pk", None) else None
    hold.lift_reason = reason[:200]
    hold.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
    record_event(actor=actor, action="dunning.credit_hold.lifted", obj=hold, after={"reason": hold.lift_reason}, at=at)
    customers_changed([customer_id], kind="customer")
    return hold


def lift_paid_holds(customer_ids: Iterable[int], *, at: dt.datetime) -> list[int]:
    """Lift the holds of customers who have no overdue item left (paid, credited); their ids."""
    as_of = business_date(at)
    # Active holds are few; the change may name 100,000 customers (an import).
    wanted = set(customer_ids)
    held = [c for c in CreditHold.objects.filter(lifted_at__isnull=True).values_list("customer_id", flat=True) if c in wanted]
    if not held:
        return []
    still_overdue = set(
        Invoice.objects.filter(customer_id__in=held, open_amount__gt=0, due_date__lt=as_of)
        .exclude(kind=Invoice.Kind.CREDIT_NOTE)
        .values_list("customer_id", flat=True)
    )
    lifted = []
    for customer_id in held:
        if customer_id in still_overdue:
            continue
        with transaction.atomic():
            if _lift(customer_id, actor=None, at=at, reason="overdue items paid") is not None:
                lifted.append(customer_id)
    return lifted
