"""The worklist on a ledger imported from canonical files: the command, updates, why-not, routing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from recoup.accounts.models import Role, User
from recoup.activities.services import log_activity
from recoup.disputes.services import open_dispute
from recoup.imports.services import import_file
from recoup.ledger.models import Customer, Invoice
from recoup.promises.services import make_promise
from recoup.worklist import selectors, services
from recoup.worklist.models import WorklistEntry

pytestmark = pytest.mark.django_db

# Wednesday 25 Nov 2026, 14:30 UTC: 15:30 in Berlin, 11:30 in São Paulo, 08:30 in Chicago,
# 20:00 in Kolkata, 01:30 Thursday in Sydney.
T = dt.datetime(2026, 11, 25, 14, 30, tzinfo=dt.UTC)

CUSTOMERS = [
    # ref, name, country, region, phone
    ("BER-1", "Berliner Werkzeug GmbH", "DE", "", "+49 30 1234567"),
    ("BER-2", "Spree Logistik AG", "DE", "", "+49 30 7654321"),
    ("SAO-1", "Paulista Comercio Ltda", "BR", "BR-SP", "+55 11 3456 7890"),
    ("CHI-1", "Lakeshore Supply Inc.", "US", "US-IL", "+1 312 555 0100"),
    ("KOL-1", "Hooghly Traders Pvt Ltd", "IN", "", "+91 33 2345 6789"),
    ("SYD-1", "Harbour Goods Pty Ltd", "AU", "AU-NSW", "+61 2 9876 5432"),
    ("NOP-1", "No Phone Ltd", "", "", ""),
]

INVOICES = [
    # ref, customer, issue, due, amount
    ("I-BER-1", "BER-1", "2026-08-17", "2026-09-16", "15000.00"),  # 70 days overdue, > 10,000
    ("I-BER-2", "BER-2", "2026-11-20", "2026-12-20", "9000.00"),  # not due: no rule fires
    ("I-SAO-1", "SAO-1", "2026-10-16", "2026-11-15", "5000.00"),  # 10 days overdue
    ("I-CHI-1", "CHI-1", "2026-07-28", "2026-08-27", "50000.00"),  # 90 days overdue, window opens 15:00 UTC
    ("I-KOL-1", "KOL-1", "2026-07-28", "2026-08-27", "80000.00"),
    ("I-SYD-1", "SYD-1", "2026-07-28", "2026-08-27", "90000.00"),
    # No phone, no country: company default zone (New York), window opens 14:00 UTC.
    ("I-NOP-1", "NOP-1", "2026-10-01", "2026-10-31", "20000.00"),
]


def _write(path: Path, header: list[str], rows: list[tuple]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def imported(tmp_path: Path) -> None:
    customers = _write(
        tmp_path / "customers.csv",
        ["customer_ref", "name", "country", "region", "phone", "currency"],
        [(*c, "USD") for c in CUSTOMERS],
    )
    invoices = _write(
        tmp_path / "invoices.csv",
        ["invoice_ref", "customer_ref", "issue_date", "due_date", "amount", "currency"],
        [(*i, "USD") for i in INVOICES],
    )
    import_file("customers", customers)
    import_file("invoices", invoices)


def _worklist(*args: str) -> dict:
    out = io.StringIO()
    call_command("worklist", "--at", T.isoformat(), "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def test_the_command_lists_exactly_the_customers_callable_at_t_in_point_order(imported: None) -> None:
    result = _worklist()
    refs = [e["customer_ref"] for e in result["entries"]]
    # BER-1: 15,000 overdue ≥ 3 days (+60), oldest 70 days ≥ 60 (+30), never reached (+20) = 110.
    # NOP-1: 20,000 overdue 25 days (+60), never reached (+20) = 80. SAO-1: never reached (+20).
    assert refs == ["BER-1", "NOP-1", "SAO-1"]
    assert [e["points"] for e in result["entries"]] == [110, 80, 20]
    berlin = result["entries"][0]
    assert berlin["zone"] == "Europe/Berlin" and berlin["local_time"].startswith("2026-11-25T15:30")
    assert berlin["objective"] == "secure_date" and "I-BER-1" in berlin["objective_text"]
    assert any("overdue 3+ days" in r for r in berlin["reasons"])
    assert berlin["phone"] == "+49301234567"
    # An hour later Chicago has opened and Berlin is still open; Kolkata and Sydney never are today.
    later = io.StringIO()
    call_command("worklist", "--at", "2026-11-25T15:30:00+00:00", "--json", stdout=later)
    assert [e["customer_ref"] for e in json.loads(later.getvalue())["entries"]] == ["CHI-1", "BER-1", "NOP-1", "SAO-1"]


def test_why_not_explains_each_absence(imported: None) -> None:
    def why(ref: str) -> dict:
        return _worklist("--why-not", ref)

    assert "No valuation rule" in why("BER-2")["explanation"]
    assert "outside the customer's call window" in why("KOL-1")["explanation"]
    assert why("BER-1")["on_list"] is True


def test_an_activity_or_promise_updates_the_entry_at_once(imported: None) -> None:
    services.rebuild(at=T)
    berlin = Customer.objects.get(customer_ref="BER-1")
    assert WorklistEntry.objects.get(customer=berlin).status == "pool"
    log_activity(actor=None, customer=berlin, at=T, outcome="no_answer")
    entry = services.refresh_customer(berlin.pk, at=T + dt.timedelta(minutes=1))
    assert entry is not None and entry.status == "excluded" and entry.exclusion == "cadence"
    # A promise: off the list until it falls due, with the reason in words.
    sao = Customer.objects.get(customer_ref="SAO-1")
    invoice = Invoice.objects.get(invoice_ref="I-SAO-1")
    make_promise(actor=None, customer=sao, amount=500_000, promised_date=dt.date(2026, 11, 30), invoices=[invoice], now=T)
    entry = services.refresh_customer(sao.pk, at=T)
    assert entry is not None and entry.exclusion == "open_promise"
    assert "promise" in selectors.why_not(sao).explanation
    # ... and on the promised date it is back, to confirm the payment.
    entry = services.refresh_customer(sao.pk, at=dt.datetime(2026, 11, 30, 14, 0, tzinfo=dt.UTC))
    assert entry is not None and entry.status in ("scheduled", "pool") and entry.objective == "promise_due"


def test_a_fully_disputed_account_leaves_the_list(imported: None) -> None:
    nop = Customer.objects.get(customer_ref="NOP-1")
    open_dispute(actor=None, customer=nop, invoices=list(nop.invoices.all()), reason="pricing", now=T)
    refs = [e["customer_ref"] for e in _worklist()["entries"]]
    assert "NOP-1" not in refs
    assert "disputed" in _worklist("--why-not", "NOP-1")["explanation"]


def test_capacity_and_routing_to_seniors(imported: None) -> None:
    junior = User.objects.create_user(email="junior@example.com", password="x" * 12, role=Role.COLLECTOR, daily_capacity=1)
    senior = User.objects.create_user(email="senior@example.com", password="x" * 12, role=Role.SENIOR, daily_capacity=5)
    Customer.objects.filter(customer_ref__in=["BER-1", "NOP-1", "SAO-1"]).update(collector=junior)
    # NOP-1 has broken two promises before: escalated, so it goes to the senior.
    nop = Customer.objects.get(customer_ref="NOP-1")
    from recoup.promises.models import Promise

    for day in (1, 2):
        Promise.objects.create(
            customer=nop,
            amount=100,
            currency="USD",
            promised_date=dt.date(2026, 11, day),
            status="broken",
            resolved_on=dt.date(2026, 11, day + 3),
            created_at=T - dt.timedelta(days=30),
        )
    services.rebuild(at=T)
    entries = {e.customer.customer_ref: e for e in WorklistEntry.objects.select_related("customer")}
    assert (entries["NOP-1"].collector, entries["NOP-1"].escalated) == (senior, True)
    assert entries["BER-1"].collector == junior and entries["BER-1"].status == "scheduled"
    # The junior's one slot went to the better-ranked BER-1; SAO-1 is over capacity, not given away.
    assert entries["SAO-1"].status == "over_capacity"
    mine = [e.customer.customer_ref for e in selectors.entries(collector=junior, callable_at=T)]
    assert mine == ["BER-1"]


def test_an_import_updates_a_built_worklist(imported: None, tmp_path: Path, django_capture_on_commit_callbacks) -> None:
    services.rebuild(at=T)
    assert WorklistEntry.objects.get(customer__customer_ref="BER-2").points == 0
    path = _write(
        tmp_path / "more.csv",
        ["invoice_ref", "customer_ref", "issue_date", "due_date", "amount", "currency"],
        [("I-BER-2b", "BER-2", "2026-08-01", "2026-08-31", "30000.00", "USD")],
    )
    with django_capture_on_commit_callbacks(execute=True):
        import_file("invoices", path)
    # Rebuilt at the import's own time; whatever the day, the new overdue invoice now earns points.
    assert WorklistEntry.objects.get(customer__customer_ref="BER-2").points > 0
