"""Rate limits per address and per link: past them the portal answers 429 with nothing of the account."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from recoup.portal import throttle

from .conftest import opened

pytestmark = pytest.mark.django_db


@override_settings(RECOUP_PORTAL_RATE_LIMITS={"address": (1000, 600), "link": (1000, 600), "open": (3, 600), "action": (2, 3600)})
def test_guessing_tokens_from_one_address_is_cut_off(acme, now) -> None:
    client = Client()
    answers = [client.post("/portal/open", {"token": f"guess-{n}"}).status_code for n in range(5)]
    assert answers == [404, 404, 404, 429, 429]
    limited = client.post("/portal/open", {"token": "guess-6"})
    assert limited["Retry-After"] == "600" and "Too many requests" in limited.content.decode()


@override_settings(
    RECOUP_PORTAL_RATE_LIMITS={"address": (1000, 600), "link": (1000, 600), "open": (10, 600), "action": (2, 3600)}
)
def test_actions_through_one_link_are_limited(acme, now) -> None:
    client = opened(acme, now)
    answers = [client.post("/portal/feedback", {"message": f"note {n}"}).status_code for n in range(3)]
    assert answers == [302, 302, 429]
    assert client.get("/portal/").status_code == 200  # reading goes on


@override_settings(RECOUP_PORTAL_RATE_LIMITS={"address": (1000, 600), "link": (4, 600), "open": (10, 600), "action": (10, 3600)})
def test_one_link_is_limited_from_every_address(acme, now) -> None:
    client = opened(acme, now)
    answers = [client.get("/portal/", REMOTE_ADDR=f"10.0.0.{n}").status_code for n in range(6)]
    assert answers == [200, 200, 200, 200, 429, 429]
    assert "Acme" not in client.get("/portal/").content.decode()


@override_settings(RECOUP_PORTAL_RATE_LIMITS={"address": (3, 600), "link": (1000, 600), "open": (10, 600), "action": (10, 3600)})
def test_one_address_is_limited_whichever_page(acme, now) -> None:
    client = Client()
    answers = [client.get("/portal/open").status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429]
    assert Client().get("/portal/open", REMOTE_ADDR="192.0.2.7").status_code == 200


def test_counts_start_again_in_the_next_window() -> None:
    with override_settings(RECOUP_PORTAL_RATE_LIMITS={"address": (1, 60)}):
        assert throttle.allow("address", "198.51.100.1", at=1_000_020.0)
        assert not throttle.allow("address", "198.51.100.1", at=1_000_030.0)
        assert throttle.allow("address", "198.51.100.1", at=1_000_090.0)


@override_settings(RECOUP_BEHIND_PROXY=True)
def test_behind_our_proxy_the_address_is_the_one_it_appended(rf) -> None:
    request = rf.get("/portal/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9", REMOTE_ADDR="10.0.0.2")
    assert throttle.client_address(request) == "203.0.113.9"
