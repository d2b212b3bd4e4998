"""A follow-up run end to end on a hand-built ledger, with a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import io
import json
import socket
from collections.abc import Iterator
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command

from recoup.accounts.models import Role, User
from recoup.dunning.models import CreditHold, Firing, Message
from recoup.worklist.models import Task

from .ledger_builders import AT, eight_customers

pytestmark = pytest.mark.django_db


class Inbox:
    """Collects what the SMTP server accepted."""

    def __init__(self) -> None:
        self.mails: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = message_from_bytes(envelope.content)
        self.mails.append({"to": list(envelope.rcpt_tos), "message_id": mail["Message-ID"], "subject": mail["Subject"]})
        return "250 OK"


@pytest.fixture
def smtp(settings: Any) -> Iterator[Inbox]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.RECOUP_SMTP_URL = f"smtp://127.0.0.1:{port}"
    settings.RECOUP_MAIL_FROM = "ar@recoup.example"
    try:
        yield inbox
    finally:
        controller.stop()


def followups(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("followups", "run", "--at", AT.isoformat(), "--json", *args, stdout=out)
    return dict(json.loads(out.getvalue()))


def by_customer(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {(r["customer_ref"], r["step"]): r for r in rows}


EXPECTED_MESSAGES = {
    ("DUE-IN-3", "friendly-reminder"): ("billing@soon.example", ["S-1"], "1000.00"),
    ("LATE-1", "overdue-notice"): ("lee@late1.example", ["L1-1"], "1000.00"),
    ("LATE-14", "second-notice"): ("ap@late14.example", ["L14-2", "L14-1"], "1500.50"),
    ("DISPUTED", "overdue-notice"): ("dee@disputed.example", ["D-2"], "1000.00"),
    ("LATE-31", "final-notice"): ("Fay", ["F-1"], "1000.00"),
}
EXPECTED_ACTIONS = {("LATE-7", "call"), ("LATE-31", "escalate"), ("LATE-50", "credit-hold")}
EXPECTED_SKIPPED = {
    "PROMISED": "paused_promise",
    "PLAN": "paused_plan",
    "TOKYO": "outside_hours",
    "DO-NOT-CONTACT": "do_not_contact",
}


def test_a_run_sends_exactly_what_is_due_once_and_the_dry_run_said_so(
    smtp: Inbox, django_capture_on_commit_callbacks: Any
) -> None:
    User.objects.create_user(email="senior@example.com", password="x" * 12, role=Role.SENIOR)
    eight_customers()

    dry = followups("--dry-run")
    assert Message.objects.count() == 0 and Firing.objects.count() == 0 and not smtp.mails

    with django_capture_on_commit_callbacks(execute=True):
        real = followups()
    assert real == dry

    messages = by_customer(real["messages"])
    assert set(messages) == set(EXPECTED_MESSAGES)
    for key, (to, refs, total) in EXPECTED_MESSAGES.items():
        assert (messages[key]["to"], messages[key]["invoice_refs"], messages[key]["total"], messages[key]["currency"]) == (
            to,
            refs,
            total,
            "USD",
        )
    assert {(a["customer_ref"], a["step"]) for a in real["actions"]} == EXPECTED_ACTIONS
    assert {s["customer_ref"]: s["reason"] for s in real["skipped"]} == EXPECTED_SKIPPED
    # The reasons are recorded with the run.
    from recoup.audit.models import AuditEvent

    assert AuditEvent.objects.get(action="followups.run").after["skipped_customers"] == real["skipped"]

    # The e-mails reached the SMTP server, each once, with the outbox's Message-ID; the letter is printed.
    emails = Message.objects.filter(channel="email")
    assert sorted(m["to"][0] for m in smtp.mails) == sorted(v[0] for v in EXPECTED_MESSAGES.values() if "@" in v[0])
    assert {m["message_id"] for m in smtp.mails} == set(emails.values_list("message_id", flat=True))
    # What the dry run listed is what the SMTP server received.
    assert sorted(m["to"][0] for m in smtp.mails) == sorted(m["to"] for m in dry["messages"] if m["channel"] == "email")
    assert set(emails.values_list("status", flat=True)) == {"sent"}
    assert Message.objects.get(channel="letter").to_address == ""

    # The actions were taken: a call for the collector, a review for the senior, a credit hold.
    assert Task.objects.filter(customer__customer_ref="LATE-7", kind="call").count() == 1
    assert Task.objects.get(customer__customer_ref="LATE-31", kind="review").user.email == "senior@example.com"
    assert CreditHold.objects.get(lifted_at__isnull=True).customer.customer_ref == "LATE-50"

    # A second run at the same instant sends nothing and writes nothing.
    sent = len(smtp.mails)
    with django_capture_on_commit_callbacks(execute=True):
        again = followups()
    assert again["messages"] == [] and again["actions"] == []
    assert len(smtp.mails) == sent
    assert Message.objects.count() == len(EXPECTED_MESSAGES)


def test_a_paid_hold_is_lifted_and_the_hold_shows_on_the_customer(django_capture_on_commit_callbacks: Any) -> None:
    from recoup.ledger.events import customers_changed
    from recoup.ledger.models import Invoice

    customers = eight_customers()
    with django_capture_on_commit_callbacks(execute=True):
        followups()
    hold = CreditHold.objects.get(customer=customers["hold"])
    assert hold.lifted_at is None
    with django_capture_on_commit_callbacks(execute=True):
        Invoice.objects.filter(customer=customers["hold"]).update(open_amount=0)
        customers_changed([customers["hold"].pk], kind="ledger")
    hold.refresh_from_db()
    assert hold.lifted_at is not None and hold.lift_reason == "overdue items paid"


def test_a_step_with_a_discount_offers_it_in_the_message(django_capture_on_commit_callbacks: Any) -> None:
    from recoup.dunning.models import SequenceStep
    from recoup.promises.models import DiscountOffer

    SequenceStep.objects.filter(key="overdue-notice").update(discount_bp=200, discount_days=10)
    eight_customers()
    with django_capture_on_commit_callbacks(execute=True):
        followups()
    offer = DiscountOffer.objects.get(customer__customer_ref="LATE-1")
    assert (offer.status, offer.source, offer.discount_bp) == ("offered", "step:overdue-notice", 200)
    body = Message.objects.get(customer__customer_ref="LATE-1").body_text
    assert "980.00" in body, body


def test_two_runs_deciding_at_once_write_the_steps_only_once(monkeypatch: Any) -> None:
    from recoup.dunning import decide
    from recoup.dunning.services import RunConflict, run_followups

    from .ledger_builders import AS_OF

    eight_customers()
    decided = decide.decisions(at=AT, as_of=AS_OF)
    # Both runs read the facts before either wrote: the second must fail and write nothing.
    monkeypatch.setattr(decide, "decisions", lambda **kwargs: decided)
    run_followups(at=AT, dry_run=False)
    written = (Message.objects.count(), Firing.objects.count(), CreditHold.objects.count())
    with pytest.raises(RunConflict, match="nothing was written"):
        run_followups(at=AT, dry_run=False)
    assert (Message.objects.count(), Firing.objects.count(), CreditHold.objects.count()) == written
