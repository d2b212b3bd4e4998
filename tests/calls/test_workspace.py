"""The collector's workspace through its pages: prep sheet, outcomes, tasks, plans, roles, feed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from recoup.accounts.models import Role, User
from recoup.activities.models import Activity
from recoup.calls.models import FeedToken
from recoup.disputes.models import Dispute
from recoup.kernel.calendar import is_public_holiday
from recoup.ledger.models import Contact, Customer, Invoice
from recoup.promises.models import PaymentPlan, Promise
from recoup.worklist import services as worklist
from recoup.worklist.models import Task, WorklistEntry

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def _user(email: str, role: str) -> User:
    return User.objects.create_user(email=email, password=PASSWORD, role=role)


@pytest.fixture
def team() -> dict[str, User]:
    return {r: _user(f"{r}@example.com", r) for r in ("collector", "senior", "manager")} | {
        "other": _user("other@example.com", Role.COLLECTOR)
    }


@pytest.fixture
def acme(team: dict[str, User]) -> Customer:
    today = timezone.localdate()
    customer = Customer.objects.create(
        customer_ref="ACME", name="Acme Tools", country="DE", currency="EUR", collector=team["collector"]
    )
    Contact.objects.create(customer=customer, name="Petra Payables", phone="+493012345678", is_primary=True)
    for ref, days_late, amount in (("INV-1", 40, 1_200_000), ("INV-2", 10, 300_000), ("INV-3", -10, 500_000)):
        Invoice.objects.create(
            customer=customer,
            invoice_ref=ref,
            issue_date=today - dt.timedelta(days=days_late + 30),
            due_date=today - dt.timedelta(days=days_late),
            currency="EUR",
            amount=amount,
            open_amount=amount,
        )
    return customer


def _inv(ref: str) -> int:
    return Invoice.objects.get(invoice_ref=ref).pk


def test_the_prep_sheet_shows_objective_items_contacts_script_and_offers(client, team, acme) -> None:
    worklist.rebuild(at=dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC))
    client.force_login(team["collector"])
    page = client.get(f"/calls/{acme.pk}/").content.decode()
    for text in (
        "Acme Tools",
        "INV-1",
        "Petra Payables",
        'href="tel:+493012345678"',
        "up to <strong>2 %</strong>",
        "Log the call",
    ):
        assert text in page, text
    assert "Script" in page and "could not be shown" not in page


def test_a_sip_uri_template_is_used_for_click_to_call(client, team, acme, settings) -> None:
    settings.RECOUP_DIAL_URI = "sip:{e164}@pbx.example"
    client.force_login(team["collector"])
    assert 'href="sip:+493012345678@pbx.example"' in client.get(f"/calls/{acme.pk}/").content.decode()


def test_a_collector_cannot_open_another_collectors_customer(client, team, acme) -> None:
    client.force_login(team["other"])
    assert client.get(f"/calls/{acme.pk}/").status_code == 403
    assert client.get(f"/customers/{acme.pk}/").status_code == 403
    assert client.post(f"/calls/{acme.pk}/outcome/", {"outcome": "no_answer"}).status_code == 403
    assert client.get("/api/worklist/why-not/ACME").status_code == 403
    assert not Activity.objects.exists()
    # The senior sees every account.
    client.force_login(team["senior"])
    assert client.get(f"/calls/{acme.pk}/").status_code == 200


def test_promise_logged_leaves_the_list_and_schedules_a_check(client, team, acme, django_capture_on_commit_callbacks) -> None:
    client.force_login(team["collector"])
    promised = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/calls/{acme.pk}/outcome/",
            {
                "outcome": "promise_to_pay",
                "promise_amount": "15000.00",
                "promised_date": promised,
                "invoices": [_inv("INV-1"), _inv("INV-2")],
            },
        )
    assert response.status_code == 302
    promise = Promise.objects.get(customer=acme)
    assert (promise.amount, promise.promised_date.isoformat()) == (1_500_000, promised)
    assert sorted(promise.invoices.values_list("invoice_ref", flat=True)) == ["INV-1", "INV-2"]
    assert WorklistEntry.objects.get(customer=acme).exclusion == "open_promise"
    task = Task.objects.get(customer=acme)
    assert task.kind == "promise_check" and task.due_at.date() > promise.promised_date
    page = client.get(f"/calls/{acme.pk}/").content.decode()
    assert "Promise €15,000.00" in page


def test_dispute_and_callback(client, team, acme) -> None:
    client.force_login(team["collector"])
    response = client.post(
        f"/calls/{acme.pk}/outcome/", {"outcome": "dispute", "dispute_reason": "quantity", "invoices": [_inv("INV-2")]}
    )
    assert response.status_code == 302
    dispute = Dispute.objects.get(customer=acme)
    assert (dispute.reason, dispute.owner, dispute.amount) == ("quantity", team["collector"], 300_000)
    local = (timezone.now().astimezone(dt.UTC) + dt.timedelta(days=2)).replace(hour=11, minute=30, second=0, microsecond=0)
    response = client.post(f"/calls/{acme.pk}/outcome/", {"outcome": "callback", "callback_at": local.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    callback = Task.objects.get(customer=acme, kind="callback")
    # 11:30 Berlin wall-clock time is 10:30 UTC in winter.
    assert callback.due_at.astimezone(dt.UTC).strftime("%H:%M") == "10:30"


def test_incomplete_outcomes_are_refused_whole(client, team, acme) -> None:
    client.force_login(team["collector"])
    response = client.post(
        f"/calls/{acme.pk}/outcome/", {"outcome": "promise_to_pay", "promise_amount": "", "invoices": [_inv("INV-1")]}
    )
    assert response.status_code == 422 and "Enter the promised amount" in response.content.decode()
    response = client.post(
        f"/calls/{acme.pk}/outcome/", {"outcome": "promise_to_pay", "promise_amount": "abc", "invoices": [_inv("INV-1")]}
    )
    assert response.status_code == 422
    assert not Activity.objects.exists() and not Promise.objects.exists()


def test_an_aggressive_note_is_flagged_and_saving_anyway_records_it(client, team, acme) -> None:
    client.force_login(team["collector"])
    note = "Told him we will sue you and garnish your wages if he does not pay."
    response = client.post(f"/calls/{acme.pk}/outcome/", {"outcome": "refused", "notes": note})
    assert response.status_code == 422
    body = response.content.decode()
    assert "check the wording" in body and "Save anyway" in body
    assert not Activity.objects.exists()
    response = client.post(f"/calls/{acme.pk}/outcome/", {"outcome": "refused", "notes": note, "save_anyway": "1"})
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert activity.tone_flags and {f["category"] for f in activity.tone_flags} & {"threatening", "aggressive"}
    client.force_login(team["manager"])
    assert "garnish" in client.get("/calls/flagged/").content.decode()
    client.force_login(team["collector"])
    assert client.get("/calls/flagged/").status_code == 403


def test_no_answer_creates_next_business_day_task_and_it_shows_in_my_follow_ups(client, team, acme) -> None:
    client.force_login(team["collector"])
    assert client.post(f"/calls/{acme.pk}/outcome/", {"outcome": "no_answer"}).status_code == 302
    task = Task.objects.get(customer=acme)
    assert task.kind == "call" and task.user == team["collector"]
    local = task.due_at.astimezone(dt.timezone(dt.timedelta(hours=1)))
    assert local.strftime("%H:%M") == "09:00" and local.weekday() < 5
    page = client.get("/calls/tasks/").content.decode()
    assert "Acme Tools" in page and "Try again" in page


def test_a_plan_beyond_the_collectors_limit_waits_for_a_senior(client, team, acme) -> None:
    client.force_login(team["collector"])
    first = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    response = client.post(
        f"/calls/{acme.pk}/plan/",
        {"instalments": "6", "first_due": first, "every_days": "30", "invoices": [_inv("INV-1"), _inv("INV-2")]},
    )
    assert response.status_code == 302
    plan = PaymentPlan.objects.get()
    assert plan.status == "proposed"
    amounts = list(plan.instalments.values_list("amount", flat=True))
    assert len(amounts) == 6 and sum(amounts) == 1_500_000
    assert client.post(f"/calls/approvals/{plan.pk}/", {"approve": "1"}).status_code == 403
    client.force_login(team["senior"])
    assert "Acme Tools" in client.get("/calls/approvals/").content.decode()
    client.post(f"/calls/approvals/{plan.pk}/", {"approve": "1"})
    plan.refresh_from_db()
    assert (plan.status, plan.approved_by) == ("active", team["senior"])


def test_within_the_limit_a_plan_is_agreed_at_once(client, team, acme) -> None:
    client.force_login(team["collector"])
    first = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    client.post(
        f"/calls/{acme.pk}/plan/", {"instalments": "3", "first_due": first, "every_days": "30", "invoices": [_inv("INV-1")]}
    )
    assert PaymentPlan.objects.get().status == "active"


def test_a_senior_reassigns_and_the_follow_ups_move(client, team, acme) -> None:
    client.force_login(team["collector"])
    client.post(f"/calls/{acme.pk}/outcome/", {"outcome": "no_answer"})
    assert client.post(f"/calls/{acme.pk}/reassign/", {"collector": team["other"].pk}).status_code == 403
    client.force_login(team["senior"])
    client.post(f"/calls/{acme.pk}/reassign/", {"collector": team["other"].pk})
    acme.refresh_from_db()
    assert acme.collector == team["other"]
    assert Task.objects.get(customer=acme).user == team["other"]


def test_the_calendar_feed_lists_follow_ups_with_its_token_only(client, team, acme) -> None:
    client.force_login(team["collector"])
    client.post(f"/calls/{acme.pk}/outcome/", {"outcome": "voicemail"})
    client.get("/calls/tasks/")
    token = FeedToken.objects.get(user=team["collector"]).token
    client.logout()
    response = client.get(f"/calls/feed/{token}.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert "BEGIN:VCALENDAR" in body and "Try again: Acme Tools" in body
    assert client.get("/calls/feed/not-a-token.ics").status_code == 404


def test_power_dial_opens_the_best_callable_customer_and_advances(
    client, team, acme, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    # A second customer of the same collector, smaller: ranked after Acme.
    today = timezone.localdate()
    beta = Customer.objects.create(
        customer_ref="BETA", name="Beta Bakery", country="DE", currency="EUR", collector=team["collector"]
    )
    Invoice.objects.create(
        customer=beta,
        invoice_ref="B-1",
        issue_date=today - dt.timedelta(days=90),
        due_date=today - dt.timedelta(days=60),
        currency="EUR",
        amount=50_000,
        open_amount=50_000,
    )
    # Wednesday 10:00 UTC (11:00 in Berlin): both are callable.
    day = today - dt.timedelta(days=(today.weekday() - 2) % 7)
    while is_public_holiday(day, "DE"):
        day -= dt.timedelta(days=7)
    wednesday = dt.datetime.combine(day, dt.time(10, 0), tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: wednesday)
    worklist.rebuild(at=wednesday)
    client.force_login(team["collector"])
    first = client.get("/calls/start/")
    assert first.status_code == 302 and first["Location"] == f"/calls/{acme.pk}/?dial=1"
    with django_capture_on_commit_callbacks(execute=True):
        logged = client.post(f"/calls/{acme.pk}/outcome/", {"outcome": "no_answer", "dial": "1"})
    assert logged.status_code == 302 and logged["Location"] == f"/calls/next/?after={acme.pk}"
    nxt = client.get(logged["Location"])
    assert nxt["Location"] == f"/calls/{beta.pk}/?dial=1"
    # Acme was just called (cadence: once a day), so after Beta the list is done for now.
    done = client.get(f"/calls/next/?after={beta.pk}")
    assert done["Location"] == "/worklist/"
