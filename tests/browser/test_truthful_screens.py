"""The calling screens tell the truth (issue 11): every customer's clock in their own zone,
follow-up times said in words a caller can trust, and what a collector may and may not open."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from pathlib import Path

import pytest
from django.utils import timezone

from recoup.accounts.models import Role, User
from recoup.imports.services import import_file
from recoup.worklist import services as worklist

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "browser-test-password-3"

ZONES = {
    "TYO-1": ("Shinjuku Parts KK", "JP", "+81 3 1234 5678", "Asia/Tokyo"),
    "LAX-1": ("Pacific Crates Inc", "US", "+1 213 555 0100", "America/Los_Angeles"),
    "NYC-1": ("Hudson Fasteners LLC", "US", "+1 212 555 0100", "America/New_York"),
    "CCU-1": ("Hooghly Traders Pvt Ltd", "IN", "+91 33 2345 6789", "Asia/Kolkata"),
}


@pytest.fixture
def world(tmp_path: Path) -> dict[str, object]:
    cara = User.objects.create_user(
        email="cara@demo.example",
        password=PASSWORD,
        first_name="Cara",
        last_name="Caller",
        role=Role.COLLECTOR,
        timezone="Europe/London",
    )
    lines = ["customer_ref,name,country,currency,phone,collector"]
    lines += [f"{ref},{name},{country},USD,{phone},cara@demo.example" for ref, (name, country, phone, _) in ZONES.items()]
    (tmp_path / "c.csv").write_text("\n".join(lines) + "\n")
    today = timezone.now().date()
    invoices = ["invoice_ref,customer_ref,issue_date,due_date,amount,currency"]
    for n, ref in enumerate(ZONES):
        issue, due = today - dt.timedelta(days=70), today - dt.timedelta(days=40)
        invoices.append(f"INV-{n},{ref},{issue},{due},{20000 + n * 1000}.00,USD")
    (tmp_path / "i.csv").write_text("\n".join(invoices) + "\n")
    import_file("customers", tmp_path / "c.csv")
    import_file("invoices", tmp_path / "i.csv")
    worklist.rebuild(at=timezone.now())
    return {"cara": cara}


def _log_in(page, live_server, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.wait_for_load_state()


def _clock(zone: str, at: dt.datetime) -> set[str]:
    """The customer's clock at ``at`` and a minute later (the page may render across a minute)."""
    local = at.astimezone(zoneinfo.ZoneInfo(zone))
    return {f"{t:%H:%M}" for t in (local, local + dt.timedelta(minutes=1))}


def test_todays_calls_show_each_customers_own_clock(page, live_server, world) -> None:  # type: ignore[no-untyped-def]
    _log_in(page, live_server, "cara@demo.example")
    page.goto(f"{live_server.url}/worklist/")
    now = timezone.now()
    shown = {}
    for ref, (name, _, _, zone) in ZONES.items():
        row = page.locator("table.worklist tbody tr", has_text=name)
        shown[ref] = row.locator(".local-time").inner_text()
        hhmm, abbreviation = shown[ref].split(" ", 1)
        assert hhmm in _clock(zone, now), (ref, shown[ref])
        assert abbreviation == (now.astimezone(zoneinfo.ZoneInfo(zone)).tzname() or "").replace("+", "UTC+"), shown[ref]
    # Tokyo and Los Angeles are never on the same clock: the page must not show one time for all.
    assert len({s.split(" ")[0] for s in shown.values()}) == len(ZONES)
    # The window is the customer's too, never "UTC".
    assert "UTC" not in page.locator("table.worklist").inner_text().replace("UTC+", "")
    assert page.locator("#my-time").inner_text().split(" ")[0] in _clock("Europe/London", now)


def test_the_prep_sheet_and_contacts_are_on_the_customers_clock(page, live_server, world) -> None:  # type: ignore[no-untyped-def]
    _log_in(page, live_server, "cara@demo.example")
    page.goto(f"{live_server.url}/worklist/")
    page.get_by_role("link", name="Shinjuku Parts KK").click()
    page.wait_for_url(re.compile(r"/calls/\d+/"))
    now = timezone.now()
    header = page.locator("#customer-time").inner_text()
    assert "JST" in header and any(t in header for t in _clock("Asia/Tokyo", now)), header
    contacts = page.locator("main").inner_text()
    assert re.search(r"\d\d:\d\d JST local", contacts), contacts


