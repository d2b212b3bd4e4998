"""Working a case through its services: SLA per reason, owner, status, comments, history, and the
resolutions that write the ledger — a partial credit note lowers the open amount by exactly that
and puts the rest back on the worklist; a rejection resumes collection."""

from __future__ import annotations

import datetime as dt

import pytest

from recoup.audit.models import AuditEvent
from recoup.disputes import history, resolution, selectors, services
from recoup.disputes.models import Dispute, Settlement
from recoup.worklist import services as worklist
from recoup.worklist.models import WorklistEntry

from .conftest import invoice

pytestmark = pytest.mark.django_db


def _open(team, acme, now, refs=("INV-1",), reason="quantity", **kw) -> Dispute:
    return services.open_dispute(
        actor=team["collector"], customer=acme, invoices=[invoice(r) for r in refs], reason=reason, now=now, **kw
    )


def test_the_sla_comes_from_the_reason_a_manager_set(team, acme, now, as_of) -> None:
    assert _open(team, acme, now, reason="duplicate").sla_due == as_of + dt.timedelta(days=5)  # the default
    services.set_sla(actor=team["manager"], reason="duplicate", days=3, now=now)
    assert selectors.sla_days("duplicate") == 3
    assert _open(team, acme, now, refs=("INV-2",), reason="duplicate").sla_due == as_of + dt.timedelta(days=3)
    with pytest.raises(services.DisputeError, match="between 1 and 365"):
        services.set_sla(actor=team["manager"], reason="duplicate", days=0, now=now)


def test_owner_status_amount_and_comments_are_audited_on_the_case(team, acme, now) -> None:
    case = _open(team, acme, now)
    assert case.owner == team["collector"] and case.amount == 1_200_000
    services.assign_owner(actor=team["collector"], case=case, owner=team["senior"], now=now)
    services.change_status(actor=team["senior"], case=case, status="in_review", now=now)
    services.change_amount(actor=team["senior"], case=case, amount=300_000, now=now)
    services.add_comment(case=case, body="Customer says 3 pallets short.", now=now, actor=team["senior"])
    case.refresh_from_db()
    assert (case.owner, case.status, case.amount) == (team["senior"], "in_review", 300_000)
    lines = [line.text for line in history.case_history(case)]
    assert lines[0].startswith("Opened: Quantity, €12,000.00 on INV-1")
    assert lines[1:] == [
        "Owner: Collector Tester → Senior Tester",
        "Status: Open → In review",
        "Disputed amount: €12,000.00 → €3,000.00",
        "Commented: Customer says 3 pallets short.",
    ]
    with pytest.raises(services.DisputeError, match="at most the 1200000 still open"):
        services.change_amount(actor=team["senior"], case=case, amount=1_200_001, now=now)


def test_another_collector_may_not_work_the_case(team, acme, now) -> None:
    case = _open(team, acme, now)
    with pytest.raises(services.NotAllowed):
        services.assign_owner(actor=team["other"], case=case, owner=team["other"], now=now)
    with pytest.raises(services.NotAllowed):
        resolution.reject(actor=team["other"], case=case, why="no", now=now)
    assert selectors.visible_disputes(team["other"]).count() == 0
    assert selectors.visible_disputes(team["senior"]).count() == 1


def test_a_partial_credit_note_lowers_the_open_amount_by_exactly_that(
    team, acme, now, django_capture_on_commit_callbacks
) -> None:
    case = _open(team, acme, now, refs=("INV-2",))
    worklist.rebuild(at=now)
    assert WorklistEntry.objects.get(customer=acme).overdue_amount == 1_200_000  # INV-2 is disputed, INV-1 is not
    with django_capture_on_commit_callbacks(execute=True):
        resolution.resolve_with_credit_notes(
            actor=team["collector"], case=case, amounts={invoice("INV-2").pk: 110_000}, now=now, note="3 units short"
        )
    assert invoice("INV-2").open_amount == 410_000 - 110_000
    case.refresh_from_db()
    assert (case.status, case.resolution, case.resolution_note) == ("resolved", "credit_note", "3 units short")
    settlement = Settlement.objects.get()
    assert (settlement.amount, settlement.credit_note.invoice_ref) == (110_000, "CN-INV-2-1")
    # The rest of INV-2 is collectible again: the worklist followed the event by itself.
    assert WorklistEntry.objects.get(customer=acme).overdue_amount == 1_200_000 + 300_000
    assert AuditEvent.objects.filter(action="credit_note.issue").count() == 1
    assert "Resolved: Credit note; INV-2 €1,100.00; documents CN-INV-2-1; 3 units short" in [
        line.text for line in history.case_history(case)
    ]


def test_a_credit_note_is_at_most_the_disputed_invoices_open_amount(team, acme, now) -> None:
    case = _open(team, acme, now, refs=("INV-2",))
    with pytest.raises(services.DisputeError, match="INV-2: 410001 is more than the 410000 still open on it"):
        resolution.resolve_with_credit_notes(actor=team["collector"], case=case, amounts={invoice("INV-2").pk: 410_001}, now=now)
    with pytest.raises(services.DisputeError, match="not part of this case"):
        resolution.resolve_with_credit_notes(actor=team["collector"], case=case, amounts={invoice("INV-1").pk: 1}, now=now)
    assert invoice("INV-2").open_amount == 410_000
    case.refresh_from_db()
    assert case.status == "open" and not Settlement.objects.exists()


def test_a_corrected_invoice_replaces_the_disputed_one(team, acme, now, as_of) -> None:
    case = _open(team, acme, now, refs=("INV-2",), reason="pricing")
    due = as_of + dt.timedelta(days=30)
    resolution.resolve_with_corrections(
        actor=team["collector"], case=case, amounts={invoice("INV-2").pk: 350_000}, due_date=due, now=now
    )
    assert invoice("INV-2").open_amount == 0
    assert (invoice("INV-2-R1").open_amount, invoice("INV-2-R1").due_date) == (350_000, due)
    case.refresh_from_db()
    assert case.resolution == "corrected"
    assert selectors.case_items(case)[0].replacement.invoice_ref == "INV-2-R1"


def test_a_rejected_case_resumes_collection(team, acme, now, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        case = _open(team, acme, now, refs=("INV-1", "INV-2", "INV-3"))
    worklist.rebuild(at=now)
    entry = WorklistEntry.objects.get(customer=acme)
    assert (entry.status, entry.exclusion) == ("excluded", "all_disputed")
    with pytest.raises(services.DisputeError, match="say why"):
        resolution.reject(actor=team["collector"], case=case, why=" ", now=now)
    with django_capture_on_commit_callbacks(execute=True):
        resolution.reject(actor=team["collector"], case=case, why="Delivery note signed in full", now=now)
    case.refresh_from_db()
    assert (case.status, case.resolution, case.resolution_note) == ("rejected", "rejected", "Delivery note signed in full")
    entry = WorklistEntry.objects.get(customer=acme)
    assert entry.exclusion == "" and entry.overdue_amount == 1_610_000
    assert any("Dispute resolved on" in reason for reason in entry.reasons)
    assert invoice("INV-1").open_amount == 1_200_000  # the invoice stands
