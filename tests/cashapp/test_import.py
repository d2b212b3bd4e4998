"""Importing a statement: what is applied, what waits, the JSON, and a second import changing nothing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from recoup.audit.models import AuditEvent
from recoup.cashapp.models import StatementLine
from recoup.cashapp.references import rf_for
from recoup.cashapp.services import import_statement
from recoup.ledger.models import Allocation, Deduction, Invoice, Payment
from recoup.promises.models import Promise, PromiseStatus
from tests.cashapp.conftest import DAY
from tests.cashapp.statements import Paid, camt053

pytestmark = pytest.mark.django_db(transaction=True)

ACME_IBAN = "DE89370400440532013000"
STRANGER = "GB33BUKB20201555555555"


def statement() -> list[Paid]:
    return [
        # A structured RF reference, from an account recoup does not know, but the payer's name resembles the customer's.
        Paid(100000, payer_name="ACME TRADING", payer_account=STRANGER, reference=rf_for("INV-2025-0101"), bank_ref="R1"),
        # Invoice numbers in free text, written loosely; pays two items of the parent's group.
        Paid(
            150000, payer_name="Borealis Logistik", payer_account="", remittance="Rg. inv 2025/301 + INV-2025-302", bank_ref="R2"
        ),
        # No reference: the account is known, the amount is one of Acme's items exactly.
        Paid(250000, payer_name="Acme", payer_account=ACME_IBAN, remittance="thanks", bank_ref="R3"),
        # Short by 15.00 of bank charges on the parent's own invoice.
        Paid(76200, payer_name="Borealis Holding", payer_account="", remittance="INV-2025-0201", bank_ref="R4"),
        # Nobody recoup knows.
        Paid(4321, payer_name="Unknown Stranger Ltd", payer_account=STRANGER, remittance="donation", bank_ref="R5"),
        # A debit: shown, not applied.
        Paid(-9900, payer_name="Stadtwerke", remittance="Strom", bank_ref="R6"),
    ]


def test_import_applies_what_it_is_sure_of_and_queues_the_rest(ledger, clerk) -> None:
    outcome = import_statement(camt053(statement()), "day.xml", actor=clerk, now=timezone.now())
    lines = outcome.as_json()["lines"]
    assert [line["status"] for line in lines] == ["applied", "applied", "applied", "applied", "unmatched", "ignored"]
    assert lines[0]["allocations"] == [["INV-2025-0101", "1000.00"]] and lines[0]["customer_ref"] == "C-ACME"
    assert lines[1]["allocations"] == [["INV-2025-0301", "1200.00"], ["INV-2025-0302", "300.00"]]
    assert lines[2]["allocations"] == [["INV-2025-0102", "2500.00"]] and "account" in lines[2]["reason"]
    assert lines[3]["allocations"] == [["INV-2025-0201", "762.00"]] and "bank charges" in lines[3]["reason"]
    assert lines[5]["amount"] == "-99.00" and lines[5]["reason"].startswith("a debit")
    for ref in ("INV-2025-0101", "INV-2025-0102", "INV-2025-0301", "INV-2025-0302", "INV-2025-0201"):
        assert Invoice.objects.get(invoice_ref=ref).open_amount == 0, ref
    # The 15.00 short payment is written off by a credit note, recorded as a bank-charges deduction.
    deduction = Deduction.objects.get()
    assert (deduction.reason, deduction.amount, deduction.invoice.invoice_ref) == ("bank_charges", 1500, "INV-2025-0201")
    assert Payment.objects.filter(source="bank").count() == 4
    assert AuditEvent.objects.filter(action="cash.receive").count() == 4
    line = StatementLine.objects.get(bank_ref="R5")
    assert line.status == "unmatched" and line.customer is None


def test_json_has_exactly_the_documented_shape(ledger, clerk, tmp_path, capsys) -> None:
    from recoup.cli import main

    path = tmp_path / "day.xml"
    path.write_bytes(camt053(statement()))
    main(["import", "bank", str(path), "--json"])
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"statement", "lines"}
    assert result["statement"] == {
        "account": "DE02120300000000202051",
        "from": DAY.isoformat(),
        "to": DAY.isoformat(),
        "lines": 6,
    }
    keys = {
        "bank_ref",
        "end_to_end_id",
        "booked_on",
        "amount",
        "currency",
        "payer_name",
        "status",
        "customer_ref",
        "allocations",
        "unapplied",
        "confidence",
        "reason",
    }
    assert all(set(line) == keys for line in result["lines"])
    assert result["lines"][0]["amount"] == "1000.00" and result["lines"][0]["unapplied"] == "0.00"
    assert isinstance(result["lines"][0]["confidence"], float)


def _state() -> tuple[object, ...]:
    return (
        Payment.objects.count(),
        Allocation.objects.count(),
        StatementLine.objects.count(),
        AuditEvent.objects.count(),
        sorted(Invoice.objects.values_list("invoice_ref", "open_amount")),
    )


def test_a_statement_imported_twice_changes_nothing(ledger, clerk) -> None:
    data = camt053(statement())
    first = import_statement(data, "day.xml", actor=clerk, now=timezone.now())
    before = _state()
    second = import_statement(data, "day-again.xml", actor=clerk, now=timezone.now())
    assert _state() == before
    assert second.already_imported == 6
    assert [line["status"] for line in second.lines] == [line["status"] for line in first.lines]


def test_dry_run_writes_nothing(ledger, clerk) -> None:
    before = _state()
    outcome = import_statement(camt053(statement()), "day.xml", actor=clerk, now=timezone.now(), dry_run=True)
    assert [line["status"] for line in outcome.lines][:4] == ["applied"] * 4
    assert _state() == before


def test_an_unknown_payer_is_never_applied_even_with_a_real_invoice_number(ledger, clerk) -> None:
    paid = [Paid(100000, payer_name="Totally Different Corp", payer_account=STRANGER, remittance="INV-2025-0101", bank_ref="U1")]
    (line,) = import_statement(camt053(paid), "x.xml", actor=clerk, now=timezone.now()).lines
    assert line["status"] == "suggested" and line["customer_ref"] == "C-ACME"
    assert Invoice.objects.get(invoice_ref="INV-2025-0101").open_amount == 100000


def test_a_fully_paid_promise_is_kept_at_once(ledger, clerk) -> None:
    acme = ledger["acme"]
    now = timezone.now()
    promise = Promise.objects.create(
        customer=acme,
        amount=250000,
        currency="EUR",
        promised_date=timezone.localdate() + dt.timedelta(days=5),
        created_at=now - dt.timedelta(days=40),
    )
    promise.invoices.set([ledger["A2"]])
    paid = [
        Paid(
            250000,
            payer_name="Acme",
            payer_account=ACME_IBAN,
            remittance="INV-2025-0102",
            bank_ref="P1",
            booked_on=timezone.localdate(),
        )
    ]
    import_statement(camt053(paid), "p.xml", actor=clerk, now=now)
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.KEPT and promise.kept_amount == 250000


def test_a_line_whose_items_were_paid_meanwhile_waits_instead_of_over_applying(ledger, clerk) -> None:
    paid = [
        Paid(100000, payer_name="Acme", payer_account=ACME_IBAN, remittance="INV-2025-0101", bank_ref="D1"),
        Paid(100000, payer_name="Acme", payer_account=ACME_IBAN, remittance="INV-2025-0101 again", bank_ref="D2"),
    ]
    lines = import_statement(camt053(paid), "d.xml", actor=clerk, now=timezone.now()).lines
    # Both name the same item; the second would over-apply it: applied once, the other is not.
    assert [line["status"] for line in lines].count("applied") == 1
    assert Invoice.objects.get(invoice_ref="INV-2025-0101").open_amount == 0