def test_the_saved_callback_says_when_in_the_customers_time(page, live_server, world) -> None:  # type: ignore[no-untyped-def]
    _log_in(page, live_server, "cara@demo.example")
    page.goto(f"{live_server.url}/worklist/")
    page.get_by_role("link", name="Pacific Crates Inc").click()
    page.wait_for_url(re.compile(r"/calls/\d+/"))
    page.locator("#callback-detail summary").click()
    tomorrow = (timezone.now().astimezone(zoneinfo.ZoneInfo("America/Los_Angeles")) + dt.timedelta(days=1)).date()
    page.locator("#callback_at").fill(f"{tomorrow:%Y-%m-%d}T10:30")
    page.get_by_role("button", name="Schedule callback").click()
    page.wait_for_load_state()
    message = page.locator(".messages").inner_text()
    # "Next: Call back as agreed, Thu 03 Dec 10:30 PST the customer's time (Thu 03 Dec 18:30 GMT your time)."
    assert f"{tomorrow:%a %d %b} 10:30 P" in message and "the customer's time" in message, message
    assert "UTC" not in message and "00:00" not in message, message
    assert "your time" in message


def _all_callable_now() -> None:
    from recoup.worklist.models import WorklistEntry

    now = timezone.now()
    WorklistEntry.objects.update(window_start=now - dt.timedelta(hours=1), window_end=now + dt.timedelta(hours=2))


def test_skip_walks_down_the_whole_list(page, live_server, world) -> None:  # type: ignore[no-untyped-def]
    _all_callable_now()
    _log_in(page, live_server, "cara@demo.example")
    page.goto(f"{live_server.url}/worklist/")
    page.locator("#start-calling").click()
    seen = []
    for _ in range(len(ZONES)):
        page.wait_for_url(re.compile(r"/calls/\d+/\?dial=1"))
        seen.append(page.locator("h1").first.inner_text())
        page.keyboard.press("j")
        page.wait_for_load_state()
    assert len(set(seen)) == len(ZONES), seen  # every callable customer once, none twice
    page.wait_for_url(re.compile(r"/worklist/"))
    assert "That was everyone callable now (4 customers)" in page.locator(".messages").inner_text()


def test_a_promise_at_the_shown_amount_is_saved(page, live_server, world) -> None:  # type: ignore[no-untyped-def]
    from recoup.promises.models import Promise

    _log_in(page, live_server, "cara@demo.example")
    page.goto(f"{live_server.url}/worklist/")
    page.get_by_role("link", name="Hudson Fasteners LLC").click()
    page.wait_for_url(re.compile(r"/calls/\d+/"))
    page.locator("#promise-detail summary").click()
    assert page.locator("#promise_amount").get_attribute("placeholder") == "$22,000.00"
    page.get_by_role("button", name="Save promise").click()  # the amount left as shown
    page.wait_for_load_state()
    assert "Promise to pay logged" in page.locator(".messages").inner_text()
    assert Promise.objects.get().amount == 2_200_000


def test_a_callback_for_tomorrow_takes_the_customer_off_todays_list(page, live_server, world) -> None:  # type: ignore[no-untyped-def]
    _all_callable_now()
    _log_in(page, live_server, "cara@demo.example")
    page.goto(f"{live_server.url}/worklist/")
    first = page.locator("table.worklist tbody tr").first.locator("td a").first.inner_text()
    page.get_by_role("link", name=first).click()
    page.wait_for_url(re.compile(r"/calls/\d+/"))
    page.locator("#callback-detail summary").click()
    page.get_by_role("button", name="Schedule callback").click()  # tomorrow 10:00, the form's default
    page.wait_for_load_state()
    assert "Callback requested logged" in page.locator(".messages").inner_text()
    page.goto(f"{live_server.url}/worklist/")
    assert first not in page.locator("table.worklist").inner_text()
    _all_callable_now()
    page.locator("#start-calling").click()
    page.wait_for_url(re.compile(r"/calls/\d+/\?dial=1"))
    assert page.locator("h1").first.inner_text() != first
    # The customer page says why they are not on today's list.
    from recoup.worklist.models import WorklistEntry

    entry = WorklistEntry.objects.get(customer__name=first)
    assert entry.exclusion == "callback" and "A callback is agreed for" in entry.detail


