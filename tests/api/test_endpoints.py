"""What a script sees and does through the API: scoping by role, cursor pages, filters, and
writes that go through the pages' services."""

from __future__ import annotations

import datetime as dt

import pytest

from recoup.activities.models import Activity
from recoup.audit.models import AuditEvent
from recoup.disputes.models import Dispute
from recoup.ledger.models import Customer, Invoice
from recoup.promises.models import Promise
from recoup.worklist.models import Task

from .conftest import add_invoice

pytestmark = pytest.mark.django_db

LISTS = (
    "customers",
    "contacts",
    "invoices",
    "open-items",
    "payments",
    "activities",
    "promises",
    "plans",
    "dispute-cases",
    "tasks",
)


def _refs(client, path: str) -> set[int]:
    return {row["customer_id"] for row in client.get(path).json()["items"]}


def test_a_collectors_token_sees_only_what_the_collector_sees(team, books, bearer) -> None:
    collector = bearer(team["collector"], "read")
    refs = {c["customer_ref"] for c in collector.get("/api/customers").json()["items"]}
    assert refs == {"ACME", "POOL"}  # their portfolio and the shared pool, never GLOBEX
    mine = {books["acme"].pk, books["pool"].pk}
    assert _refs(collector, "/api/invoices") == mine
    assert _refs(collector, "/api/payments") == set()  # the only payment is Globex's
    assert collector.get(f"/api/invoices?customer={books['globex'].pk}").json()["items"] == []
    aging = collector.get("/api/reports/aging?by=customer").json()
    assert {r["customer_ref"] for r in aging["rows"]} == {"ACME", "POOL"}
    manager = bearer(team["manager"], "read")
    assert {c["customer_ref"] for c in manager.get("/api/customers").json()["items"]} == {"ACME", "GLOBEX", "POOL"}
    assert _refs(manager, "/api/payments") == {books["globex"].pk}


def test_every_list_answers_a_page(team, books, bearer) -> None:
    client = bearer(team["manager"], "read")
    for name in LISTS:
        response = client.get(f"/api/{name}")
        assert response.status_code == 200, name
        assert set(response.json()) == {"items", "next_cursor"}, name


def test_pages_follow_the_cursor_in_a_stable_order(team, books, bearer, as_of) -> None:
    for n in range(7):
        add_invoice(books["pool"], f"P-{n + 10}", 1_000 + n, as_of + dt.timedelta(days=n))
    client = bearer(team["manager"], "read")
    seen, cursor, pages = [], "", 0
    while True:
        body = client.get(f"/api/invoices?limit=3{'&cursor=' + cursor if cursor else ''}").json()
        seen += [i["id"] for i in body["items"]]
        pages += 1
        if body["next_cursor"] is None:
            break
        cursor = body["next_cursor"]
    assert seen == sorted(Invoice.objects.values_list("pk", flat=True)) and pages == 4
    assert client.get("/api/invoices?cursor=not-a-cursor").status_code == 422
    overdue = client.get("/api/open-items?overdue=true").json()["items"]
    assert {i["invoice_ref"] for i in overdue} == {"INV-1", "INV-2", "G-1", "P-1"}
    assert all(i["days_overdue"] > 0 for i in overdue)
    due_soon = client.get(f"/api/invoices?due_from={as_of.isoformat()}&status=open").json()["items"]
    assert {i["invoice_ref"] for i in due_soon} == {f"P-{n + 10}" for n in range(7)}
    assert client.get("/api/invoices?due_from=2026-13-01").status_code == 422


def test_updated_since_returns_what_changed(team, books, bearer, now) -> None:
    Customer.objects.filter(pk=books["pool"].pk).update(updated_at=now + dt.timedelta(hours=1))
    client = bearer(team["manager"], "read")
    since = (now + dt.timedelta(minutes=30)).isoformat().replace("+00:00", "Z")
    rows = client.get("/api/customers", {"updated_since": since}).json()["items"]
    assert [c["customer_ref"] for c in rows] == ["POOL"]


