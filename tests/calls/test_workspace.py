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
    response = client.post(f"/calls/{acme.pk}/outcome/", {"outcome": "promise_to_pay", "promise_amount": "", "invoices": []})
    assert response.status_code == 422 and "Choose the invoices it is about" in response.content.decode()
    response = client.post(
        f"/calls/{acme.pk}/outcome/", {"outcome": "promise_to_pay", "promise_amount": "0", "invoices": [_inv("INV-1")]}
    )
    assert response.status_code == 422 and "Enter the promised amount" in response.content.decode()
    response = client.post(
        f"/calls/{acme.pk}/outcome/", {"outcome": "promise_to_pay", "promise_amount": "abc", "invoices": [_inv("INV-1")]}
    )
    assert response.status_code == 422 and "The promised amount: cannot read" in response.content.decode()
    assert not Activity.objects.exists() and not Promise.objects.exists()


SOON = (dt.date.today() + dt.timedelta(days=10)).isoformat()


@pytest.mark.parametrize(
    ("typed", "refusal"),
    [
        # The page writes amounts as en_US does: "1.234,56" is not one thousand two hundred euros.
        ("1.234,56", "thousands separator in the wrong place"),
        ("12.345", "more decimals than EUR allows"),
    ],
)
def test_amounts_are_read_as_the_page_writes_them_or_refused(client, team, acme, typed: str, refusal: str) -> None:
    # Issue 11 item 3: "1.234,56" EUR was saved as 1.23 and "12.345" as 12.35.
    client.force_login(team["collector"])
    response = client.post(
        f"/calls/{acme.pk}/outcome/", {"outcome": "promise_to_pay", "promise_amount": typed, "invoices": [_inv("INV-1")]}
    )
    assert response.status_code == 422 and refusal in response.content.decode()
    assert not Promise.objects.exists()


def test_an_amount_with_grouping_is_read_exactly(client, team, acme) -> None:
    client.force_login(team["collector"])
    response = client.post(
        f"/calls/{acme.pk}/outcome/",
        {"outcome": "promise_to_pay", "promise_amount": "1,234.56", "promised_date": SOON, "invoices": [_inv("INV-1")]},
    )
    assert response.status_code == 302
    assert Promise.objects.get().amount == 123_456


def test_a_promise_left_at_the_shown_amount_is_for_the_chosen_invoices(client, team, acme) -> None:
    # Issue 11 item 4: the amount field shows the overdue total; leaving it was refused.
    client.force_login(team["collector"])
    response = client.post(
        f"/calls/{acme.pk}/outcome/",
        {"outcome": "promise_to_pay", "promise_amount": "", "promised_date": SOON, "invoices": [_inv("INV-1"), _inv("INV-2")]},
    )
    assert response.status_code == 302
    assert Promise.objects.get().amount == 1_500_000


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


def test_a_note_with_nothing_to_keep_gets_no_empty_suggestion(client, team, acme) -> None:
    # Issue 11 item 13: "idiot" alone was answered with 'Try: “”' and an empty suggested note.
    client.force_login(team["collector"])
    response = client.post(f"/calls/{acme.pk}/outcome/", {"outcome": "refused", "notes": "idiot"})
    assert response.status_code == 422
    body = response.content.decode()
    assert "check the wording" in body and "Leave it out." in body
    assert "Try: “”" not in body and "Suggested notes" not in body
    # A note with something left to say still gets its clean rewording.
    response = client.post(
        f"/calls/{acme.pk}/outcome/", {"outcome": "refused", "notes": "Pay now or we will ruin your company, you idiot."}
    )
    suggested = response.content.decode().split('<pre class="suggestion">', 1)[1].split("</pre>", 1)[0]
    assert (
        suggested
        == "Please arrange payment by the agreed date; otherwise we will follow our standard process for unpaid accounts."
    )


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


def test_a_customer_without_a_country_is_not_followed_up_on_the_companys_christmas(team, settings) -> None:
    from recoup.calls.services import OutcomeInput, log_outcome

    settings.RECOUP_COMPANY_COUNTRY = "US"
    settings.RECOUP_DEFAULT_TIMEZONE = "America/New_York"
    imported = Customer.objects.create(customer_ref="NOC", name="No Country Ltd", currency="USD", collector=team["collector"])
    # Thursday 24 Dec 2026, 12:00 in New York: no answer. Friday is Christmas Day, so the next try is Monday 28th.
    result = log_outcome(
        actor=team["collector"],
        customer=imported,
        data=OutcomeInput(outcome="no_answer"),
        at=dt.datetime(2026, 12, 24, 17, 0, tzinfo=dt.UTC),
    )
    assert result.task is not None
    assert result.task.due_at == dt.datetime(2026, 12, 28, 14, 0, tzinfo=dt.UTC)


def test_a_write_that_finds_the_database_locked_gets_a_busy_page_not_a_500(client, team, acme, monkeypatch) -> None:
    # The soak test: outcome POSTs answered 500 while a CLI import held SQLite's write lock.
    from django.db import OperationalError

    from recoup.calls import services

    def locked(**kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "log_outcome", locked)
    client.force_login(team["collector"])
    response = client.post(f"/calls/{acme.pk}/outcome/", {"outcome": "no_answer"})
    assert response.status_code == 503 and response["Retry-After"] == "15"
    assert "Nothing of what you sent was saved" in response.content.decode()


def test_a_dispute_needs_its_reason_chosen_not_a_silent_default(client, team, acme) -> None:
    # Issue 11 item 16: the reason silently defaulted to "Pricing".
    client.force_login(team["collector"])
    page = client.get(f"/calls/{acme.pk}/").content.decode()
    assert '<select id="dispute_reason" name="dispute_reason"><option value="">Choose the reason…</option>' in page
    response = client.post(
        f"/calls/{acme.pk}/outcome/", {"outcome": "dispute", "dispute_reason": "", "invoices": [_inv("INV-2")]}
    )
    assert response.status_code == 422 and "Choose the reason for the dispute" in response.content.decode()
