"""The dispute pages: the list and its filters, the case page and its forms, the SLA settings
(managers only), pending write-offs on the approvals page, disputed amounts on the prep sheet."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from recoup.disputes import resolution, services
from recoup.disputes.models import Dispute, ReasonSla

from .conftest import invoice

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def cases(team, acme, globex, now, as_of) -> dict[str, Dispute]:
    mine = services.open_dispute(actor=team["collector"], customer=acme, invoices=[invoice("INV-1")], reason="quantity", now=now)
    late = services.open_dispute(actor=team["collector"], customer=acme, invoices=[invoice("INV-2")], reason="pricing", now=now)
    Dispute.objects.filter(pk=late.pk).update(sla_due=as_of - dt.timedelta(days=1), opened_on=as_of - dt.timedelta(days=40))
    theirs = services.open_dispute(actor=team["other"], customer=globex, invoices=[invoice("G-1")], reason="quality", now=now)
    return {"mine": mine, "late": late, "theirs": theirs}


def test_the_list_shows_what_the_user_may_see_and_filters_it(team, cases) -> None:
    page = _client(team["collector"]).get("/disputes/").content.decode()
    assert f"Dispute {cases['mine'].pk}<" in page and f"Dispute {cases['late'].pk}<" in page
    assert "Globex" not in page
    breached = _client(team["collector"]).get("/disputes/?scope=breached").content.decode()
    assert f"Dispute {cases['late'].pk}<" in breached and f"Dispute {cases['mine'].pk}<" not in breached
    by_reason = _client(team["senior"]).get("/disputes/?reason=quality").content.decode()
    assert "Globex" in by_reason and "Acme" not in by_reason
    aged = _client(team["senior"]).get("/disputes/?min_age=30").content.decode()
    assert f"Dispute {cases['late'].pk}<" in aged and f"Dispute {cases['mine'].pk}<" not in aged
    mine = _client(team["other"]).get("/disputes/?scope=mine").content.decode()
    assert "Globex" in mine and "Acme" not in mine


def test_the_case_page_and_who_may_open_it(team, cases) -> None:
    response = _client(team["collector"]).get(f"/disputes/{cases['late'].pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "breached" in page and "Next action" in page and "Opened: Pricing" in page
    assert 'id="resolve-credit"' in page
    assert _client(team["other"]).get(f"/disputes/{cases['late'].pk}/").status_code == 403
    assert _client(team["collector"]).get("/disputes/99999/").status_code == 404


def test_resolving_through_the_page_reads_the_amount_as_the_page_writes_it(team, cases) -> None:
    client = _client(team["collector"])
    inv = invoice("INV-1")
    response = client.post(
        f"/disputes/{cases['mine'].pk}/resolve/",
        {"kind": "credit_note", f"credit_{inv.pk}": "1,100.00", "note": "agreed"},
        follow=True,
    )
    assert "resolved with a credit note" in response.content.decode()
    assert invoice("INV-1").open_amount == 1_200_000 - 110_000
    bad = client.post(
        f"/disputes/{cases['late'].pk}/resolve/",
        {"kind": "credit_note", f"credit_{invoice('INV-2').pk}": "1.100,00"},
        follow=True,
    )
    assert "Not saved: INV-2:" in bad.content.decode()
    assert invoice("INV-2").open_amount == 410_000


def test_only_managers_set_the_slas(team) -> None:
    assert _client(team["senior"]).get("/disputes/sla/").status_code == 403
    manager = _client(team["manager"])
    assert manager.get("/disputes/sla/").status_code == 200
    form = {
        f"days_{code}": str(days)
        for code, days in (
            ("pricing", 10),
            ("quantity", 7),
            ("quality", 15),
            ("not_received", 10),
            ("duplicate", 5),
            ("already_paid", 5),
            ("terms", 10),
            ("other", 10),
        )
    }
    assert manager.post("/disputes/sla/", form).status_code == 302
    assert list(ReasonSla.objects.values_list("reason", "days")) == [("quantity", 7)]


def test_pending_write_offs_are_on_the_approvals_page(team, cases, now) -> None:
    pending = resolution.propose_write_off(
        actor=team["collector"], case=cases["mine"], amounts={invoice("INV-1").pk: 90_000}, now=now
    )
    senior = _client(team["senior"])
    page = senior.get("/calls/approvals/").content.decode()
    assert f"Dispute {cases['mine'].pk}</a> (Acme Tools): write off" in page
    response = senior.post(f"/disputes/write-offs/{pending.pk}/", {"approve": "0", "next": "/calls/approvals/"})
    assert response.status_code == 302 and response["Location"] == "/calls/approvals/"
    assert "Nothing awaits approval" in senior.get("/calls/approvals/").content.decode()
    assert _client(team["collector"]).post(f"/disputes/write-offs/{pending.pk}/", {"approve": "1"}).status_code == 403


def test_the_prep_sheet_shows_the_disputed_amount_and_links_the_case(team, cases) -> None:
    page = _client(team["collector"]).get(f"/calls/{cases['mine'].customer_id}/").content.decode()
    assert 'id="disputed-total">€16,100.00<' in page  # INV-1 and INV-2; INV-3 is not disputed
    assert f'href="/disputes/{cases["mine"].pk}/"' in page


def test_the_api_shows_what_the_user_may_see(team, cases) -> None:
    listed = _client(team["collector"]).get("/api/disputes?scope=team").json()
    assert {c["id"] for c in listed} == {cases["mine"].pk, cases["late"].pk}
    late = next(c for c in listed if c["id"] == cases["late"].pk)
    assert (late["sla_state"], late["currency"], late["amount"]) == ("breached", "EUR", 410_000)
    detail = _client(team["collector"]).get(f"/api/disputes/{cases['mine'].pk}").json()
    assert detail["items"][0]["invoice_ref"] == "INV-1" and detail["history"][0]["text"].startswith("Opened: Quantity")
    assert _client(team["collector"]).get(f"/api/disputes/{cases['theirs'].pk}").status_code == 403
    assert _client(team["collector"]).get("/api/disputes?scope=nonsense").status_code == 400
    assert Client().get("/api/disputes").status_code == 401