def test_a_promise_logged_by_the_api_is_the_pages_promise(team, books, bearer, as_of) -> None:
    client = bearer(team["collector"])
    inv = Invoice.objects.get(invoice_ref="INV-1")
    body = {"invoice_ids": [inv.pk], "promised_date": (as_of + dt.timedelta(days=7)).isoformat(), "notes": "Will pay Friday"}
    response = client.post(f"/api/customers/{books['acme'].pk}/promises", body, content_type="application/json")
    assert response.status_code == 201, response.content
    made = response.json()
    promise = Promise.objects.get(pk=made["promise_id"])
    assert promise.amount == inv.open_amount and promise.created_by == team["collector"]
    assert Activity.objects.get(pk=made["activity_id"]).outcome == "promise_to_pay"
    assert Task.objects.filter(pk=made["follow_up"]["id"], promise=promise).exists()
    assert AuditEvent.objects.filter(action="promise.make", actor=team["collector"]).exists()
    listed = client.get(f"/api/promises?customer={books['acme'].pk}").json()["items"]
    assert [p["id"] for p in listed] == [promise.pk] and listed[0]["invoice_ids"] == [inv.pk]


def test_writes_are_checked_as_on_the_pages(team, books, bearer, as_of) -> None:
    client = bearer(team["collector"])
    theirs = Invoice.objects.get(invoice_ref="G-1")
    refused = client.post(
        f"/api/customers/{books['globex'].pk}/disputes",
        {"invoice_ids": [theirs.pk], "reason": "pricing"},
        content_type="application/json",
    )
    assert refused.status_code == 403 and "another collector" in refused.json()["detail"]
    assert client.post("/api/customers/999999/notes", {"notes": "x"}, content_type="application/json").status_code == 404
    past = client.post(
        f"/api/customers/{books['acme'].pk}/promises",
        {"invoice_ids": [Invoice.objects.get(invoice_ref="INV-1").pk], "promised_date": "2001-01-01"},
        content_type="application/json",
    )
    assert past.status_code == 422 and "in the past" in past.json()["detail"]
    inv2 = Invoice.objects.get(invoice_ref="INV-2")
    opened = client.post(
        f"/api/customers/{books['acme'].pk}/disputes",
        {"invoice_ids": [inv2.pk], "reason": "pricing"},
        content_type="application/json",
    )
    assert opened.status_code == 201
    assert Dispute.objects.get(pk=opened.json()["dispute_id"]).invoices.get() == inv2
    note = client.post(
        f"/api/customers/{books['pool'].pk}/notes", {"notes": "Asked for a statement"}, content_type="application/json"
    )
    assert note.status_code == 201 and note.json()["channel"] == "note"
    assert not Promise.objects.exists()


def test_flagged_notes_need_save_despite_tone(team, books, bearer) -> None:
    client = bearer(team["collector"])
    url = f"/api/customers/{books['acme'].pk}/outcomes"
    rude = {"outcome": "conversation", "notes": "Customer is a deadbeat and a liar"}
    refused = client.post(url, rude, content_type="application/json")
    assert refused.status_code == 422 and "tone check" in refused.json()["detail"]
    saved = client.post(url, {**rude, "save_despite_tone": True}, content_type="application/json")
    assert saved.status_code == 201 and saved.json()["tone_flags"]


@pytest.mark.parametrize("offset", ["+22:23", "-14:30"])
def test_an_instant_with_an_offset_no_zone_uses_is_refused_by_name(team, books, bearer, offset: str) -> None:
    # Found by the soak's fuzzer: PostgreSQL refused "+22:23" with a 500; now a 422 naming the range.
    client = bearer(team["manager"], "read")
    answer = client.get("/api/activities", {"at_from": f"2000-02-03T08:30:26{offset}"})
    assert answer.status_code == 422
    assert "-14:00 and +14:00" in answer.content.decode()


def test_an_instant_in_another_zone_means_the_same_moment(team, books, bearer, now) -> None:
    Customer.objects.filter(pk=books["pool"].pk).update(updated_at=now + dt.timedelta(hours=1))
    client = bearer(team["manager"], "read")
    tokyo = dt.timezone(dt.timedelta(hours=9))

    def since(minutes: int) -> list[str]:
        instant = (now + dt.timedelta(minutes=minutes)).astimezone(tokyo).isoformat()
        return [c["customer_ref"] for c in client.get("/api/customers", {"updated_since": instant}).json()["items"]]

    assert since(30) == ["POOL"]
    assert since(90) == []
