"""A dispute from a call to its resolution (issue 14): logged from the call → assigned to an owner
→ an outside stakeholder comments through their link and attaches a file → the owner resolves it
with a partial credit note → the invoice's open amount drops by exactly that, the audit shows
each step, and the rest of the invoice is back on the worklist."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from recoup.accounts.models import Role, User
from recoup.audit.models import AuditEvent
from recoup.disputes.models import Dispute
from recoup.imports.services import import_file
from recoup.ledger.models import Customer, Invoice
from recoup.worklist import services as worklist
from recoup.worklist.models import WorklistEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "browser-test-password-4"
PDF = b"%PDF-1.4\n% delivery note DN-5521: 40 of 43 pallets signed for\n%%EOF\n"


@pytest.fixture
def books(tmp_path: Path) -> dict[str, object]:
    User.objects.create_user(
        email="cara@demo.example", password=PASSWORD, first_name="Cara", last_name="Collector", role=Role.COLLECTOR
    )
    User.objects.create_user(email="sam@demo.example", password=PASSWORD, first_name="Sam", last_name="Senior", role=Role.SENIOR)
    base = timezone.localdate()
    (tmp_path / "c.csv").write_text(
        "customer_ref,name,country,currency,phone,collector\nK-2,Cascade Tooling GmbH,DE,EUR,030 1234567,cara@demo.example\n"
    )
    (tmp_path / "i.csv").write_text(
        "invoice_ref,customer_ref,issue_date,due_date,amount,currency\n"
        f"C-200,K-2,{base - dt.timedelta(days=60)},{base - dt.timedelta(days=30)},12960.40,EUR\n"
    )
    import_file("customers", tmp_path / "c.csv")
    import_file("invoices", tmp_path / "i.csv")
    worklist.rebuild(at=timezone.now())
    return {"customer": Customer.objects.get(customer_ref="K-2")}


def _log_in(page, live_server, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.wait_for_load_state()


def test_a_dispute_from_the_call_to_a_partial_credit_note(browser, page, live_server, books, tmp_path) -> None:  # type: ignore[no-untyped-def]
    shots = DOCS_SCREENSHOTS if os.environ.get("RECOUP_WRITE_SCREENSHOTS") else tmp_path
    customer = books["customer"]

    # 1. Cara logs the dispute from the call.
    _log_in(page, live_server, "cara@demo.example")
    page.goto(f"{live_server.url}/calls/{customer.pk}/")
    page.locator("#dispute-detail summary").click()
    page.get_by_label("Reason").select_option("quantity")
    page.get_by_role("button", name="Open dispute").click()
    page.wait_for_load_state()
    assert "Dispute: Quantity" in page.locator("main").inner_text()
    case = Dispute.objects.get()
    assert WorklistEntry.objects.get(customer=customer).exclusion == "all_disputed"

    # 2. She opens the case and gives it to Sam, then invites the sales rep by e-mail.
    page.get_by_role("link", name="Dispute", exact=True).click()
    page.wait_for_url(re.compile(rf"/disputes/{case.pk}/$"))
    page.get_by_label("Owner", exact=True).select_option(label="Sam Senior")
    page.get_by_role("button", name="Assign").click()
    page.wait_for_load_state()
    assert "owner Sam Senior" in page.locator(".subtitle").inner_text()
    page.get_by_label("Name", exact=True).fill("Rita Sales")
    page.get_by_label("E-mail", exact=True).fill("rita@sales.example")
    page.get_by_label("Role", exact=True).select_option("sales")
    page.get_by_role("button", name="Invite by e-mail").click()
    page.wait_for_load_state()
    assert "Rita Sales was invited by e-mail" in page.locator(".messages").inner_text()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["rita@sales.example"]
    link = re.search(r"(http://\S+/shared/open#\S+)", mail.outbox[0].body)
    assert link, mail.outbox[0].body

    # 3. Rita, with no account, opens her link, comments and attaches the delivery note.
    outside = browser.new_context(viewport={"width": 1100, "height": 800})
    rita = outside.new_page()
    requests: list[str] = []
    rita.on("request", lambda r: requests.append(r.url + " " + (r.headers.get("referer") or "")))
    rita.goto(link.group(1))
    rita.wait_for_url(re.compile(r"/shared/\d+/$"))
    assert "Disputed invoice of Cascade Tooling GmbH" in rita.locator("h1").inner_text()
    token = link.group(1).split("#", 1)[1]
    assert not [r for r in requests if token in r]  # the token never left the browser in a URL or Referer
    rita.get_by_label("Your comment").fill("Only 40 of 43 pallets were delivered; the signed delivery note is attached.")
    rita.get_by_label(re.compile("Attach a file")).set_input_files(
        {"name": "delivery-note-DN-5521.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    rita.get_by_role("button", name="Send to the team").click()
    rita.wait_for_load_state()
    assert "Thank you" in rita.locator(".messages").inner_text()
    assert "delivery-note-DN-5521.pdf" in rita.locator("main").inner_text()
    rita.screenshot(path=str(shots / "dispute-stakeholder.png"), full_page=True)
    outside.close()

    # 4. Sam resolves it: a credit note for the three missing pallets, €2,960.40.
    page.get_by_role("button", name="Log out").click()
    _log_in(page, live_server, "sam@demo.example")
    page.goto(f"{live_server.url}/disputes/?scope=mine")
    assert f"Dispute {case.pk}" in page.locator("table.disputes").inner_text()
    page.screenshot(path=str(shots / "disputes.png"))
    page.get_by_role("link", name=f"Dispute {case.pk}").click()
    main = page.locator("main").inner_text()
    assert "Only 40 of 43 pallets were delivered" in main and "delivery-note-DN-5521.pdf" in main
    page.screenshot(path=str(shots / "dispute-case.png"), full_page=True)
    page.locator("#resolve-credit summary").click()
    page.get_by_label(re.compile("Credit on C-200")).fill("2,960.40")
    page.get_by_label("What was agreed").fill("Three pallets short, credited as agreed with the buyer.")
    page.get_by_role("button", name="Issue credit note and resolve").click()
    page.wait_for_load_state()
    assert "resolved with a credit note" in page.locator(".messages").inner_text()

    # The open amount dropped by exactly the credit; the rest is collectible again.
    assert Invoice.objects.get(invoice_ref="C-200").open_amount == 1_296_040 - 296_040
    assert Invoice.objects.get(invoice_ref="CN-C-200-1").amount == 296_040
    entry = WorklistEntry.objects.get(customer=customer)
    assert entry.exclusion != "all_disputed" and entry.overdue_amount > 0
    assert "€10,000.00" in entry.objective_text
    # Each step is in the audit trail, and the case's history shows it.
    actions = list(
        AuditEvent.objects.filter(object_type="disputes.dispute", object_id=case.pk)
        .order_by("id")
        .values_list("action", flat=True)
    )
    for step in (
        "dispute.open",
        "dispute.assign",
        "dispute.invite",
        "dispute.link_open",
        "dispute.comment",
        "dispute.attach",
        "dispute.resolve",
    ):
        assert step in actions, (step, actions)
    assert AuditEvent.objects.filter(action="credit_note.issue", after__amount=296_040).exists()
    history = page.locator("#case-history").inner_text()
    assert "Owner: Cara Collector → Sam Senior" in history
    assert "Rita Sales <rita@sales.example> via link" in history
    assert "Attached delivery-note-DN-5521.pdf" in history
    assert "Resolved: Credit note; C-200 €2,960.40; documents CN-C-200-1" in history
    page.screenshot(path=str(shots / "dispute-resolved.png"), full_page=True)

    page.goto(f"{live_server.url}/calls/{customer.pk}/")
    objective = page.locator(".objective-panel").inner_text()
    assert (
        "€10,000.00" in objective
        and "disputed" not in page.locator("section[aria-labelledby=items-title] .table-wrap").inner_text()
    )
