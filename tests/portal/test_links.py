"""Customers' links: one per customer, never stored, expiring, withdrawn by a collector, audited on
every use, never in an address or a Referer; an expired or withdrawn link shows nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client, override_settings

from recoup.audit.models import AuditEvent
from recoup.portal import services
from recoup.portal.models import PortalLink

from .conftest import opened, token_of

pytestmark = pytest.mark.django_db
ACME_DATA = ("Acme", "ACME", "INV-1001", "Petra", "12,000.00", "12.000,00")


def _shows_nothing(response) -> None:  # type: ignore[no-untyped-def]
    body = response.content.decode()
    assert response.status_code == 404
    assert "This link does not open anything" in body
    for value in ACME_DATA:
        assert value not in body, value


def test_every_message_gets_the_same_link_until_it_is_half_used(acme, now) -> None:
    first = services.link_for(acme, now=now)
    assert first.startswith("http://127.0.0.1:8000/portal/open#")
    assert services.link_for(acme, now=now + dt.timedelta(days=29)) == first
    later = services.link_for(acme, now=now + dt.timedelta(days=31))
    assert later != first and PortalLink.objects.filter(customer=acme).count() == 2
    # The older link still opens until it expires.
    assert services.open_by_token(token_of(first), now=now + dt.timedelta(days=31)).customer == acme


def test_the_token_is_not_stored_and_a_copy_of_the_database_cannot_make_it(acme, now) -> None:
    token = token_of(services.link_for(acme, now=now))
    link = PortalLink.objects.get()
    stored = {str(getattr(link, f.attname)) for f in PortalLink._meta.fields}
    assert token not in stored and all(token not in value for value in stored)
    assert link.token_hash == services.token_hash(token)
    # Made under another secret key, the same row gives another token: the key is part of it.
    with override_settings(SECRET_KEY="another-secret-key-entirely-0123456789-abcdefghij"):
        assert services.current_link(acme, now=now) is None
        other = services.link_for(acme, now=now)
    assert token_of(other) != token and PortalLink.objects.count() == 2
    assert services.open_by_token(token, now=now) == link


def test_an_expired_link_shows_nothing(acme, now) -> None:
    url = services.link_for(acme, now=now)
    PortalLink.objects.update(created_at=now - dt.timedelta(days=61), expires_at=now - dt.timedelta(seconds=1))
    _shows_nothing(Client().post("/portal/open", {"token": token_of(url)}))
    assert AuditEvent.objects.filter(action="portal.refused", after__why="expired").exists()


def test_a_link_that_expires_during_the_visit_stops_at_once(acme, now) -> None:
    client = opened(acme, now)
    assert client.get("/portal/").status_code == 200
    PortalLink.objects.update(created_at=now - dt.timedelta(days=60), expires_at=now)
    _shows_nothing(client.get("/portal/"))
    _shows_nothing(client.get("/portal/statement.pdf"))


def test_an_unknown_token_shows_nothing(acme, now) -> None:
    services.link_for(acme, now=now)
    _shows_nothing(Client().post("/portal/open", {"token": "x" * 43}))
    _shows_nothing(Client().get("/portal/"))


def test_a_collector_withdraws_the_link_from_the_call_prep_sheet_and_it_shows_nothing(acme, now, team) -> None:
    customer_browser = opened(acme, now)
    collector = Client()
    collector.force_login(team["collector"])
    sheet = collector.get(f"/calls/{acme.pk}/").content.decode()
    assert "Customer's link" in sheet and "Withdraw (1 live)" in sheet
    response = collector.post(f"/portal-links/{acme.pk}/revoke")
    assert response.status_code == 302 and response["Location"] == f"/calls/{acme.pk}/#portal-link"
    _shows_nothing(customer_browser.get("/portal/"))
    _shows_nothing(customer_browser.post("/portal/feedback", {"message": "hello"}))
    assert AuditEvent.objects.filter(action="portal.link_revoke", actor=team["collector"]).exists()
    # The next message gets a new link.
    assert services.open_by_token(token_of(services.link_for(acme, now=now)), now=now).revoked_at is None


def test_a_collector_copies_the_link_once_from_the_sheet(acme, now, team) -> None:
    collector = Client()
    collector.force_login(team["collector"])
    assert "Create a link" in collector.get(f"/calls/{acme.pk}/").content.decode()
    collector.post(f"/portal-links/{acme.pk}/copy")
    sheet = collector.get(f"/calls/{acme.pk}/").content.decode()
    link = PortalLink.objects.get()
    url = services.link_for(acme, now=now)
    assert f'value="{url.replace("127.0.0.1:8000", "testserver")}"' in sheet
    assert link.created_by == team["collector"] and link.source == "collector"
    assert url not in collector.get(f"/calls/{acme.pk}/").content.decode()  # shown once
    assert AuditEvent.objects.filter(action="portal.link_copy", actor=team["collector"]).exists()


def test_another_collectors_customer_is_not_theirs_to_link(globex, team) -> None:
    collector = Client()
    collector.force_login(team["collector"])
    assert collector.post(f"/portal-links/{globex.pk}/copy").status_code == 403
    assert collector.post(f"/portal-links/{globex.pk}/revoke").status_code == 403
    assert not PortalLink.objects.exists()
    assert Client().post(f"/portal-links/{globex.pk}/copy").status_code == 302  # to the login page


def test_every_use_is_audited_on_the_link(acme, now) -> None:
    client = opened(acme, now)
    client.get("/portal/")
    client.get("/portal/statement.pdf")
    client.post("/portal/feedback", {"message": "Thanks"})
    actions = list(AuditEvent.objects.filter(object_type="portal.portallink").order_by("pk").values_list("action", flat=True))
    assert actions == ["portal.link_create", "portal.open", "portal.view", "portal.statement", "portal.feedback"]
    assert PortalLink.objects.get().last_used_at is not None


def test_the_token_never_appears_in_an_address_and_pages_send_no_path_in_a_referer(acme, now) -> None:
    url = services.link_for(acme, now=now)
    token = token_of(url)
    client = Client()
    page = client.get("/portal/open")
    assert page["Referrer-Policy"] == "strict-origin" and "no-cache" in page["Cache-Control"]
    assert "script-src 'self'" in page["Content-Security-Policy"]
    assert 'src="/static/disputes/open-link.js"' in page.content.decode()
    opened_ = client.post("/portal/open", {"token": token})
    assert token not in opened_["Location"]
    home = client.get("/portal/")
    assert home["Referrer-Policy"] == "strict-origin" and token not in home.content.decode()
    assert home["X-Robots-Tag"] == "noindex, nofollow"


def test_opening_a_link_gives_a_new_session(acme, now) -> None:
    client = Client()
    client.get("/portal/open")
    client.post("/portal/language", {"language": "fr"})
    before = client.session.session_key
    client.post("/portal/open", {"token": token_of(services.link_for(acme, now=now))})
    assert client.session.session_key != before
    assert "Votre compte" in client.get("/portal/").content.decode()  # the language chosen before stays
