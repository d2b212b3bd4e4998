"""The outbox sends each message over a real SMTP server (aiosmtpd) and says what became of it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from recoup.accounts.models import Role
from recoup.activities.models import Activity
from recoup.dunning import delivery, outbox, sending
from recoup.dunning.models import Message, MessageStatus, SequenceStep
from recoup.worklist.models import Strategy

from .outbox_builders import customer, invoice, make_user, manager, queue_message, template
from .smtp_sink import Sink, free_port, running

AS_OF = dt.date(2026, 11, 20)
NOW = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def sink() -> Iterator[Sink]:
    yield from running()


@pytest.fixture
def overdue(db):  # type: ignore[no-untyped-def]
    template()
    c = customer()
    return queue_message(c, [invoice(c, "INV-7", 99_500, AS_OF - dt.timedelta(days=3))], as_of=AS_OF, now=NOW)


def test_a_message_goes_out_with_its_message_id_and_the_servers_answer(overdue, sink: Sink, settings) -> None:  # type: ignore[no-untyped-def]
    settings.RECOUP_SMTP_URL = sink.url
    done = sending.send_now([overdue.pk], now=NOW)
    assert done.sent == [overdue.pk]
    overdue.refresh_from_db()
    assert overdue.status == MessageStatus.SENT
    assert overdue.sent_at == NOW
    assert overdue.server_reply == "250 2.0.0 Ok: queued as SINK1"
    [received] = sink.received
    assert received.recipients == ["ap@acme.example"]
    assert received.message_id == overdue.message_id
    assert received.message["Subject"] == overdue.subject
    plain = received.message.get_body(("plain",))
    assert plain is not None and "INV-7" in plain.get_content()
    assert received.message.get_body(("html",)) is not None
    # The customer's history says it went out.
    activity = Activity.objects.get(customer=overdue.customer)
    assert activity.channel == "email" and activity.outcome == "sent"
    assert overdue.subject in activity.notes and "SINK1" in activity.notes
    # Sending again does nothing: the message is no longer queued.
    assert sending.send_now([overdue.pk], now=NOW).count == 0
    assert len(sink.received) == 1


def test_without_a_mail_server_messages_are_kept_in_the_outbox(overdue, settings) -> None:  # type: ignore[no-untyped-def]
    settings.RECOUP_SMTP_URL = ""
    sending.send_now(None, now=NOW)
    overdue.refresh_from_db()
    assert overdue.status == MessageStatus.HELD
    assert "RECOUP_SMTP_URL" in overdue.server_reply
    assert "kept in the outbox" in Activity.objects.get(customer=overdue.customer).notes


def test_a_refusal_fails_the_message_with_the_servers_words(overdue, sink: Sink, settings) -> None:  # type: ignore[no-untyped-def]
    settings.RECOUP_SMTP_URL = sink.url
    sink.refuse_with = "554 5.7.1 Rejected: mailbox unavailable"
    sending.send_now(None, now=NOW)
    overdue.refresh_from_db()
    assert overdue.status == MessageStatus.FAILED
    assert overdue.last_error == "554 5.7.1 Rejected: mailbox unavailable"
    assert "could not be sent" in Activity.objects.get(customer=overdue.customer).notes


def test_a_temporary_failure_is_tried_again_later_with_growing_delays(overdue, sink: Sink, settings) -> None:  # type: ignore[no-untyped-def]
    settings.RECOUP_SMTP_URL = sink.url
    sink.refuse_with = "451 4.3.0 Try again later"
    sending.send_now(None, now=NOW)
    overdue.refresh_from_db()
    assert overdue.status == MessageStatus.QUEUED
    assert overdue.last_error == "451 4.3.0 Try again later"
    assert overdue.next_attempt_at == NOW + dt.timedelta(minutes=1)
    assert sending.send_now(None, now=NOW + dt.timedelta(seconds=30)).count == 0  # not yet
    sending.send_now(None, now=NOW + dt.timedelta(minutes=1))
    overdue.refresh_from_db()
    assert overdue.next_attempt_at == NOW + dt.timedelta(minutes=1) + dt.timedelta(minutes=2)
    sink.refuse_with = None
    sending.send_now(None, now=NOW + dt.timedelta(minutes=3))
    overdue.refresh_from_db()
    assert overdue.status == MessageStatus.SENT and overdue.attempts == 3
    assert not Activity.objects.exclude(outcome="sent").exists()  # retries are not outcomes


def test_no_server_listening_is_a_temporary_failure(overdue, settings) -> None:  # type: ignore[no-untyped-def]

    settings.RECOUP_SMTP_URL = f"smtp://127.0.0.1:{free_port()}"
    sending.send_now(None, now=NOW)
    overdue.refresh_from_db()
    assert overdue.status == MessageStatus.QUEUED
    assert overdue.last_error.startswith("Could not talk to the mail server")


def test_a_crashed_workers_claim_runs_out_and_the_message_goes_out_with_the_same_id(overdue, sink: Sink, settings) -> None:  # type: ignore[no-untyped-def]
    settings.RECOUP_SMTP_URL = sink.url
    [claimed] = delivery.claim(None, now=NOW)  # a worker took it and died
    assert sending.send_now(None, now=NOW + dt.timedelta(seconds=60)).count == 0  # its lease still holds
    sending.send_now(None, now=NOW + delivery.lease() + dt.timedelta(seconds=1))
    assert sink.message_ids() == [overdue.message_id]
    # The dead worker's late status write cannot overwrite the new one.
    delivery.finish(claimed, MessageStatus.FAILED, "stale", now=NOW)
    overdue.refresh_from_db()
    assert overdue.status == MessageStatus.SENT


def test_messages_go_to_the_worker_only_when_the_run_commits(
    overdue, sink: Sink, settings, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    settings.RECOUP_SMTP_URL = sink.url
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        outbox.send_after_commit([overdue.pk])
        raise RuntimeError("the run failed")
    assert callbacks == [] and sink.received == []
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            outbox.send_after_commit([overdue.pk])
        assert sink.received == []
    assert sink.message_ids() == [overdue.message_id]


def test_a_manager_sends_a_message_again_with_the_same_message_id(
    overdue, sink: Sink, settings, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    settings.RECOUP_SMTP_URL = ""
    sending.send_now(None, now=NOW)
    settings.RECOUP_SMTP_URL = sink.url
    with pytest.raises(PermissionDenied):
        outbox.resend(overdue, actor=make_user("col", Role.COLLECTOR), now=NOW)
    boss = manager()
    with django_capture_on_commit_callbacks(execute=True):
        outbox.resend(overdue, actor=boss, now=timezone.now())
    overdue.refresh_from_db()
    assert overdue.status == MessageStatus.SENT
    assert sink.message_ids() == [overdue.message_id]
    notes = list(Activity.objects.filter(customer=overdue.customer).order_by("pk").values_list("notes", flat=True))
    assert "kept in the outbox" in notes[0] and " sent: " in notes[1]
    with pytest.raises(outbox.OutboxError):
        overdue.status = MessageStatus.QUEUED
        overdue.save()
        outbox.resend(overdue, actor=boss, now=NOW)


def test_the_statement_of_account_is_attached_when_the_step_asks(overdue, sink: Sink, settings) -> None:  # type: ignore[no-untyped-def]
    settings.RECOUP_SMTP_URL = sink.url
    strategy = Strategy.objects.create(name="Outbox test")
    step = SequenceStep.objects.create(
        strategy=strategy,
        key="overdue",
        label="Overdue",
        offset_days=1,
        channel="email",
        template_key="overdue-notice",
        attach_statement=True,
    )
    overdue.step = step
    overdue.save()
    sending.send_now(None, now=NOW)
    [received] = sink.received
    [pdf] = list(received.message.iter_attachments())
    assert pdf.get_filename() == "statement-ACME-2026-11-20.pdf"
    assert pdf.get_content().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://mail.example", "must start with smtp://"),
        ("smtp://:25", "names no host"),
        ("smtp://mail.example:99999", "port"),
    ],
)
def test_a_wrong_smtp_url_is_named(url: str, problem: str) -> None:
    with pytest.raises(delivery.SmtpUrlError, match=problem):
        delivery.smtp_server(url)


def test_smtp_url_with_login_and_starttls() -> None:
    server = delivery.smtp_server("smtp://ar%40example.com:s3cr%2Ft@mail.example:587?starttls=1")
    assert server == delivery.SmtpServer("mail.example", 587, "ar@example.com", "s3cr/t", starttls=True, ssl=False)


def test_a_letter_goes_to_print_or_as_a_pdf_by_e_mail(overdue, sink: Sink, settings) -> None:  # type: ignore[no-untyped-def]
    settings.RECOUP_SMTP_URL = sink.url
    Message.objects.filter(pk=overdue.pk).update(channel="letter", to_address="")
    sending.send_now(None, now=NOW)
    overdue.refresh_from_db()
    assert overdue.status == MessageStatus.SENT and overdue.server_reply == delivery.FOR_PRINT
    assert sink.received == []
    assert "Letter (overdue) sent" in Activity.objects.get(customer=overdue.customer).notes
    # With an address, the letter goes as a PDF attached to an e-mail.
    c = overdue.customer
    by_mail = queue_message(
        c, [invoice(c, "INV-8", 10_000, AS_OF - dt.timedelta(days=31))], as_of=AS_OF, step_key="final", now=NOW
    )
    Message.objects.filter(pk=by_mail.pk).update(channel="letter")
    sending.send_now(None, now=NOW)
    [received] = sink.received
    [pdf] = list(received.message.iter_attachments())
    assert pdf.get_filename() == "letter-ACME-2026-11-20.pdf"
    assert pdf.get_content().startswith(b"%PDF")


@pytest.mark.django_db
def test_a_report_to_a_manager_goes_through_the_outbox_once_per_key(
    sink: Sink, settings, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    settings.RECOUP_SMTP_URL = sink.url
    boss = manager()
    report = Path(settings.DATA_DIR) / "reports" / "daily" / "2026-11-20.pdf"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_bytes(b"%PDF-1.4 daily report")
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            message = outbox.queue_internal(
                user=boss,
                subject="Daily status 20 Nov",
                body_text="See the attached report.",
                attachments=[("daily.pdf", report, "application/pdf")],
                key="daily:2026-11-20",
                now=NOW,
            )
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.customer is None and message.kind == "report"
    [received] = sink.received
    assert received.recipients == ["manager@example.com"]
    assert [a.get_filename() for a in received.message.iter_attachments()] == ["daily.pdf"]
    assert not Activity.objects.exists()  # nobody at a customer was contacted
    with pytest.raises(outbox.OutboxError, match="not under RECOUP_DATA_DIR"):
        outbox.queue_internal(
            user=boss, subject="x", body_text="x", attachments=[("p", Path("/etc/passwd"), "text/plain")], key="k", now=NOW
        )
