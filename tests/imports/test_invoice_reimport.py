"""Re-importing invoices without credit notes: the plan first reads refs and fingerprints only,
and the rest of each invoice only when a row changed; both paths give the same answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from recoup.audit.models import AuditEvent
from recoup.imports.services import import_file
from recoup.ledger.models import Invoice

pytestmark = pytest.mark.django_db

HEADER = "invoice_ref,customer_ref,issue_date,due_date,amount,currency\n"
ROWS = [
    "A-1,C1,2026-01-05,2026-02-04,100.00,USD",
    "A-2,C1,2026-01-06,2026-02-05,250.50,USD",
    "A-3,C2,2026-01-07,,75.25,EUR",
]


@pytest.fixture
def books(tmp_path: Path) -> Path:
    (tmp_path / "customers.csv").write_text("customer_ref,name,currency\nC1,One,USD\nC2,Two,EUR\n")
    import_file("customers", tmp_path / "customers.csv")
    path = tmp_path / "invoices.csv"
    path.write_text(HEADER + "\n".join(ROWS) + "\n")
    first = import_file("invoices", path)
    assert (first.created, first.updated, first.unchanged) == (3, 0, 0)
    return path


def test_the_same_file_again_is_unchanged_and_writes_nothing(books: Path) -> None:
    snapshot = sorted(Invoice.objects.values_list("invoice_ref", "amount", "due_date", "import_hash", "updated_at"))
    events = AuditEvent.objects.count()
    again = import_file("invoices", books)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert sorted(Invoice.objects.values_list("invoice_ref", "amount", "due_date", "import_hash", "updated_at")) == snapshot
    assert AuditEvent.objects.count() == events


def test_a_changed_row_among_unchanged_ones_is_updated_with_its_before_values(books: Path) -> None:
    books.write_text(HEADER + "\n".join([ROWS[0], ROWS[1].replace("250.50", "260.00"), ROWS[2], "A-4,C2,2026-01-08,,9.99,EUR"]))
    result = import_file("invoices", books)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 2)
    changed = Invoice.objects.get(invoice_ref="A-2")
    assert (changed.amount, changed.open_amount) == (26000, 26000)
    event = AuditEvent.objects.get(object_type="ledger.invoice", object_id=changed.pk, action="import.update")
    assert event.before is not None and event.after is not None
    assert (event.before["amount"], event.after["amount"]) == (25050, 26000)
    assert event.before["due_date"] == "2026-02-05"
    assert Invoice.objects.get(invoice_ref="A-4").amount == 999
