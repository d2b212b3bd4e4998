"""The worklist page, the strategy editor and the worklist API, with roles checked on the server."""

from __future__ import annotations

import datetime as dt

import pytest

from recoup.accounts.models import Role, User
from recoup.ledger.models import Contact, Customer, Invoice
from recoup.worklist import services
from recoup.worklist.models import Strategy, WorklistEntry

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)


def _user(email: str, role: str, capacity: int = 40) -> User:
    return User.objects.create_user(email=email, password="correct horse battery staple", role=role, daily_capacity=capacity)


@pytest.fixture
def people() -> dict[str, User]:
    return {
        "ann": _user("ann@example.com", Role.COLLECTOR),
        "bob": _user("bob@example.com", Role.COLLECTOR),
        "sue": _user("sue@example.com", Role.SENIOR),
        "max": _user("max@example.com", Role.MANAGER),
    }


@pytest.fixture
def built(people: dict[str, User]) -> None:
    # A fixed Wednesday: the list is built for a working day whatever day the suite runs on.
    today = AT.date()
    for ref, owner in (("A-1", people["ann"]), ("B-1", people["bob"])):
        customer = Customer.objects.create(
            customer_ref=ref, name=f"Customer {ref}", country="DE", currency="USD", collector=owner
        )
        Contact.objects.create(customer=customer, name="Payables", phone="+49301234567", is_primary=True)
        Invoice.objects.create(
            customer=customer,
            invoice_ref=f"INV-{ref}",
            issue_date=today - dt.timedelta(days=90),
            due_date=today - dt.timedelta(days=60),
            currency="USD",
            amount=2_500_000,
            open_amount=2_500_000,
        )
    services.rebuild(at=AT)


def test_a_collector_sees_only_their_own_list(client, people, built) -> None:
    client.force_login(people["ann"])
    page = client.get("/worklist/").content.decode()
    assert "Customer A-1" in page and "Customer B-1" not in page
    api = client.get("/api/worklist").json()
    assert [e["customer_ref"] for e in api["entries"]] == ["A-1"]
    assert api["entries"][0]["reasons"]


def test_a_senior_sees_everyone_and_can_filter(client, people, built) -> None:
    client.force_login(people["sue"])
    page = client.get("/worklist/").content.decode()
    assert "Customer A-1" in page and "Customer B-1" in page
    only_bob = client.get(f"/worklist/?collector={people['bob'].pk}").content.decode()
    assert "Customer B-1" in only_bob and "Customer A-1" not in only_bob
    assert client.post("/worklist/rebuild/").status_code == 302


def test_a_collector_cannot_rebuild_or_edit_strategies(client, people, built) -> None:
    client.force_login(people["ann"])
    assert client.post("/worklist/rebuild/").status_code == 403
    assert client.get("/worklist/strategies/").status_code == 403
    strategy = Strategy.objects.get(is_default=True)
    assert client.post(f"/worklist/strategies/{strategy.pk}/", {"name": "Hijack"}).status_code == 403
    assert Strategy.objects.get(pk=strategy.pk).name != "Hijack"


def test_the_api_needs_a_login(client, built) -> None:
    response = client.get("/api/worklist")
    assert response.status_code == 401


def test_why_not_over_the_api(client, people, built) -> None:
    WorklistEntry.objects.filter(customer__customer_ref="B-1").update(status="excluded", detail="Every open item is disputed")
    client.force_login(people["sue"])
    answer = client.get("/api/worklist/why-not/B-1").json()
    assert answer == {
        "customer_ref": "B-1",
        "on_list": False,
        "status": "excluded",
        "explanation": "Every open item is disputed",
        "reasons": answer["reasons"],
    }
    assert client.get("/api/worklist/why-not/NOPE").status_code == 404


def _form_data(strategy: Strategy, client) -> dict[str, object]:
    page = client.get(f"/worklist/strategies/{strategy.pk}/")
    form = page.context["form"]
    data: dict[str, object] = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None or value is False:
            continue
        data[name] = (
            [str(v) for v in value]
            if isinstance(value, list)
            else (value.strftime("%H:%M") if isinstance(value, dt.time) else str(value))
        )
    return data


def test_a_manager_edits_a_strategy_and_bad_input_is_refused_whole(client, people) -> None:
    client.force_login(people["max"])
    strategy = Strategy.objects.get(name="Amount-driven")
    before = strategy.definition
    data = _form_data(strategy, client)
    # Raise the overdue threshold to 25,000.00 and its points to 70.
    data["rule_overdue_amount_min_amount"] = "25000.00"
    data["rule_overdue_amount_points"] = "70"
    response = client.post(f"/worklist/strategies/{strategy.pk}/", data)
    assert response.status_code == 302
    strategy.refresh_from_db()
    rule = next(r for r in strategy.definition["rules"] if r["kind"] == "overdue_amount")
    assert rule == {"kind": "overdue_amount", "points": 70, "params": {"min_amount": 2_500_000, "min_days": 3}}
    # Calling hours that end before they start: refused, nothing saved.
    data["hours_start"], data["hours_end"] = "18:00", "09:00"
    response = client.post(f"/worklist/strategies/{strategy.pk}/", data)
    assert response.status_code == 200
    assert "must be before end" in response.content.decode()
    strategy.refresh_from_db()
    assert strategy.definition["hours"]["start"] == "09:00"
    assert strategy.definition != before


def test_a_new_strategy_needs_a_rule(client, people) -> None:
    client.force_login(people["max"])
    data = _form_data(Strategy.objects.get(name="Preventive"), client)
    for key in [k for k in data if k.endswith("_on")]:
        del data[key]
    data["name"] = "Empty"
    response = client.post("/worklist/strategies/new/", data)
    assert response.status_code == 200
    assert "at least one valuation rule" in response.content.decode()
    assert not Strategy.objects.filter(name="Empty").exists()
