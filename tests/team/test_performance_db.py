"""Collector performance from the database: a hand-built week of activity, counted by hand.

The week is Monday 2 to Sunday 8 November 2026; the company's zone is New York (the default).
Ana (a collector) holds Acme and Euro GmbH; Ben (a senior) holds Bolt; Pool Co is nobody's.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from recoup.accounts.models import Role, User
from recoup.activities.models import Activity, Outcome
from recoup.disputes.models import Dispute
from recoup.ledger.models import Allocation, Customer, FxRate, Invoice, Payment
from recoup.promises.models import Promise
from recoup.team import performance

pytestmark = pytest.mark.django_db

D = dt.date
MON, SUN = D(2026, 11, 2), D(2026, 11, 8)


def at(day: int, hour: int, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 0, tzinfo=dt.UTC)


def call(user: User, customer: Customer, when: dt.datetime, outcome: str) -> Activity:
    return Activity.objects.create(customer=customer, user=user, channel="call", at=when, outcome=outcome)


def promise(user: User, customer: Customer, made: dt.datetime, status: str, resolved: dt.date | None) -> None:
    Promise.objects.create(
        customer=customer,
        amount=100,
        currency=customer.currency,
        promised_date=made.date() + dt.timedelta(days=3),
        status=status,
        created_by=user,
        created_at=made,
        resolved_on=resolved,
    )


def paid(customer: Customer, ref: str, amount: int, issued: dt.date, received: dt.date) -> None:
    invoice = Invoice.objects.create(
        customer=customer,
        invoice_ref=ref,
        issue_date=issued,
        due_date=issued + dt.timedelta(days=30),
        currency=customer.currency,
        amount=amount,
        open_amount=0,
    )
    payment = Payment.objects.create(
        customer=customer,
        payment_ref=f"P-{ref}",
        received_on=received,
        amount=amount,
        currency=customer.currency,
        unapplied_amount=0,
    )
    Allocation.objects.create(invoice=invoice, payment=payment, amount=amount, applied_on=received)


@pytest.fixture
def week() -> tuple[User, User]:
    ana = User.objects.create_user(email="ana@example.com", password="x", role=Role.COLLECTOR, first_name="Ana")
    ben = User.objects.create_user(email="ben@example.com", password="x", role=Role.SENIOR, first_name="Ben")
    acme = Customer.objects.create(customer_ref="ACME", name="Acme", currency="USD", collector=ana)
    euro = Customer.objects.create(customer_ref="EURO", name="Euro GmbH", currency="EUR", collector=ana)
    bolt = Customer.objects.create(customer_ref="BOLT", name="Bolt", currency="USD", collector=ben)
    pool = Customer.objects.create(customer_ref="POOL", name="Pool Co", currency="USD")
    FxRate.objects.create(currency="EUR", on=D(2026, 10, 1), rate=Decimal("1.1"))

    call(ana, acme, at(2, 14), Outcome.PROMISE_TO_PAY)
    call(ana, acme, at(2, 15), Outcome.NO_ANSWER)
    # 03:00 UTC on Tuesday is 22:00 on Monday in New York: a Monday call.
    call(ana, euro, at(3, 3), Outcome.CONVERSATION)
    call(ana, euro, at(4, 14), Outcome.CALLBACK)
    call(ben, bolt, at(5, 14), Outcome.VOICEMAIL)
    call(ben, bolt, at(5, 15), Outcome.WRONG_CONTACT)
    call(ben, bolt, at(6, 14), Outcome.REFUSED)
    call(ana, acme, at(9, 14), Outcome.CONVERSATION)  # the next Monday
    Activity.objects.create(customer=acme, user=ana, channel="email", at=at(3, 14), outcome=Outcome.SENT)  # not a call

    promise(ana, acme, at(2, 14), "kept", D(2026, 11, 5))
    promise(ana, euro, at(3, 14), "broken", D(2026, 11, 7))
    promise(ana, acme, at(4, 14), "open", None)
    promise(ana, acme, at(20, 14, month=10), "kept", MON)  # made before the week, judged on its Monday
    promise(ben, bolt, at(6, 14), "partially_kept", SUN)

    Dispute.objects.create(
        customer=acme, reason="pricing", amount=1, currency="USD", opened_on=MON, resolved_on=D(2026, 11, 4), status="resolved"
    )
    Dispute.objects.create(customer=bolt, reason="pricing", amount=1, currency="USD", opened_on=D(2026, 11, 3))
    Dispute.objects.create(
        customer=euro,
        reason="pricing",
        amount=1,
        currency="EUR",
        opened_on=D(2026, 10, 1),
        resolved_on=D(2026, 11, 6),
        status="resolved",
    )

    paid(acme, "A-1", 100_00, D(2026, 10, 3), D(2026, 11, 3))  # 31 days
    paid(euro, "E-1", 50_00, D(2026, 10, 5), D(2026, 11, 5))  # 31 days, 55.00 USD
    paid(bolt, "B-1", 200_00, D(2026, 9, 7), D(2026, 11, 6))  # 60 days
    paid(pool, "P-1", 9_99, D(2026, 10, 1), MON)  # nobody's portfolio
    paid(acme, "A-0", 10_00, D(2026, 10, 1), D(2026, 10, 30))  # the Friday before
    return ana, ben


def test_the_week_from_the_database_equals_the_hand_count(week) -> None:
    ana, ben = week
    frame = performance.figures(start=MON, end=SUN, period="week", collector_ids=[ana.pk, ben.pk])
    figures = {r["collector_id"]: r for r in frame.iter_rows(named=True)}
    a, b = figures[ana.pk], figures[ben.pk]
    assert (a["calls"], a["right_party_contacts"], a["right_party_rate"]) == (4, 3, 0.75)
    assert (a["promises_made"], a["promises_judged"], a["promises_kept"]) == (3, 3, 2)
    assert (a["cash_collected"], a["avg_days_to_collect"]) == (155_00, 31.0)
    assert (a["disputes_opened"], a["disputes_resolved"]) == (1, 2)
    assert (b["calls"], b["right_party_contacts"]) == (3, 1)
    assert (b["promises_made"], b["promises_judged"], b["promises_kept"], b["kept_rate"]) == (1, 1, 0, 0.0)
    assert (b["cash_collected"], b["avg_days_to_collect"]) == (200_00, 60.0)
    assert (b["disputes_opened"], b["disputes_resolved"]) == (1, 0)


def test_by_day_the_late_call_counts_on_the_new_york_monday(week) -> None:
    ana, _ = week
    frame = performance.figures(start=MON, end=SUN, period="day", collector_ids=[ana.pk])
    calls = {r["period"]: r["calls"] for r in frame.iter_rows(named=True)}
    assert [calls[MON + dt.timedelta(days=i)] for i in range(7)] == [3, 0, 1, 0, 0, 0, 0]


def test_the_team_page_shows_the_figures_and_trends(client, week) -> None:
    ana, ben = week
    client.force_login(ben)
    page = client.get("/team/?period=week").content.decode()
    assert "Portfolios and today's capacity" in page and "<svg" in page
    assert "Ana" in page and "Right-party contacts" in page
    client.force_login(ana)
    assert client.get("/team/").status_code == 403
