"""The Outbox page and the template editor, as managers, seniors and collectors see them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from recoup.accounts.models import Role
from recoup.audit.models import AuditEvent
from recoup.dunning import sending
from recoup.dunning.models import Message, MessageStatus, MessageTemplate

from .outbox_builders import customer, invoice, make_user, manager, queue_message, template
from .smtp_sink import Sink, running

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 11, 20)


@pytest.fixture
def sink() -> Iterator[Sink]:
    yield from running()


@pytest.fixture
def held(settings) -> Message:  # type: ignore[no-untyped-def]
    settings.RECOUP_SMTP_URL = ""
    template()
    c = customer()
    message = queue_message(c, [invoice(c, "INV-42", 12_300, AS_OF - dt.timedelta(days=2))], as_of=AS_OF)
    sending.send_now(None, now=timezone.now())
    message.refresh_from_db()
    return message


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def test_seniors_see_the_outbox_with_status_filters_and_collectors_do_not(held: Message) -> None:
    senior = client_for(make_user("senior", Role.SENIOR))
    page = senior.get(reverse("followups-outbox")).content.decode()
    assert "No mail server is configured" in page
    assert held.subject in page and "ap@acme.example" in page
    assert held.subject not in senior.get(reverse("followups-outbox") + "?status=sent").content.decode()
    assert held.subject in senior.get(reverse("followups-outbox") + "?status=held&q=acme").content.decode()
    detail = senior.get(reverse("followups-message", args=[held.pk])).content.decode()
    assert held.message_id.replace("<", "&lt;").replace(">", "&gt;") in detail and "INV-42" in detail
    assert "Send again" not in detail  # only managers
    assert senior.post(reverse("followups-resend", args=[held.pk])).status_code == 403
    collector = client_for(make_user("col", Role.COLLECTOR))
    assert collector.get(reverse("followups-outbox")).status_code == 403


def test_a_manager_sends_a_held_message_once_a_server_is_set(
    held: Message, sink: Sink, settings, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    boss = client_for(manager())
    assert "Send again" in boss.get(reverse("followups-message", args=[held.pk])).content.decode()
    settings.RECOUP_SMTP_URL = sink.url
    with django_capture_on_commit_callbacks(execute=True):
        response = boss.post(reverse("followups-resend", args=[held.pk]), follow=True)
    assert "Queued again" in response.content.decode()
    held.refresh_from_db()
    assert held.status == MessageStatus.SENT
    assert sink.message_ids() == [held.message_id]
    assert AuditEvent.objects.filter(action="message.resend").count() == 1


def test_a_flagged_message_needs_confirming_before_it_is_sent_again(held: Message) -> None:
    Message.objects.filter(pk=held.pk).update(body_text="Pay now or we will sue you, you idiots.")
    boss = client_for(manager())
    page = boss.get(reverse("followups-message", args=[held.pk])).content.decode()
    assert "The tone check flagged this message" in page
    response = boss.post(reverse("followups-resend", args=[held.pk]), follow=True)
    assert "confirm that it may go out" in response.content.decode()
    held.refresh_from_db()
    assert held.status == MessageStatus.HELD


def test_the_editor_names_every_problem_and_saves_nothing(held: Message) -> None:
    boss = client_for(manager())
    sample = MessageTemplate.objects.get(key="friendly-reminder", language="en")
    before = sample.body
    form = {
        "key": sample.key,
        "language": "en",
        "channel": "email",
        "name": sample.name,
        "subject": "{{ totl }}",
        "body": "{{ items_table.upper() }}",
        "action": "save",
    }
    page = boss.post(reverse("followups-template-edit", args=[sample.pk]), form).content.decode()
    assert "unknown variable “totl”" in page and "Did you mean “total”?" in page
    assert "calling a function or method cannot be used" in page
    sample.refresh_from_db()
    assert sample.body == before
    collector = client_for(make_user("col", Role.COLLECTOR))
    assert collector.get(reverse("followups-templates")).status_code == 403


def test_the_editor_previews_on_a_real_customer_and_tone_checks_on_save(held: Message) -> None:
    boss = client_for(manager())
    sample = MessageTemplate.objects.get(key="overdue-notice", language="en")
    form = {
        "key": sample.key,
        "language": "en",
        "channel": "email",
        "name": sample.name,
        "subject": sample.subject,
        "body": sample.body + "\nPay today.",
        "customer": "ACME",
        "action": "preview",
    }
    page = boss.post(reverse("followups-template-edit", args=[sample.pk]), form).content.decode()
    assert "Preview for Acme Inc." in page and "INV-42" in page and "Pay today." in page
    form.update(body="Pay now or we will take you to court, you idiots.", action="save")
    page = boss.post(reverse("followups-template-edit", args=[sample.pk]), form).content.decode()
    assert "The tone check flagged" in page
    sample.refresh_from_db()
    assert "idiots" not in sample.body
    form["confirm_tone"] = "1"
    response = boss.post(reverse("followups-template-edit", args=[sample.pk]), form, follow=True)
    assert "saved" in response.content.decode()
    sample.refresh_from_db()
    assert "idiots" in sample.body
    assert AuditEvent.objects.filter(action="message_template.tone_flagged").count() == 1
