"""A phone number that is not valid for the customer's country does not reject the file: the
customer is imported, the number kept as written and never dialled, and the import warns."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from recoup.imports.models import ImportRun
from recoup.imports.services import import_file
from recoup.kernel.calendar import resolve_timezone
from recoup.ledger.models import Contact, Customer
from recoup.worklist import facts

pytestmark = pytest.mark.django_db

CUSTOMERS = (
    "customer_ref,name,country,phone\n"
    "DE-1,Spree Logistik AG,DE,+49 30 1234567\n"
    "US-1,Lakeshore Supply Inc.,US,312 555 01\n"  # too short for a US number
    "NO-1,Nowhere Ltd,,12345\n"  # no country code and no country to read it in
)


def test_the_customer_is_imported_with_the_number_kept_and_not_dialable(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text(CUSTOMERS)
    result = import_file("customers", tmp_path / "c.csv")
    assert (result.created, result.invalid, result.errors) == (3, 0, [])
    assert [(w.line, w.column, w.value) for w in result.warnings] == [(3, "phone", "312 555 01"), (4, "phone", "12345")]
    assert result.warnings[0].reason == "not a valid number for US; imported as written, marked not dialable"
    assert "marked not dialable" in result.warnings[1].reason
    chicago = Contact.objects.get(customer__customer_ref="US-1")
    assert (chicago.phone, chicago.undialable_phone, chicago.is_primary) == ("", "312 555 01", True)
    berlin = Contact.objects.get(customer__customer_ref="DE-1")
    assert (berlin.phone, berlin.undialable_phone) == ("+49301234567", "")
    run = ImportRun.objects.get(pk=result.run_id)
    assert run.warning_count == 2 and run.warnings[0] == {
        "line": 3,
        "column": "phone",
        "value": "312 555 01",
        "reason": "not a valid number for US; imported as written, marked not dialable",
    }

    again = import_file("customers", tmp_path / "c.csv")
    assert (again.created, again.updated, again.unchanged, len(again.warnings)) == (0, 0, 3, 2)
    (tmp_path / "c.csv").write_text(CUSTOMERS.replace("312 555 01", "312 555 0100"))
    corrected = import_file("customers", tmp_path / "c.csv")
    assert (corrected.updated, corrected.unchanged, len(corrected.warnings)) == (1, 2, 1)
    chicago.refresh_from_db()
    assert (chicago.phone, chicago.undialable_phone) == ("+13125550100", "")


def test_the_call_window_falls_back_to_the_country_or_the_company_zone(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text(CUSTOMERS)
    import_file("customers", tmp_path / "c.csv")
    now = dt.datetime(2026, 11, 25, 14, 30, tzinfo=dt.UTC)
    customers = facts.resolve_zones(facts.load(as_of=now.date(), now=now)["customers"])
    by_ref = {r["customer_ref"]: r for r in customers.iter_rows(named=True)}
    us = resolve_timezone(explicit=None, region=None, country="US", phone=None, default=settings.RECOUP_DEFAULT_TIMEZONE)
    assert by_ref["US-1"]["zone"] == us.zone
    assert by_ref["NO-1"]["zone"] == settings.RECOUP_DEFAULT_TIMEZONE
    assert by_ref["DE-1"]["zone"] == "Europe/Berlin"
    # Nobody dials a number that is not one.
    assert by_ref["US-1"]["phone"] is None and by_ref["NO-1"]["phone"] is None
    assert by_ref["DE-1"]["phone"] == "+49301234567"


def test_the_cli_and_its_json_list_the_warnings(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text(CUSTOMERS)
    out = io.StringIO()
    call_command("import_ledger", "customers", str(tmp_path / "c.csv"), "--dry-run", "--no-progress", stdout=out)
    text = out.getvalue()
    assert "3 rows — 3 customers created, 0 updated, 0 unchanged, 0 invalid; 2 warnings" in text
    assert "warning: line 3, column 'phone', value '312 555 01': not a valid number for US" in text
    out = io.StringIO()
    call_command("import_ledger", "customers", str(tmp_path / "c.csv"), "--json", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["created"] == 3
    assert [(w["line"], w["column"], w["value"]) for w in summary["warnings"]] == [
        (3, "phone", "312 555 01"),
        (4, "phone", "12345"),
    ]


def test_a_contacts_file_keeps_an_undialable_number_too(tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("customer_ref,name,country\nGB-1,Thames Ltd,GB\n")
    import_file("customers", tmp_path / "c.csv")
    (tmp_path / "k.csv").write_text("customer_ref,name,phone\nGB-1,Jane Doe,020 7946 0018\nGB-1,John Roe,020 79\n")
    result = import_file("contacts", tmp_path / "k.csv")
    assert (result.created, result.invalid) == (2, 0)
    assert [(w.line, w.column, w.value) for w in result.warnings] == [(3, "phone", "020 79")]
    john = Contact.objects.get(name="John Roe")
    assert (john.phone, john.undialable_phone) == ("", "020 79")
    assert Customer.objects.count() == 1
