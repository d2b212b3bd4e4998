"""The customer portal end to end (issue 17), on a phone: a collector copies the customer's link
from the call-prep sheet; the customer opens it, promises a date for two invoices, disputes a
third with a photo, asks for a callback and reads the page in German; the collector's pages then
show the promise, the dispute case and the task, and the customer has left today's call list, as
the strategy says (an open promise keeps a customer off until its date)."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone

from recoup.accounts.models import Role, User
from recoup.audit.models import AuditEvent
from recoup.disputes.models import Dispute
from recoup.imports.services import import_file
from recoup.kernel.calendar import is_public_holiday, local_time
from recoup.ledger.clock import business_date
from recoup.ledger.models import Customer
from recoup.ledger.selectors import customer_zone
from recoup.promises.models import Promise
from recoup.worklist import services as worklist
from recoup.worklist.models import ON_LIST, EntryStatus, Task, WorklistEntry
from recoup.worklist.strategy import strategy_to_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "browser-test-password-17"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
# A small photo of the damage (a valid JPEG header is what the upload check reads).
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(range(256)) * 8 + b"\xff\xd9"


def _country_without_a_holiday(day: dt.date) -> str:
    return next(c for c in ("GB", "IE", "US", "DE") if not is_public_holiday(day, c))


@pytest.fixture
def books(tmp_path: Path) -> dict[str, object]:
    cache.clear()
    now = timezone.now()
    base = business_date(now)
    country = _country_without_a_holiday(base)
    User.objects.create_user(
        email="cara@demo.example", password=PASSWORD, first_name="Cara", last_name="Collector", role=Role.COLLECTOR
    )
    # Calls on every day at any hour, so that the customer is on today's list whenever the suite runs.
    definition = strategy_to_data(worklist.BUILT_IN) | {
        "hours": {"start": "00:00", "end": "23:59", "weekdays": [0, 1, 2, 3, 4, 5, 6]}
    }
    worklist.save_strategy(actor=None, name="All hours", definition=definition, segments=[], is_default=True, now=now)
    (tmp_path / "c.csv").write_text(
        "customer_ref,name,country,currency,phone,email,collector\n"
        f"K-1,Borealis Freight Ltd,{country},GBP,+44 20 7946 0018,ap@borealis.example,cara@demo.example\n"
    )
    d = dt.timedelta
    rows = [("B-100", d(95), d(65), "18250.00"), ("B-101", d(40), d(10), "4100.00"), ("B-102", d(35), d(5), "2960.40")]
    (tmp_path / "i.csv").write_text(
        "invoice_ref,customer_ref,issue_date,due_date,amount,currency,po_number\n"
        + "".join(f"{ref},K-1,{base - issued},{base - due},{amount},GBP,PO-{ref[2:]}\n" for ref, issued, due, amount in rows)
    )
    import_file("customers", tmp_path / "c.csv")
    import_file("invoices", tmp_path / "i.csv")
    worklist.rebuild(at=now)
    customer = Customer.objects.get(customer_ref="K-1")
    assert WorklistEntry.objects.get(customer=customer).status in ON_LIST
    return {"customer": customer, "as_of": base}


def _log_in(page, live_server) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill("cara@demo.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.wait_for_load_state()


def _message(phone) -> str:  # type: ignore[no-untyped-def]
    return phone.locator(".messages").inner_text()


def test_a_customer_answers_on_their_phone(browser, page, live_server, books, tmp_path) -> None:  # type: ignore[no-untyped-def]
    shots = DOCS_SCREENSHOTS if os.environ.get("RECOUP_WRITE_SCREENSHOTS") else tmp_path
    customer = books["customer"]
    as_of = books["as_of"]

    # 1. Cara copies the customer's link from the call-prep sheet.
    _log_in(page, live_server)
    page.goto(f"{live_server.url}/calls/{customer.pk}/")
    page.get_by_role("button", name="Create a link").click()
    page.wait_for_url(re.compile(rf"/calls/{customer.pk}/#portal-link$"))
    url = page.locator("#portal-link-url").input_value()
    assert url.startswith(f"{live_server.url}/portal/open#")
    page.locator("#portal-link").screenshot(path=str(shots / "portal-link-panel.png"))

    # 2. The customer opens it on a phone: the token never leaves the browser in an address or Referer.
    context = browser.new_context(**PHONE)
    phone = context.new_page()
    seen: list[str] = []
    phone.on("request", lambda r: seen.append(r.url + " " + (r.headers.get("referer") or "")))
    phone.goto(url)
    phone.wait_for_url(re.compile(r"/portal/$"))
    assert "#" not in phone.url
    assert "Borealis Freight Ltd" in phone.locator("h1").inner_text()
    items = phone.locator("#items").inner_text()
    for ref in ("B-100", "B-101", "B-102"):
        assert ref in items
    assert "65 days overdue" in items and "£18,250.00" in items
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px phone"
    phone.screenshot(path=str(shots / "portal-phone.png"))

    # 3. A date for two invoices.
    phone.get_by_role("checkbox", name="B-100").check()
    phone.get_by_role("checkbox", name="B-101").check()
    promised = as_of + dt.timedelta(days=7)
    phone.get_by_label("We will pay by").fill(promised.isoformat())
    phone.get_by_role("button", name="Promise to pay").click()
    phone.wait_for_load_state()
    assert "We have noted that you will pay by" in _message(phone)
    assert "Promised for" in phone.locator("#items").inner_text()

    # 4. The third disputed, with a photo of the damage.
    phone.get_by_role("checkbox", name="B-102").check()
    phone.get_by_label("What is wrong").select_option(label="The goods are damaged or faulty")
    phone.get_by_label("Your comment").fill("Two pallets arrived crushed; photo attached.")
    phone.get_by_label(re.compile("Attach a photo")).set_input_files(
        {"name": "crushed-pallets.jpg", "mimeType": "image/jpeg", "buffer": PHOTO}
    )
    phone.locator("#dispute").scroll_into_view_if_needed()
    phone.screenshot(path=str(shots / "portal-phone-dispute.png"))
    phone.get_by_role("button", name="Send the dispute").click()
    phone.wait_for_load_state()
    assert "We have opened a case" in _message(phone)
    assert "Disputed: we are looking into it" in phone.locator("#items").inner_text()

    # 5. A call tomorrow at 10:30 their time.
    zone = customer_zone(customer).zone
    tomorrow = local_time(timezone.now(), zone).date() + dt.timedelta(days=1)
    phone.get_by_label("Day", exact=True).fill(tomorrow.isoformat())
    phone.get_by_label("Time", exact=True).select_option("10:30")
    phone.get_by_label(re.compile("What should we talk about")).fill("The crushed pallets")
    phone.get_by_role("button", name="Ask for a call").click()
    phone.wait_for_load_state()
    assert "We will call you at" in _message(phone)

    # 6. The same page in German.
    phone.get_by_role("button", name="Deutsch").click()
    phone.wait_for_load_state()
    assert "Offene Posten" in phone.locator("#items").inner_text()
    phone.screenshot(path=str(shots / "portal-phone-de.png"))
    token = url.split("#", 1)[1]
    assert not [r for r in seen if token in r], [r for r in seen if token in r]
    context.close()

    # 7. Cara's pages show the promise, the case and the task; the customer left today's list.
    promise = Promise.objects.get(customer=customer)
    assert sorted(promise.invoices.values_list("invoice_ref", flat=True)) == ["B-100", "B-101"]
    case = Dispute.objects.get(customer=customer)
    assert case.attachments.get().original_name == "crushed-pallets.jpg"
    callback = Task.objects.get(customer=customer, kind="callback")
    assert callback.zone == zone and local_time(callback.due_at, zone).replace(tzinfo=None) == dt.datetime.combine(
        tomorrow, dt.time(10, 30)
    )
    entry = WorklistEntry.objects.get(customer=customer)
    assert entry.status == EntryStatus.EXCLUDED, (entry.status, entry.exclusion, entry.detail)
    page.goto(f"{live_server.url}/calls/{customer.pk}/")
    commitments = page.locator("section[aria-labelledby=commitments-title]").inner_text()
    assert "Promise £22,350.00" in commitments and "Open" in commitments
    assert "Dispute: Quality or damage, £2,960.40" in commitments
    contacts = page.locator("section[aria-labelledby=activity-title]").inner_text()
    assert "Portal" in contacts and "Callback requested" in contacts
    page.screenshot(path=str(shots / "portal-prep-after.png"), full_page=True)
    page.goto(f"{live_server.url}/calls/tasks/")
    tasks = page.locator("main").inner_text()
    assert "Call back as the customer asked online" in tasks and "Borealis Freight Ltd" in tasks
    page.goto(f"{live_server.url}/worklist/")
    assert "Borealis Freight Ltd" not in page.locator("main").inner_text()
    assert AuditEvent.objects.filter(action="portal.open").count() == 1
