"""The managers' daily status report reaches them by e-mail through the outbox, at 07:00 their
time, once, with its PDF attached; without an address it stays on the Daily reports page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest

from recoup.accounts.models import User
from recoup.dunning.models import Message, MessageStatus
from recoup.reports import daily
from recoup.reports.models import DailyReport

from .smtp_sink import Sink, running

pytestmark = pytest.mark.django_db

SYDNEY = ZoneInfo("Australia/Sydney")
DAY = dt.date(2026, 3, 3)


@pytest.fixture
def sink() -> Iterator[Sink]:
    yield from running()


def test_the_report_is_mailed_at_seven_in_the_managers_zone_once_with_its_pdf(
    sink: Sink, settings, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    settings.RECOUP_SMTP_URL = sink.url
    boss = User.objects.create_user(email="syd@example.com", password="x" * 12, role="manager", timezone="Australia/Sydney")
    with django_capture_on_commit_callbacks(execute=True):
        assert daily.deliver_due_reports(now=dt.datetime.combine(DAY, dt.time(6, 59), tzinfo=SYDNEY)) == []
    assert sink.received == []
    seven = dt.datetime.combine(DAY, dt.time(7, 0), tzinfo=SYDNEY)
    for minutes in (0, 15):  # the job runs every quarter of an hour: the second run sends nothing
        with django_capture_on_commit_callbacks(execute=True):
            daily.deliver_due_reports(now=seven + dt.timedelta(minutes=minutes))
    [received] = sink.received
    assert received.recipients == ["syd@example.com"]
    assert received.message["Subject"] == "Daily status report, Tuesday 3 March 2026"
    [pdf] = list(received.message.iter_attachments())
    assert pdf.get_filename() == "status-report-2026-03-03.pdf"
    assert pdf.get_content().startswith(b"%PDF")
    assert "Daily status report" in received.message.get_body(preferencelist=("plain",)).get_content()
    message = Message.objects.get()
    assert (message.recipient, message.kind, message.status) == (boss, "report", MessageStatus.SENT)


def test_a_manager_without_an_address_still_gets_the_report_on_the_page(settings) -> None:  # type: ignore[no-untyped-def]
    settings.RECOUP_SMTP_URL = ""
    boss = User.objects.create_user(email="syd@example.com", password="x" * 12, role="manager", timezone="Australia/Sydney")
    User.objects.filter(pk=boss.pk).update(email="")
    daily.deliver_due_reports(now=dt.datetime.combine(DAY, dt.time(7, 0), tzinfo=SYDNEY))
    assert DailyReport.objects.filter(user=boss, date=DAY).exists()
    assert not Message.objects.exists()
