"""Ending a case. Resolutions write the ledger through ``recoup.ledger.services`` only:

- a **credit note** for the agreed amount, per invoice, applied to it (at most its open amount);
- a **corrected invoice**: what is still open is credited and a new invoice issued;
- a **write-off** within the user's limit (RECOUP_WRITE_OFF_LIMITS, home currency); beyond it, a
  ``WriteOffRequest`` waits for a senior or manager whose own limit covers it;
- a **rejection** records why; the invoice stands and calls and follow-ups resume for it.

Whatever stays open on the items is collectible again once the case is closed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from recoup.accounts.selectors import is_senior_or_above
from recoup.disputes import rules, selectors
from recoup.disputes.models import Dispute, Settlement, WriteOffRequest
from recoup.disputes.services import DisputeError, NotAllowed, locked, record, require_open, require_work, user_or_none
from recoup.ledger import services as ledger
from recoup.ledger.clock import business_date
from recoup.ledger.models import Invoice
from recoup.ledger.rules import LedgerRuleBroken


def _items(case: Dispute) -> dict[int, Invoice]:
    # Locked: what is open on them decides what may be credited.
    ids = list(case.invoices.values_list("pk", flat=True))
    return {i.pk: i for i in Invoice.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


def _check(case: Dispute, items: Mapping[int, Invoice], amounts: Mapping[int, int]) -> int:
    already = sum(s.amount for s in case.settlements.all())
    try:
        return rules.check_settlement(
            amounts,
            open_amounts={pk: i.open_amount for pk, i in items.items()},
            refs={pk: i.invoice_ref for pk, i in items.items()},
            disputed=case.amount,
            already=already,
        )
    except rules.CaseRuleBroken as exc:
        raise DisputeError(str(exc)) from None


def _close(case: Dispute, *, status: str, resolution: str, note: str, now: dt.datetime) -> dict[str, Any]:
    before = {"status": case.status}
    case.status = status
    case.resolution = resolution
    case.resolution_note = note
    case.resolved_on = business_date(now)
    case.save(update_fields=["status", "resolution", "resolution_note", "resolved_on"])
    return before


def _no_pending_write_off(case: Dispute) -> None:
    if case.write_off_requests.filter(status=WriteOffRequest.Status.PENDING).exists():
        raise DisputeError("a write-off for this case awaits approval; it is approved or rejected first")


def _refs(items: Mapping[int, Invoice], amounts: Mapping[int, int]) -> dict[str, int]:
    return {items[pk].invoice_ref: amount for pk, amount in sorted(amounts.items())}


def resolve_with_credit_notes(
    *, actor: Any, case: Dispute, amounts: Mapping[int, int], now: dt.datetime, note: str = ""
) -> Dispute:
    """Credit the agreed amount of each invoice (``{invoice_id: minor units}``) and close the case."""
    with transaction.atomic():
        case = locked(case)
        require_work(actor, case, "resolve a case")
        require_open(case)
        _no_pending_write_off(case)
        items = _items(case)
        _check(case, items, amounts)
        issued_on = business_date(now)
        documents = []
        try:
            for pk, amount in sorted(amounts.items()):
                credit = ledger.issue_credit_note(
                    invoice=items[pk], amount=amount, issued_on=issued_on, actor=actor, now=now, description=f"Dispute {case.pk}"
                )
                Settlement.objects.create(
                    dispute=case,
                    invoice=items[pk],
                    kind=Settlement.Kind.CREDIT_NOTE,
                    amount=amount,
                    credit_note=credit,
                    at=now,
                    by=user_or_none(actor),
                )
                documents.append(credit.invoice_ref)
        except LedgerRuleBroken as exc:
            raise DisputeError(str(exc)) from None
        before = _close(case, status=Dispute.Status.RESOLVED, resolution=Dispute.Resolution.CREDIT_NOTE, note=note, now=now)
        after = {
            "status": case.status,
            "resolution": case.resolution,
            "amounts": _refs(items, amounts),
            "documents": documents,
            "note": note,
        }
        record(case, actor=actor, action="dispute.resolve", now=now, before=before, after=after)
    return case


def resolve_with_corrections(
    *, actor: Any, case: Dispute, amounts: Mapping[int, int], due_date: dt.date, now: dt.datetime, note: str = ""
) -> Dispute:
    """Replace each named invoice by a corrected one of the given amount (``{invoice_id: new amount}``)."""
    with transaction.atomic():
        case = locked(case)
        require_work(actor, case, "resolve a case")
        require_open(case)
        _no_pending_write_off(case)
        if not amounts:
            raise DisputeError("enter the corrected amount of at least one invoice")
        items = _items(case)
        unknown = set(amounts) - set(items)
        if unknown:
            raise DisputeError(f"invoice {min(unknown)} is not part of this case")
        issued_on = business_date(now)
        documents = []
        try:
            for pk, amount in sorted(amounts.items()):
                credit, replacement = ledger.correct_invoice(
                    invoice=items[pk],
                    amount=amount,
                    due_date=due_date,
                    issued_on=issued_on,
                    actor=actor,
                    now=now,
                    description=f"Dispute {case.pk}: corrected",
                )
                Settlement.objects.create(
                    dispute=case,
                    invoice=items[pk],
                    kind=Settlement.Kind.CORRECTED,
                    amount=credit.amount,
                    credit_note=credit,
                    replacement=replacement,
                    at=now,
                    by=user_or_none(actor),
                )
                documents += [credit.invoice_ref, replacement.invoice_ref]
        except LedgerRuleBroken as exc:
            raise DisputeError(str(exc)) from None
        before = _close(case, status=Dispute.Status.RESOLVED, resolution=Dispute.Resolution.CORRECTED, note=note, now=now)
        after = {
            "status": case.status,
            "resolution": case.resolution,
            "amounts": _refs(items, amounts),
            "documents": documents,
            "note": note,
        }
        record(case, actor=actor, action="dispute.resolve", now=now, before=before, after=after)
    return case


def _within_limit(user: Any, case: Dispute, total: int, on: dt.date) -> bool:
    home = selectors.amount_in_home(total, case.currency, on)
    return rules.judge_write_off(home, selectors.write_off_limit(user)) == "allowed"


def _apply_write_off(
    case: Dispute, items: Mapping[int, Invoice], amounts: Mapping[int, int], *, actor: Any, now: dt.datetime
) -> list[str]:
    issued_on = business_date(now)
    documents = []
    try:
        for pk, amount in sorted(amounts.items()):
            credit = ledger.write_off(
                invoice=items[pk],
                amount=amount,
                issued_on=issued_on,
                actor=actor,
                now=now,
                description=f"Dispute {case.pk}: written off",
            )
            Settlement.objects.create(
                dispute=case,
                invoice=items[pk],
                kind=Settlement.Kind.WRITE_OFF,
                amount=amount,
                credit_note=credit,
                at=now,
                by=user_or_none(actor),
            )
            documents.append(credit.invoice_ref)
    except LedgerRuleBroken as exc:
        raise DisputeError(str(exc)) from None
    return documents


def propose_write_off(
    *, actor: Any, case: Dispute, amounts: Mapping[int, int], now: dt.datetime, note: str = ""
) -> Dispute | WriteOffRequest:
    """Write off within the user's limit at once (the case is resolved); beyond it, a request
    awaits a senior's or manager's approval and the case waits in review."""
    with transaction.atomic():
        case = locked(case)
        require_work(actor, case, "write off")
        require_open(case)
        _no_pending_write_off(case)
        items = _items(case)
        total = _check(case, items, amounts)
        if _within_limit(actor, case, total, business_date(now)):
            documents = _apply_write_off(case, items, amounts, actor=actor, now=now)
            before = _close(case, status=Dispute.Status.RESOLVED, resolution=Dispute.Resolution.WRITE_OFF, note=note, now=now)
            after = {
                "status": case.status,
                "resolution": case.resolution,
                "amounts": _refs(items, amounts),
                "documents": documents,
                "note": note,
            }
            record(case, actor=actor, action="dispute.resolve", now=now, before=before, after=after)
            return case
        request = WriteOffRequest.objects.create(
            dispute=case,
            amounts=[[pk, amount] for pk, amount in sorted(amounts.items())],
            total=total,
            currency=case.currency,
            note=note,
            requested_by=actor if getattr(actor, "pk", None) else None,
            requested_at=now,
        )
        before = {"status": case.status}
        if case.status != Dispute.Status.IN_REVIEW:
            case.status = Dispute.Status.IN_REVIEW
            case.save(update_fields=["status"])
        proposed: dict[str, Any] = {
            "status": case.status,
            "request_id": request.pk,
            "amounts": _refs(items, amounts),
            "total": total,
            "note": note,
        }
        record(case, actor=actor, action="dispute.write_off_propose", now=now, before=before, after=proposed)
        return request


def decide_write_off(*, actor: Any, request: WriteOffRequest, approve: bool, now: dt.datetime) -> WriteOffRequest:
    """A senior or manager approves (within their own limit: the write-off is booked and the case
    resolved) or rejects (the case stays in review) a pending write-off."""
    if not is_senior_or_above(actor):
        raise NotAllowed("Only senior collectors and managers approve write-offs.")
    with transaction.atomic():
        request = WriteOffRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != WriteOffRequest.Status.PENDING:
            raise DisputeError("only a write-off awaiting approval can be approved or rejected")
        case = locked(request.dispute)
        require_open(case)
        amounts = {int(pk): int(amount) for pk, amount in request.amounts}
        if approve and not _within_limit(actor, case, request.total, business_date(now)):
            raise DisputeError("this write-off is beyond your own approval limit")
        request.status = WriteOffRequest.Status.APPROVED if approve else WriteOffRequest.Status.REJECTED
        request.decided_by = actor
        request.decided_at = now
        request.save(update_fields=["status", "decided_by", "decided_at"])
        if not approve:
            record(
                case,
                actor=actor,
                action="dispute.write_off_reject",
                now=now,
                after={"request_id": request.pk, "total": request.total},
            )
            return request
        items = _items(case)
        _check(case, items, amounts)
        documents = _apply_write_off(case, items, amounts, actor=actor, now=now)
        before = _close(case, status=Dispute.Status.RESOLVED, resolution=Dispute.Resolution.WRITE_OFF, note=request.note, now=now)
        approver = actor.get_full_name() or actor.email
        after = {
            "status": case.status,
            "resolution": case.resolution,
            "amounts": _refs(items, amounts),
            "documents": documents,
            "note": request.note,
            "approved_by": approver,
        }
        record(case, actor=actor, action="dispute.resolve", now=now, before=before, after=after)
    return request


def reject(*, actor: Any, case: Dispute, why: str, now: dt.datetime) -> Dispute:
    """The claim does not hold: the invoice stands, and collection resumes for the items."""
    why = why.strip()
    if not why:
        raise DisputeError("say why the dispute is rejected (the customer will ask)")
    with transaction.atomic():
        case = locked(case)
        require_work(actor, case, "reject a case")
        require_open(case)
        pending = case.write_off_requests.filter(status=WriteOffRequest.Status.PENDING)
        pending.update(
            status=WriteOffRequest.Status.REJECTED, decided_by=actor if getattr(actor, "pk", None) else None, decided_at=now
        )
        before = _close(case, status=Dispute.Status.REJECTED, resolution=Dispute.Resolution.REJECTED, note=why, now=now)
        record(case, actor=actor, action="dispute.reject", now=now, before=before, after={"status": case.status, "note": why})
    return case
