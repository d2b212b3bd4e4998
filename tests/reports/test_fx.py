"""FX rates: the CSV import (all rows or none) and home-currency aging with them."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from recoup.audit.models import AuditEvent
from recoup.imports.errors import ImportRejected
from recoup.imports.fx import import_fx_rates
from recoup.ledger.models import FxRate
from tests.reports.conftest import Books
from tests.reports.test_report_cli import PLACES, independent_aging

pytestmark = pytest.mark.django_db


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rates.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_import_creates_then_updates_and_is_audited(tmp_path: Path) -> None:
    result = import_fx_rates(_file(tmp_path, "currency,on,rate\nEUR,2025-01-01,1.0843\njpy,2025-01-01,0.006712345\n"))
    assert (result.created, result.updated, result.currencies) == (2, 0, ("EUR", "JPY"))
    assert FxRate.objects.get(currency="JPY").rate == Decimal("0.006712345")
    result = import_fx_rates(_file(tmp_path, "currency,on,rate\nEUR,2025-01-01,1.09\nEUR,2025-02-01,1.1\n"))
    assert (result.created, result.updated) == (1, 1)
    assert FxRate.objects.get(currency="EUR", on=dt.date(2025, 1, 1)).rate == Decimal("1.09")
    assert AuditEvent.objects.filter(action="fx.import").count() == 2


def test_one_bad_row_rejects_the_file_and_every_problem_is_named(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        "currency,on,rate\nEUR,2025-01-01,1.08\nXXX,2025-01-01,1\nUSD,2025-02-30,1\nGBP,2025-01-01,-1\nCHF,2025-01-01,1.0000000001\n",
    )
    with pytest.raises(ImportRejected) as caught:
        import_fx_rates(path)
    assert [(e.line, e.column) for e in caught.value.errors] == [(3, "currency"), (4, "on"), (5, "rate"), (6, "rate")]
    assert FxRate.objects.count() == 0
    err = io.StringIO()
    with pytest.raises(CommandError, match="rejected, nothing imported"):
        call_command("fx_import", str(path), stderr=err)
    assert "line 6" in err.getvalue()
    with pytest.raises(CommandError, match="missing column"):
        call_command("fx_import", str(_file(tmp_path, "code,date,rate\n")))


def test_fx_import_command_json_and_dry_run(tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("fx_import", str(_file(tmp_path, "currency,on,rate\nEUR,2025-01-01,1.08\n")), "--dry-run", "--json", stdout=out)
    assert json.loads(out.getvalue()) == {"dry_run": True, "rows": 1, "created": 1, "updated": 0, "currencies": ["EUR"]}
    assert FxRate.objects.count() == 0


def test_home_currency_aging_converts_each_item_at_the_as_of_rate(books: Books, tmp_path: Path, settings) -> None:
    settings.RECOUP_HOME_CURRENCY = "USD"
    rates = {"EUR": Decimal("1.0843"), "JPY": Decimal("0.006712345"), "BHD": Decimal("2.659574468")}
    lines = ["currency,on,rate"] + [f"{c},2025-01-01,{r}" for c, r in rates.items()]
    # A later rate than the as-of date must not be used.
    lines.append("EUR,2026-02-01,2")
    call_command("fx_import", str(_file(tmp_path, "\n".join(lines) + "\n")), stdout=io.StringIO())
    as_of = dt.date(2026, 1, 15)
    out = io.StringIO()
    call_command("report", "aging", "--as-of", as_of.isoformat(), "--by", "segment", "--home", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert {r["currency"] for r in data["rows"]} == {"USD"}
    # Independent: open amount per item (here, per customer and bucket is enough, as the
    # items of one customer share a currency), converted and rounded half up to the cent.
    expected_total = Decimal(0)
    currency_of = {c["customer_ref"]: c["currency"] for c in books.customers}
    per_item_total = Decimal(0)
    for inv in books.invoices:
        if dt.date.fromisoformat(inv["issue_date"]) > as_of:
            continue
        cur = inv["currency"]
        paid = sum(
            (
                Decimal(p["applied_amount"])
                for p in books.payments
                if p["invoice_ref"] == inv["invoice_ref"] and dt.date.fromisoformat(p["received_on"]) <= as_of
            ),
            Decimal(0),
        )
        left = Decimal(inv["amount"]) - paid
        if inv["kind"] == "credit_note":
            left = -Decimal(inv["amount"])
        elif left <= 0:
            continue
        per_item_total += _convert(left, cur, rates)
    for pay in books.payments:
        if not pay["invoice_ref"] and dt.date.fromisoformat(pay["received_on"]) <= as_of:
            per_item_total += _convert(-Decimal(pay["amount"]), pay["currency"], rates)
    expected_total = per_item_total
    assert sum(Decimal(t["total"]) for t in data["totals"]) == expected_total
    # Sanity: the unconverted computation covers the same customers.
    assert set(independent_aging(books, as_of)) <= set(currency_of)


def _convert(amount: Decimal, currency: str, rates: dict[str, Decimal]) -> Decimal:
    if currency == "USD":
        return amount
    value = (abs(amount) * rates[currency]).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert PLACES["USD"] == 2
    return -value if amount < 0 else value