def test_a_customer_of_another_portfolio_gets_a_page_with_a_way_back(page, live_server, world) -> None:  # type: ignore[no-untyped-def]
    from recoup.ledger.models import Customer

    otto = User.objects.create_user(email="otto@demo.example", password=PASSWORD, role=Role.COLLECTOR)
    theirs = Customer.objects.create(customer_ref="OTTO-1", name="Otto's Account", currency="USD", collector=otto)
    _log_in(page, live_server, "cara@demo.example")
    response = page.goto(f"{live_server.url}/customers/{theirs.pk}/")
    assert response is not None and response.status == 403
    main = page.locator("main").inner_text()
    assert "You can't open this page" in main and "another collector's portfolio" in main
    assert page.locator("nav.mainnav").is_visible()  # the layout, not a bare "403 Forbidden"
    page.get_by_role("link", name="Back to your start page").click()
    page.wait_for_url(re.compile(r"/worklist/"))  # a collector's start page is Today's calls
    response = page.goto(f"{live_server.url}/customers/999999/")
    assert response is not None and response.status == 404
    assert "Nothing here" in page.locator("main").inner_text() and page.locator("nav.mainnav").is_visible()


def test_the_customer_page_says_why_not_on_todays_list_and_shows_the_history(page, live_server, world) -> None:  # type: ignore[no-untyped-def]
    from recoup.ledger.models import Customer

    _log_in(page, live_server, "cara@demo.example")
    hudson = Customer.objects.get(customer_ref="NYC-1")
    page.goto(f"{live_server.url}/calls/{hudson.pk}/")
    page.locator("#promise-detail summary").click()
    page.get_by_role("button", name="Save promise").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/customers/{hudson.pk}/")
    why = page.locator("#why-not").inner_text()
    assert why.startswith("Not on today's list.") and "An open promise to pay is not yet due" in why, why
    main = page.locator("main").inner_text()
    assert "Promise $22,000.00 by" in main and "Open" in main
    history = page.locator("section", has=page.get_by_role("heading", name="Call history")).inner_text()
    assert "Promise to pay" in history and "Cara Caller" in history


def test_the_prep_sheet_fits_a_laptop_screen(page, live_server, world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Issue 11 item 15: at 1366×768, what a caller needs before dialling shows without scrolling.
    import os

    from recoup.activities.services import log_activity
    from recoup.disputes.services import open_dispute
    from recoup.ledger.models import Customer, Invoice

    hudson = Customer.objects.get(customer_ref="NYC-1")
    today = timezone.now().date()
    for n in range(7):
        Invoice.objects.create(
            customer=hudson,
            invoice_ref=f"NYC-EXTRA-{n}",
            issue_date=today - dt.timedelta(days=60 + n),
            due_date=today - dt.timedelta(days=30 + n),
            amount=150_000 + n,
            open_amount=150_000 + n,
            currency="USD",
        )
    for k in range(6):
        log_activity(
            actor=world["cara"],
            customer=hudson,
            at=timezone.now() - dt.timedelta(days=k + 1),
            outcome="no_answer",
            notes="Rang the AP desk, no answer.",
        )
    open_dispute(
        actor=world["cara"],
        customer=hudson,
        invoices=[Invoice.objects.get(invoice_ref="NYC-EXTRA-0")],
        reason="pricing",
        now=timezone.now(),
    )
    _log_in(page, live_server, "cara@demo.example")
    page.goto(f"{live_server.url}/calls/{hudson.pk}/?dial=1")
    shots = (
        Path(__file__).resolve().parents[2] / "docs" / "screenshots" if os.environ.get("RECOUP_WRITE_SCREENSHOTS") else tmp_path
    )
    page.screenshot(path=str(shots / "call-prep.png"))

    def on_screen(locator) -> None:  # type: ignore[no-untyped-def]
        box = locator.bounding_box()
        assert box is not None, locator
        assert box["y"] >= 0 and box["y"] + box["height"] <= 768 and box["x"] + box["width"] <= 1366, (locator, box)

    on_screen(page.locator("#objective-title"))
    on_screen(page.locator(".objective-panel .objective"))
    items = page.locator("section[aria-labelledby=items-title] tbody tr")
    assert items.count() == 8
    for n in range(items.count()):
        on_screen(items.nth(n))
    for button in ("No answer", "Voicemail", "Refused"):
        on_screen(page.get_by_role("button", name=button))
    for summary in ("#promise-detail summary", "#dispute-detail summary", "#callback-detail summary"):
        on_screen(page.locator(summary))
    on_screen(page.locator("#activity-title"))
    on_screen(page.locator("section[aria-labelledby=activity-title] li").first)
    on_screen(page.locator("section[aria-labelledby=commitments-title] li", has_text="Dispute"))
    on_screen(page.locator("#next-customer"))
    # Opening the callback section keeps its button on the screen (no fixed-height scroll box).
    page.locator("#callback-detail summary").click()
    on_screen(page.get_by_role("button", name="Schedule callback"))
