"""The team pages in a browser: a manager reads portfolios and performance and moves customers in
bulk; a senior scores a call and the collector reads the coaching note on My feedback."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.utils import timezone

from recoup.accounts.models import Role, User
from recoup.activities.models import Activity, Outcome
from recoup.ledger.models import Allocation, Customer, Invoice, Payment
from recoup.promises.models import Promise
from recoup.worklist import services as worklist

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "browser-test-password-7"


def _person(email: str, first: str, last: str, role: str) -> User:
    return User.objects.create_user(email=email, password=PASSWORD, first_name=first, last_name=last, role=role)


@pytest.fixture
def team() -> dict[str, object]:
    """Three callers and a manager; six weeks of calls, promises and payments on their books."""
    people = {
        "cara": _person("cara@demo.example", "Cara", "Collector", Role.COLLECTOR),
        "dev": _person("dev@demo.example", "Dev", "Dialer", Role.COLLECTOR),
        "sam": _person("sam@demo.example", "Sam", "Senior", Role.SENIOR),
        "max": _person("max@demo.example", "Max", "Manager", Role.MANAGER),
    }
    today = timezone.localdate()
    now = timezone.now()
    callers = [people["cara"], people["dev"], people["sam"]]
    for n in range(12):
        owner = callers[n % 3]
        segment = "retail" if n % 2 else "wholesale"
        customer = Customer.objects.create(
            customer_ref=f"K-{n}", name=f"Customer {n:02d} Ltd", country="US", segment=segment, collector=owner, currency="USD"
        )
        for k in range(2):
            issued = today - dt.timedelta(days=70 + 10 * k + n)
            Invoice.objects.create(
                customer=customer,
                invoice_ref=f"I-{n}-{k}",
                issue_date=issued,
                due_date=issued + dt.timedelta(days=30),
                currency="USD",
                amount=(n + 2) * 1_000_00,
                open_amount=(n + 2) * 1_000_00,
            )
        for week in range(6):
            when = now - dt.timedelta(days=7 * week + n % 5, hours=2)
            for c in range(1 + (n + week) % 3):
                Activity.objects.create(
                    customer=customer,
                    user=owner,
                    channel="call",
                    at=when - dt.timedelta(minutes=10 * c),
                    outcome=Outcome.CONVERSATION if (c + week) % 2 else Outcome.NO_ANSWER,
                )
            status = ("kept", "broken", "partially_kept")[(n + week) % 3]
            Promise.objects.create(
                customer=customer,
                amount=500_00,
                currency="USD",
                promised_date=when.date(),
                status=status,
                created_by=owner,
                created_at=when - dt.timedelta(days=5),
                resolved_on=when.date(),
            )
            paid = Invoice.objects.create(
                customer=customer,
                invoice_ref=f"P-{n}-{week}",
                issue_date=when.date() - dt.timedelta(days=40 + n),
                due_date=when.date() - dt.timedelta(days=10),
                currency="USD",
                amount=(n + 1) * 250_00,
                open_amount=0,
            )
            payment = Payment.objects.create(
                customer=customer,
                payment_ref=f"PAY-{n}-{week}",
                received_on=when.date(),
                amount=(n + 1) * 250_00,
                currency="USD",
                unapplied_amount=0,
            )
            Allocation.objects.create(invoice=paid, payment=payment, amount=(n + 1) * 250_00, applied_on=when.date())
    worklist.rebuild(at=now)
    return people


def _log_in(page, live_server, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.wait_for_load_state()


def test_a_manager_reads_the_team_and_moves_customers_in_bulk(browser, page, live_server, team, tmp_path) -> None:  # type: ignore[no-untyped-def]
    shots = DOCS_SCREENSHOTS if os.environ.get("RECOUP_WRITE_SCREENSHOTS") else tmp_path
    _log_in(page, live_server, "max@demo.example")
    page.get_by_role("link", name="Team", exact=True).click()
    page.wait_for_url(re.compile(r"/team/$"))
    main = page.locator("main")
    assert "Portfolios and today's capacity" in main.inner_text()
    portfolios = page.locator("table.data").first.inner_text()
    assert "Cara Collector" in portfolios and "Shared pool" in portfolios
    performance = page.locator("#performance").inner_text()
    assert "Dev Dialer" in performance and "Avg days to collect" in performance
    assert page.locator(".trend-grid svg").count() == 4
    page.screenshot(path=str(shots / "team.png"), full_page=True)

    page.get_by_role("link", name="Bulk reassignment").click()
    page.get_by_label("Segment").select_option("retail")
    page.get_by_label("Now with").select_option(label="Cara Collector")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_load_state()
    # Cara holds customers 0, 3, 6 and 9; the odd ones (3 and 9) are retail.
    assert page.locator("#match-count").inner_text() == "2"
    page.get_by_label("Move them to").select_option(label="Dev Dialer (Collector)")
    page.get_by_role("button", name="Move 2 customers").click()
    page.wait_for_load_state()
    assert "2 customers moved to Dev Dialer." in page.locator(".messages").inner_text()
    assert set(Customer.objects.filter(customer_ref__in=["K-3", "K-9"]).values_list("collector__email", flat=True)) == {
        "dev@demo.example"
    }


def test_a_senior_scores_a_call_and_the_collector_reads_the_note(browser, page, live_server, team, tmp_path) -> None:  # type: ignore[no-untyped-def]
    shots = DOCS_SCREENSHOTS if os.environ.get("RECOUP_WRITE_SCREENSHOTS") else tmp_path
    call = Activity.objects.filter(user=team["cara"]).order_by("-at").first()
    assert call is not None
    Activity.objects.filter(pk=call.pk).update(
        outcome=Outcome.CONVERSATION, notes="AP says the invoice is approved; payment run on Friday."
    )

    _log_in(page, live_server, "sam@demo.example")
    page.get_by_role("link", name="Team", exact=True).click()
    page.get_by_role("link", name="Call review").click()
    page.get_by_label("Collector").select_option(label="Cara Collector")
    page.get_by_label("Not reviewed yet").check()
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    page.locator(f'a[href="/team/reviews/{call.pk}/"]').click()
    page.wait_for_url(re.compile(rf"/team/reviews/{call.pk}/$"))
    assert "payment run on Friday" in page.locator("main").inner_text()
    for criterion, score in (
        ("Objective stated", "2"),
        ("Tone", "2"),
        ("Documented", "1"),
        ("Follow-up set", "0"),
        ("Outcome", "1"),
    ):
        page.locator("fieldset", has=page.get_by_text(criterion, exact=True)).locator(f'input[value="{score}"]').check()
    page.get_by_label("Coaching notes").fill(
        "Good opening. Before you hang up, agree the date and time of the next call with them."
    )
    page.screenshot(path=str(shots / "call-review.png"), full_page=True)
    page.get_by_role("button", name="Save the review").click()
    page.wait_for_load_state()
    assert "sees it on My feedback" in page.locator(".messages").inner_text()

    page.get_by_role("button", name="Log out").click()
    _log_in(page, live_server, "cara@demo.example")
    assert page.get_by_role("link", name="Team", exact=True).count() == 0
    page.get_by_role("link", name="My feedback").click()
    feedback = page.locator("main").inner_text()
    assert "agree the date and time of the next call" in feedback and "6/10" in feedback
    assert "Follow-up set: 0" in feedback
    page.goto(f"{live_server.url}/team/reviews/{call.pk}/")
    assert "Only senior collectors and managers review calls" in page.locator("body").inner_text()
