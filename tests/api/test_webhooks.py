"""Webhooks: a manager adds an endpoint; a dispute opened, a payment applied and a promise broken
reach a real local HTTP server, signed; a failing endpoint is tried again and the log shows it."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading
import time
from collections.abc import Iterator

import pytest
from django.test import Client

from recoup.disputes.services import open_dispute
from recoup.ledger import services as ledger_services
from recoup.ledger.models import Invoice, Payment
from recoup.promises.models import Promise
from recoup.promises.services import evaluate_due
from recoup.webhooks import rules, services
from recoup.webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db


class Receiver(http.server.BaseHTTPRequestHandler):
    """Checks every request's signature with the endpoint's secret; answers ``status``."""

    secret = ""
    status = 200
    received: list[dict] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        stamp = int(self.headers["X-Recoup-Timestamp"])
        valid = rules.verify(self.secret, stamp, body, self.headers["X-Recoup-Signature"], now=int(time.time()))
        type(self).received.append({"valid": valid, "event": self.headers["X-Recoup-Event"], "body": json.loads(body)})
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[type[Receiver]]:
    handler = type("Handler", (Receiver,), {"received": [], "status": 200})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}/hook"  # type: ignore[attr-defined]
    yield handler
    server.shutdown()
    server.server_close()


def _endpoint(team, receiver, now) -> Endpoint:
    client = Client()
    client.force_login(team["manager"])
    page = client.post("/webhooks/", {"url": receiver.url, "events": list(rules.EVENTS)}).content.decode()
    endpoint = Endpoint.objects.get()
    assert endpoint.secret in page  # shown once, on the page that made it
    receiver.secret = endpoint.secret
    Endpoint.objects.filter(pk=endpoint.pk).update(created_at=now - dt.timedelta(minutes=1))
    return endpoint


def test_events_reach_the_endpoint_signed(team, books, receiver, now, as_of, django_capture_on_commit_callbacks) -> None:
    _endpoint(team, receiver, now)
    acme = books["acme"]
    inv1, inv2 = Invoice.objects.get(invoice_ref="INV-1"), Invoice.objects.get(invoice_ref="INV-2")
    with django_capture_on_commit_callbacks(execute=True):
        open_dispute(actor=team["collector"], customer=acme, invoices=[inv1], reason="pricing", now=now)
    payment = Payment.objects.create(
        customer=acme, payment_ref="PAY-1", received_on=as_of, amount=10_000, currency="EUR", unapplied_amount=10_000
    )
    with django_capture_on_commit_callbacks(execute=True):
        ledger_services.allocate_payment(
            payment=payment, invoice=inv2, amount=10_000, applied_on=None, actor=team["collector"], now=now
        )
    Promise.objects.create(
        customer=acme, amount=50_000, currency="EUR", promised_date=as_of - dt.timedelta(days=10), created_at=now
    )
    with django_capture_on_commit_callbacks(execute=True):
        evaluate_due(as_of=as_of, now=now)
    events = [r["event"] for r in receiver.received]
    assert events == ["dispute.opened", "payment.applied", "promise.broken"]
    assert all(r["valid"] for r in receiver.received)
    assert receiver.received[0]["body"]["data"]["details"]["reason"] == "pricing"
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}


def test_a_failing_endpoint_is_retried_and_the_log_shows_it(team, books, receiver, now) -> None:
    _endpoint(team, receiver, now)
    receiver.status = 503
    open_dispute(
        actor=team["collector"],
        customer=books["acme"],
        invoices=[Invoice.objects.get(invoice_ref="INV-1")],
        reason="quality",
        now=now,
    )
    [delivery_id] = services.collect(now=now)
    first = services.attempt(delivery_id, now=now)
    assert first is not None and first.status == "retrying" and first.response_code == 503 and first.attempts == 1
    assert services.due_for_retry(now=now) == []  # not before its wait is over
    assert services.attempt(delivery_id, now=now).attempts == 1  # an early call sends nothing
    receiver.status = 200
    later = now + dt.timedelta(seconds=31)
    assert services.due_for_retry(now=later) == [delivery_id]
    second = services.attempt(delivery_id, now=later)
    assert second is not None and second.status == "delivered" and second.attempts == 2
    assert [r["valid"] for r in receiver.received] == [True, True]
    assert receiver.received[0]["body"] == receiver.received[1]["body"]
    client = Client()
    client.force_login(team["manager"])
    log = client.get("/webhooks/").content.decode()
    assert "dispute.opened" in log and "Delivered" in log
    assert services.collect(now=later) == []  # seen once, delivered once


def test_a_signature_that_does_not_match_or_is_old_is_refused() -> None:
    signed = rules.signature("whsec_x", 1_700_000_000, b'{"a":1}')
    assert rules.verify("whsec_x", 1_700_000_000, b'{"a":1}', signed, now=1_700_000_010)
    assert not rules.verify("whsec_x", 1_700_000_000, b'{"a":2}', signed, now=1_700_000_010)
    assert not rules.verify("whsec_x", 1_700_000_000, b'{"a":1}', signed, now=1_700_000_000 + 301)
    assert [rules.next_delay(n) for n in (1, 2, 3)] == [
        dt.timedelta(seconds=30),
        dt.timedelta(minutes=1),
        dt.timedelta(minutes=2),
    ]
    assert rules.next_delay(rules.MAX_ATTEMPTS) is None


def test_only_managers_set_up_webhooks(team) -> None:
    client = Client()
    client.force_login(team["collector"])
    assert client.get("/webhooks/").status_code == 403
