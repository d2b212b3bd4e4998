"""A link for customer A never shows or touches customer B's data, in any page or action."""

from __future__ import annotations

import datetime as dt
import re
import zlib

import pytest

from recoup.activities.models import Activity
from recoup.audit.models import AuditEvent
from recoup.disputes.models import Dispute
from recoup.kernel.calendar import is_business_day, local_time
from recoup.ledger.models import Contact, Customer, Invoice
from recoup.promises.models import Promise
from recoup.worklist.models import Task

from .conftest import opened

pytestmark = pytest.mark.django_db

GLOBEX_DATA = ("Globex", "GLOBEX", "G-9001", "G-9002", "Gil Globex", "ap@globex.example", "+13125550100", "9,000.00", "9.000,00")


def pdf_text(document: bytes) -> str:
    """The text drawn in a PDF made by fpdf2 (its page streams are zlib-compressed)."""
    out = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", document, re.S):
        try:
            out.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            continue
    return "\n".join(out)


def _globex_untouched(globex: Customer) -> None:
    assert not Promise.objects.filter(customer=globex).exists()
    assert not Dispute.objects.filter(customer=globex).exists()
    assert not Task.objects.filter(customer=globex).exists()
    assert not Activity.objects.filter(customer=globex).exists()
    assert Contact.objects.get(customer=globex).name == "Gil Globex"
    assert sorted(Invoice.objects.filter(customer=globex).values_list("open_amount", flat=True)) == [300_000, 900_000]


def test_acmes_page_and_statement_show_nothing_of_globex(acme, globex, now) -> None:
    client = opened(acme, now)
    page = client.get("/portal/").content.decode()
    assert "Acme Werkzeuge GmbH" in page and "INV-1001" in page
    for value in GLOBEX_DATA:
        assert value not in page, value
    text = pdf_text(client.get("/portal/statement.pdf").content)
    assert "INV-1001" in text
    for value in GLOBEX_DATA:
        assert value not in text, value


def _next_business_day(now: dt.datetime) -> str:
    day = local_time(now, "Europe/Berlin").date() + dt.timedelta(days=1)
    while not is_business_day(day, "DE"):
        day += dt.timedelta(days=1)
    return day.isoformat()


@pytest.mark.parametrize("mix", [False, True], ids=["globex-only", "with-an-acme-item"])
@pytest.mark.parametrize("action", ["promise", "dispute"])
def test_globex_items_named_through_acmes_link_refuse_the_whole_request(acme, globex, now, as_of, action, mix) -> None:
    client = opened(acme, now)
    theirs = [str(i) for i in Invoice.objects.filter(customer=globex).values_list("pk", flat=True)]
    chosen = theirs + ([str(Invoice.objects.get(invoice_ref="INV-1001").pk)] if mix else [])
    data = {"action": action, "invoices": chosen, "promised_date": (as_of + dt.timedelta(days=3)).isoformat()}
    data |= {"reason": "pricing", "comment": "Not ours"}
    response = client.post("/portal/items", data)
    assert response.status_code == 422
    body = response.content.decode()
    for value in GLOBEX_DATA:
        assert value not in body, value
    _globex_untouched(globex)
    assert not Promise.objects.exists() and not Dispute.objects.exists() and not Activity.objects.exists()


def test_every_other_action_through_acmes_link_lands_on_acme(acme, globex, now) -> None:
    client = opened(acme, now)
    for path, data in (
        ("/portal/callback", {"day": _next_business_day(now), "time": "10:00"}),
        ("/portal/contact", {"name": "Paula Payables", "email": "paula@acme.example", "phone": "+4930111222"}),
        ("/portal/feedback", {"message": "Hello"}),
    ):
        assert client.post(path, data).status_code == 302, path
    _globex_untouched(globex)
    assert Activity.objects.filter(customer=acme).count() == 3
    assert Task.objects.get().customer == acme
    # Every use was audited on Acme's link.
    uses = AuditEvent.objects.filter(object_type="portal.portallink", action__startswith="portal.")
    assert uses.exists() and all(event.after["customer"] == "ACME" for event in uses)


def test_opening_globexs_link_in_the_same_browser_replaces_acmes(acme, globex, now) -> None:
    client = opened(acme, now)
    opened(globex, now, client=client)
    page = client.get("/portal/").content.decode()
    assert "Globex Corporation" in page and "Acme" not in page and "INV-1001" not in page
