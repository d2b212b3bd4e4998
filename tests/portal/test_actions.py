"""The customer's actions through their link go through the collectors' services and land at once
in the activity log, the worklist and the collector's tasks."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from recoup.activities.models import Activity, Channel, Outcome
from recoup.audit.models import AuditEvent
from recoup.disputes.models import Attachment, Comment, Dispute
from recoup.kernel.calendar import at_local, is_business_day, local_time
from recoup.ledger.models import Contact, Invoice
from recoup.promises.models import Promise
from recoup.worklist import services as worklist
from recoup.worklist.models import EntryStatus, Task, WorklistEntry
from recoup.worklist.strategy import strategy_to_data

from .conftest import opened

pytestmark = pytest.mark.django_db
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def ids(*refs: str) -> list[str]:
    return [str(Invoice.objects.get(invoice_ref=ref).pk) for ref in refs]


def test_a_promise_within_the_strategys_days_is_a_promise_with_a_check_and_takes_the_customer_off_todays_list(
    acme, now, as_of, team, django_capture_on_commit_callbacks
) -> None:
    worklist.rebuild(at=now)
    assert WorklistEntry.objects.get(customer=acme).status in (EntryStatus.SCHEDULED, EntryStatus.POOL)
    client = opened(acme, now)
    promised = as_of + dt.timedelta(days=5)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/portal/items", {"action": "promise", "invoices": ids("INV-1001", "INV-1002"), "promised_date": promised.isoformat()}
        )
    assert response.status_code == 302
    promise = Promise.objects.get(customer=acme)
    assert promise.amount == 1_200_000 + 410_000 and promise.promised_date == promised
    assert sorted(promise.invoices.values_list("invoice_ref", flat=True)) == ["INV-1001", "INV-1002"]
    assert promise.created_by is None
    activity = Activity.objects.get(customer=acme)
    assert (activity.channel, activity.direction, activity.outcome) == (Channel.PORTAL, "in", Outcome.PROMISE_TO_PAY)
    assert promise.made_in == activity
    task = Task.objects.get(customer=acme)
    assert (task.kind, task.user, task.promise) == ("promise_check", team["collector"], promise)
    event = AuditEvent.objects.get(action="promise.make")
    assert event.actor is None and "via customer link" in event.actor_label
    entry = WorklistEntry.objects.get(customer=acme)
    assert entry.status == EntryStatus.EXCLUDED
    page = client.get(response["Location"])
    assert "Thank you. We have noted that you will pay by" in page.content.decode()


def test_a_date_beyond_the_strategys_days_asks_for_a_call_instead(acme, now, as_of, team) -> None:
    definition = strategy_to_data(worklist.BUILT_IN) | {"promise_max_days": 14}
    worklist.save_strategy(actor=None, name="Short promises", definition=definition, segments=[], is_default=True, now=now)
    client = opened(acme, now)
    response = client.post(
        "/portal/items",
        {"action": "promise", "invoices": ids("INV-1001"), "promised_date": (as_of + dt.timedelta(days=15)).isoformat()},
    )
    assert response.status_code == 302
    assert not Promise.objects.exists()
    task = Task.objects.get(customer=acme)
    assert task.kind == "call" and task.user == team["collector"] and "offered online to pay by" in task.title
    activity = Activity.objects.get(customer=acme)
    assert activity.outcome == "" and "beyond the 14 days" in activity.notes
    assert "We will call you to agree on it" in client.get("/portal/").content.decode()
    # On the last allowed day it is a promise.
    client.post(
        "/portal/items",
        {"action": "promise", "invoices": ids("INV-1001"), "promised_date": (as_of + dt.timedelta(days=14)).isoformat()},
    )
    assert Promise.objects.filter(customer=acme).count() == 1


def test_a_date_in_the_past_is_refused_and_nothing_is_written(acme, now, as_of) -> None:
    client = opened(acme, now)
    response = client.post(
        "/portal/items",
        {"action": "promise", "invoices": ids("INV-1001"), "promised_date": (as_of - dt.timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 422
    assert "The date is in the past" in response.content.decode()
    assert not Promise.objects.exists() and not Activity.objects.exists() and not Task.objects.exists()


def test_a_dispute_with_a_photo_opens_a_case_owned_by_the_collector(acme, now, team, django_capture_on_commit_callbacks) -> None:
    client = opened(acme, now)
    photo = SimpleUploadedFile("broken-drill.jpg", JPEG, content_type="image/jpeg")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/portal/items",
            {
                "action": "dispute",
                "invoices": ids("INV-1003"),
                "reason": "quality",
                "comment": "Two drill presses arrived with cracked housings.",
                "file": photo,
            },
        )
    assert response.status_code == 302
    case = Dispute.objects.get(customer=acme)
    assert (case.reason, case.owner, case.created_by, case.amount) == ("quality", team["collector"], None, 500_000)
    assert list(case.invoices.values_list("invoice_ref", flat=True)) == ["INV-1003"]
    comment = Comment.objects.get(dispute=case)
    assert comment.body.startswith("Two drill presses") and "via customer link" in comment.author_label
    attachment = Attachment.objects.get(dispute=case)
    assert (attachment.original_name, attachment.content_type) == ("broken-drill.jpg", "image/jpeg")
    assert "via customer link" in attachment.author_label
    assert case.opened_in.channel == Channel.PORTAL and case.opened_in.customer_feedback.startswith("Two drill presses")
    task = Task.objects.get(customer=acme)
    assert (task.kind, task.dispute, task.user) == ("review", case, team["collector"])
    page = client.get("/portal/").content.decode()
    assert "Disputed: we are looking into it" in page


def test_a_file_that_is_not_what_its_name_says_is_refused_and_no_case_is_opened(acme, now) -> None:
    client = opened(acme, now)
    fake = SimpleUploadedFile("photo.jpg", b"<html><script>alert(1)</script></html>", content_type="image/jpeg")
    response = client.post(
        "/portal/items",
        {"action": "dispute", "invoices": ids("INV-1001"), "reason": "quality", "comment": "See photo", "file": fake},
    )
    assert response.status_code == 422
    assert "The file was not accepted" in response.content.decode()
    assert "See photo" in response.content.decode()  # what was typed is kept
    assert 'value="Petra Payables"' in response.content.decode()  # and the other forms show what is stored
    assert not Dispute.objects.exists() and not Activity.objects.exists()


def test_disputed_items_cannot_be_promised_or_disputed_again(acme, now, as_of) -> None:
    client = opened(acme, now)
    client.post(
        "/portal/items", {"action": "dispute", "invoices": ids("INV-1001"), "reason": "pricing", "comment": "Wrong price"}
    )
    for data in (
        {"action": "dispute", "invoices": ids("INV-1001"), "reason": "pricing", "comment": "Again"},
        {"action": "promise", "invoices": ids("INV-1001", "INV-1002"), "promised_date": as_of.isoformat()},
    ):
        response = client.post("/portal/items", data)
        assert response.status_code == 422
    assert Dispute.objects.count() == 1 and not Promise.objects.exists()


def _next_business_day(after: dt.date) -> dt.date:
    day = after + dt.timedelta(days=1)
    while not is_business_day(day, "DE"):
        day += dt.timedelta(days=1)
    return day


def test_a_callback_is_a_task_at_the_customers_local_time(acme, now, team) -> None:
    client = opened(acme, now)
    day = _next_business_day(local_time(now, "Europe/Berlin").date())
    response = client.post("/portal/callback", {"day": day.isoformat(), "time": "10:30", "note": "About the drill presses"})
    assert response.status_code == 302
    task = Task.objects.get(customer=acme)
    assert task.kind == "callback" and task.user == team["collector"] and task.zone == "Europe/Berlin"
    assert task.due_at == at_local(day, dt.time(10, 30), "Europe/Berlin")
    assert task.due_at.astimezone(zoneinfo.ZoneInfo("Europe/Berlin")).time() == dt.time(10, 30)
    activity = Activity.objects.get(customer=acme)
    assert activity.outcome == Outcome.CALLBACK and activity.customer_feedback == "About the drill presses"


@pytest.mark.parametrize(
    ("shift", "wall", "message"), [(0, "20:00", "We do not call at that time"), (-3, "10:00", "already passed")]
)
def test_a_callback_outside_the_calling_hours_or_in_the_past_is_refused(acme, now, shift, wall, message) -> None:
    client = opened(acme, now)
    day = _next_business_day(local_time(now, "Europe/Berlin").date()) + dt.timedelta(days=shift)
    response = client.post("/portal/callback", {"day": day.isoformat(), "time": wall})
    assert response.status_code == 422 and message in response.content.decode()
    assert not Task.objects.exists()


def test_a_pool_customers_requests_go_to_the_least_busy_senior(acme, now, team) -> None:
    acme.collector = None
    acme.save()
    client = opened(acme, now)
    day = _next_business_day(local_time(now, "Europe/Berlin").date())
    client.post("/portal/callback", {"day": day.isoformat(), "time": "11:00"})
    assert Task.objects.get(customer=acme).user == team["senior"]


def test_the_contact_is_corrected_audited_and_the_worklist_hears_of_it(acme, now, django_capture_on_commit_callbacks) -> None:
    client = opened(acme, now)
    heard = []
    from recoup.ledger.events import customer_changed

    def hear(sender, change, **kwargs):  # type: ignore[no-untyped-def]
        heard.append(change)

    customer_changed.connect(hear, weak=False, dispatch_uid="test-contact")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/portal/contact", {"name": "Paula Payables", "email": "paula@acme.example", "phone": "030 98765432"}
            )
    finally:
        customer_changed.disconnect(dispatch_uid="test-contact")
    assert response.status_code == 302
    contact = Contact.objects.get(customer=acme)
    assert (contact.name, contact.email, contact.phone, contact.is_primary) == (
        "Paula Payables",
        "paula@acme.example",
        "+493098765432",
        True,
    )
    event = AuditEvent.objects.get(action="contact.update")
    assert event.before["name"] == "Petra Payables" and event.after["phone"] == "+493098765432"
    assert any("contact" in change.kinds and acme.pk in change.customer_ids for change in heard)
    assert Activity.objects.get(customer=acme).channel == Channel.PORTAL


def test_a_bad_phone_number_is_refused_in_words(acme, now) -> None:
    client = opened(acme, now)
    response = client.post("/portal/contact", {"name": "Paula", "email": "paula@acme.example", "phone": "12"})
    assert response.status_code == 422 and "Enter a valid phone number" in response.content.decode()
    assert Contact.objects.get(customer=acme).name == "Petra Payables"


def test_feedback_is_an_inbound_portal_activity(acme, now) -> None:
    client = opened(acme, now)
    client.post("/portal/feedback", {"message": "Please send invoices to ap@acme.example from now on."})
    activity = Activity.objects.get(customer=acme)
    assert activity.channel == Channel.PORTAL and activity.direction == "in"
    assert activity.customer_feedback == "Please send invoices to ap@acme.example from now on."
    assert client.post("/portal/feedback", {"message": "  "}).status_code == 422
