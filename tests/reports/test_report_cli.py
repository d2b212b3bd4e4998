"""`recoup report ...` against an independent computation over the CSV rows (no recoup code)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.reports.conftest import Books

pytestmark = pytest.mark.django_db

BUCKETS = ("not_due", "d1_30", "d31_60", "d61_90", "d91_120", "over_120")
PLACES = {"USD": 2, "EUR": 2, "JPY": 0, "BHD": 3}


def _bucket(days_past_due: int) -> str:
    if days_past_due <= 0:
        return "not_due"
    for name, top in (("d1_30", 30), ("d31_60", 60), ("d61_90", 90), ("d91_120", 120)):
        if days_past_due <= top:
            return name
    return "over_120"


def independent_aging(books: Books, as_of: dt.date) -> dict[str, dict[str, Decimal]]:
    """customer_ref → bucket → open amount (major units), by plain loops over the CSV rows."""
    out: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for inv in books.invoices:
        if dt.date.fromisoformat(inv["issue_date"]) > as_of:
            continue
        if inv["kind"] == "credit_note":
            out[inv["customer_ref"]]["credits"] -= Decimal(inv["amount"])
            continue
        paid = Decimal(0)
        for pay in books.payments:
            if pay["invoice_ref"] == inv["invoice_ref"] and dt.date.fromisoformat(pay["received_on"]) <= as_of:
                paid += Decimal(pay["applied_amount"])
        left = Decimal(inv["amount"]) - paid
        if left > 0:
            days = (as_of - dt.date.fromisoformat(inv["due_date"])).days
            out[inv["customer_ref"]][_bucket(days)] += left
    for pay in books.payments:
        if not pay["invoice_ref"] and dt.date.fromisoformat(pay["received_on"]) <= as_of:
            out[pay["customer_ref"]]["credits"] -= Decimal(pay["amount"])
    for buckets in out.values():
        buckets["total"] = sum((buckets[b] for b in (*BUCKETS, "credits")), Decimal(0))
    return {ref: dict(b) for ref, b in out.items() if any(b.values())}


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("as_of", [dt.date(2025, 6, 30), dt.date(2026, 1, 15), dt.date(2027, 1, 1)])
def test_aging_json_agrees_to_the_cent_with_an_independent_computation(books: Books, as_of: dt.date) -> None:
    data = json.loads(run("aging", "--as-of", as_of.isoformat(), "--by", "customer", "--format", "json"))
    assert data["as_of"] == as_of.isoformat()
    expected = independent_aging(books, as_of)
    got = {}
    currency_of = {c["customer_ref"]: c["currency"] for c in books.customers}
    for row in data["rows"]:
        ref = row["customer_ref"]
        assert row["currency"] == currency_of[ref]
        amounts = {k: Decimal(row[k]) for k in (*BUCKETS, "credits", "total")}
        # The text is exact: as many places as the currency has, no more, no fewer.
        places = PLACES[row["currency"]]
        assert all(len(row[k].partition(".")[2]) == places for k in amounts), row
        # And the minor-unit integers say the same.
        assert all(Decimal(row[f"{k}_minor"]).scaleb(-places) == v for k, v in amounts.items()), row
        got[ref] = {k: v for k, v in amounts.items() if v or k == "total"}
    want = {ref: {k: v for k, v in b.items() if v or k == "total"} for ref, b in expected.items()}
    assert got == want
    assert {t["currency"] for t in data["totals"]} == {row["currency"] for row in data["rows"]}


def test_aging_groupings_add_up_to_the_same_totals(books: Books) -> None:
    as_of = "2026-01-15"
    totals = {}
    for by in ("customer", "collector", "segment", "currency"):
        data = json.loads(run("aging", "--as-of", as_of, "--by", by, "--format", "json"))
        totals[by] = {t["currency"]: t["total_minor"] for t in data["totals"]}
        assert sum(r["total_minor"] for r in data["rows"]) == sum(totals[by].values())
    assert len({json.dumps(t, sort_keys=True) for t in totals.values()}) == 1


def test_aging_csv_keeps_credits_numeric_and_xlsx_is_written(books: Books, tmp_path: Path) -> None:
    text = run("aging", "--as-of", "2026-01-15", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    first = books.customers[0]["customer_ref"]
    row = next(r for r in rows if r["customer_ref"] == first)
    # The formula guard must not turn a negative amount into text ("'-12.50").
    assert Decimal(row["credits"]) < 0
    target = tmp_path / "aging.xlsx"
    call_command(
        "report",
        "aging",
        "--as-of",
        "2026-01-15",
        "--format",
        "xlsx",
        "--output",
        str(target),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    from openpyxl import load_workbook

    sheet = load_workbook(target).active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert "total" in header and sheet.max_row == len(rows) + 1


def test_dso_and_cei_json(books: Books) -> None:
    dso = json.loads(run("dso", "--as-of", "2026-01-15", "--format", "json"))
    assert (dso["from"], dso["as_of"], dso["days"]) == ("2025-10-18", "2026-01-15", 90)
    for values in dso["currencies"].values():
        assert set(values) == {"dso", "dso_countback", "best_possible_dso", "add"}
        if values["dso"] is not None and values["best_possible_dso"] is not None:
            assert Decimal(values["add"]) == Decimal(values["dso"]) - Decimal(values["best_possible_dso"])
    cei = json.loads(run("cei", "--as-of", "2026-01-15", "--from", "2025-10-01", "--format", "json"))
    assert cei["days"] == 107
    assert all(set(v) == {"cei"} for v in cei["currencies"].values())


def test_table_output_and_errors(books: Books) -> None:
    assert "Aging as of 2026-01-15 by segment" in run("aging", "--as-of", "2026-01-15", "--by", "segment")
    assert "Best possible DSO" in run("dso", "--as-of", "2026-01-15")
    with pytest.raises(CommandError, match="needs --output"):
        run("aging", "--format", "xlsx")
    # Converting without rates says which rate is missing and how to add rates.
    with pytest.raises(CommandError, match="fx_import"):
        run("aging", "--as-of", "2026-01-15", "--home")
