"""Skipping payments that held no cash since a date never changes what is computed from it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from polars.testing import assert_frame_equal

from recoup.analytics import aging, cei
from recoup.imports.services import import_file
from recoup.ledger.frames import load_ledger

pytestmark = pytest.mark.django_db


def test_aging_and_cei_from_the_cash_since_date_on_are_unchanged(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("customer_ref,name,currency\nA,Alpha,USD\nB,Beta,USD\n")
    (tmp_path / "i.csv").write_text(
        "invoice_ref,customer_ref,issue_date,due_date,amount\n"
        "I1,A,2026-01-05,2026-02-04,100.00\nI2,A,2026-02-10,2026-03-12,250.00\nI3,B,2026-03-01,2026-03-31,80.00\n"
    )
    (tmp_path / "p.csv").write_text(
        "payment_ref,received_on,amount,customer_ref,invoice_ref,applied_amount\n"
        "P-OLD,2026-01-20,100.00,A,I1,100.00\n"  # applied long before: held no cash since
        "P-LATE,2026-03-01,250.00,A,I2,250.00\n"  # applied at once; received before the window
        "P-CASH,2026-03-15,40.00,B,,\n"  # still unapplied today
    )
    for entity, name in (("customers", "c"), ("invoices", "i"), ("payments", "p")):
        import_file(entity, tmp_path / f"{name}.csv")
    everything = load_ledger()
    since = dt.date(2026, 2, 15)
    trimmed = load_ledger(cash_since=since)
    assert set(trimmed.payments["id"].to_list()) < set(everything.payments["id"].to_list())
    for day in (since, dt.date(2026, 3, 10), dt.date(2026, 3, 20), dt.date(2026, 6, 30)):
        assert_frame_equal(aging(trimmed, day), aging(everything, day))
        assert cei(trimmed, since, day) == cei(everything, since, day)
