"""`recoup report disputes` and the disputes report page: aging of open disputes by age × reason ×
owner, cycle time by reason, root causes; exports neutralise formulas; the aging page's
"Collectible" leaves out what is disputed."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from recoup.accounts.models import Role, User
from recoup.disputes.models import Dispute, Settlement
from recoup.ledger.models import Customer, Invoice

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 6, 30)


def _case(customer, reason, amount, opened, *, owner=None, resolved=None, sla=10, status=None, invoice=None) -> Dispute:
    case = Dispute.objects.create(
        customer=customer,
        reason=reason,
        amount=amount,
        currency=customer.currency,
        owner=owner,
        opened_on=opened,
        sla_due=opened + dt.timedelta(days=sla),
        resolved_on=resolved,
        status=status or ("resolved" if resolved else "open"),
    )
    if invoice is not None:
        case.invoices.set([invoice])
    return case


@pytest.fixture
def books() -> dict[str, object]:
    ann = User.objects.create_user(
        email="ann@example.com", password="x" * 12, first_name="Ann", last_name="Owner", role=Role.SENIOR
    )
    acme = Customer.objects.create(customer_ref="ACME", name="Acme", currency="USD")
    evil = Customer.objects.create(customer_ref="EVIL", name='=HYPERLINK("http://x")', currency="USD")
    inv = Invoice.objects.create(
        customer=acme,
        invoice_ref="I-1",
        issue_date=AS_OF - dt.timedelta(days=90),
        due_date=AS_OF - dt.timedelta(days=60),
        currency="USD",
        amount=100_000,
        open_amount=100_000,
    )
    credit = Invoice.objects.create(
        customer=acme,
        invoice_ref="CN-I-1-1",
        kind="credit_note",
        issue_date=AS_OF,
        due_date=AS_OF,
        currency="USD",
        amount=4_000,
        open_amount=0,
        credited_invoice=inv,
    )
    _case(acme, "pricing", 10_000, AS_OF - dt.timedelta(days=5), owner=ann)  # 0–15
    _case(acme, "pricing", 20_000, AS_OF - dt.timedelta(days=40), owner=ann)  # 31–60
    _case(evil, "quantity", 30_000, AS_OF - dt.timedelta(days=100))  # over 90, no owner
    # Closed: one within its SLA (8 days of 10), one after it (20 days of 10).
    fast = _case(
        acme, "pricing", 5_000, AS_OF - dt.timedelta(days=30), owner=ann, resolved=AS_OF - dt.timedelta(days=22), invoice=inv
    )
    Settlement.objects.create(
        dispute=fast, invoice=inv, kind="credit_note", amount=4_000, credit_note=credit, at=dt.datetime(2026, 6, 8, tzinfo=dt.UTC)
    )
    _case(acme, "pricing", 7_000, AS_OF - dt.timedelta(days=50), resolved=AS_OF - dt.timedelta(days=30), status="rejected")
    # Opened after the as-of date: not in any part.
    _case(acme, "pricing", 99_000, AS_OF + dt.timedelta(days=1))
    return {"acme": acme, "evil": evil}


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("report", "disputes", "--as-of", AS_OF.isoformat(), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_json_has_the_three_parts(books) -> None:
    data = json.loads(run("--format", "json"))
    assert data["report"] == "disputes" and data["as_of"] == "2026-06-30" and data["from"] == "2025-07-01"
    aging = {(r["reason"], r["owner"]): r for r in data["aging"]}
    assert set(aging) == {("pricing", "Ann Owner"), ("quantity", "(no owner)")}
    pricing = aging[("pricing", "Ann Owner")]
    assert (pricing["d0_15"], pricing["d31_60"], pricing["total"], pricing["total_minor"]) == (
        "100.00",
        "200.00",
        "300.00",
        30_000,
    )
    assert aging[("quantity", "(no owner)")]["over_90"] == "300.00"
    cycle = {r["reason"]: r for r in data["cycle_time"]}
    assert cycle["pricing"] == {
        "reason": "pricing",
        "closed": 2,
        "mean_days": 14.0,
        "median_days": 14.0,
        "max_days": 20,
        "within_sla_percent": 50.0,
    }
    causes = {(r["reason"], r["customer_ref"]): r for r in data["root_causes"]}
    assert causes[("pricing", "ACME")]["cases"] == 4
    assert (causes[("pricing", "ACME")]["disputed"], causes[("pricing", "ACME")]["conceded"]) == ("420.00", "40.00")


def test_csv_and_xlsx_neutralise_formulas(books, tmp_path: Path) -> None:
    text = run("--format", "csv", "--part", "causes")
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text
    target = tmp_path / "d.xlsx"
    call_command(
        "report",
        "disputes",
        "--as-of",
        AS_OF.isoformat(),
        "--format",
        "xlsx",
        "--output",
        str(target),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    book = load_workbook(target)
    assert book.sheetnames == ["Aging", "Cycle time", "Root causes"]
    names = [c.value for c in book["Root causes"]["C"]]
    assert '\'=HYPERLINK("http://x")' in names
    assert "Open disputes by age" in run()


def test_the_page_and_the_collectible_figure(books) -> None:
    client = Client()
    client.force_login(User.objects.get(email="ann@example.com"))
    page = client.get(f"/reports/disputes/?as_of={AS_OF}").content.decode()
    assert 'id="dispute-aging"' in page and "Pricing" in page and "Ann Owner" in page
    assert client.get(f"/reports/disputes/?as_of={AS_OF}&format=xlsx")["Content-Type"].startswith("application/vnd.openxml")
    aging = client.get(f"/reports/aging/?as_of={AS_OF}").content.decode()
    # Open debits $1,000.00 (I-1; credits are not collectible); $600.00 in open cases on that day.
    assert 'id="kpi-disputed"' in aging and "$600.00" in aging
    assert 'id="kpi-collectible">$400.00<' in aging
