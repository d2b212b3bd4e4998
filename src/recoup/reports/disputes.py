"""Dispute reports: where disputed money sits and for how long, how long cases take, and what
keeps causing them (``recoup report disputes``, the disputes report page).

- **Aging**: the amount in cases open at the end of the as-of date, by days since opened
  (0–15, 16–30, 31–60, 61–90, over 90) × reason × owner, per currency.
- **Cycle time**: cases closed in the period, by reason: how many, mean and median days from
  opening to closing, and the share closed within their SLA.
- **Root causes**: cases opened in the period by reason × customer: how many, the amount
  disputed and the amount conceded (credited or written off) — what to fix upstream.

Amounts stay in minor units of their own currency; they are never added across currencies.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass
from typing import Any

import polars as pl

from recoup.analytics.aging import DEFAULT_BUCKETS, bucket_names
from recoup.disputes import rules
from recoup.disputes.selectors import amount_in_home, case_frame, disputed_by_currency
from recoup.kernel.money import UnknownCurrency, currency_exponent
from recoup.ledger.exports import major_units, neutralise_formulas

BUCKETS = tuple(name for name, _, _ in rules.AGE_BUCKETS)
# The aging report's buckets of open debits: credits are not collectible.
AGING_DEBIT_BUCKETS = tuple(bucket_names(DEFAULT_BUCKETS))
DEFAULT_PERIOD_DAYS = 365
PARTS = ("aging", "cycle", "causes")
AMOUNTS = {
    "aging": (*BUCKETS, "total"),
    "cycle": (),
    "causes": ("disputed", "conceded"),
}


@dataclass(frozen=True)
class DisputeReport:
    as_of: dt.date
    start: dt.date
    aging: pl.DataFrame  # reason, owner, currency, BUCKETS…, total (minor units)
    cycle: pl.DataFrame  # reason, closed, mean_days, median_days, max_days, within_sla_percent
    causes: pl.DataFrame  # reason, customer_ref, customer_name, currency, cases, disputed, conceded

    def part(self, name: str) -> pl.DataFrame:
        return {"aging": self.aging, "cycle": self.cycle, "causes": self.causes}[name]


def default_start(as_of: dt.date) -> dt.date:
    return as_of - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)


def _open_at(cases: pl.DataFrame, as_of: dt.date) -> pl.Expr:
    return (pl.col("opened_on") <= as_of) & (pl.col("resolved_on").is_null() | (pl.col("resolved_on") > as_of))


def aging(cases: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    open_cases = cases.filter(_open_at(cases, as_of)).with_columns(
        bucket=(pl.lit(as_of) - pl.col("opened_on")).dt.total_days().map_elements(rules.age_bucket, return_dtype=pl.String)
    )
    if open_cases.height == 0:
        schema = {"reason": pl.String, "owner": pl.String, "currency": pl.String, **dict.fromkeys((*BUCKETS, "total"), pl.Int64)}
        return pl.DataFrame(schema=schema)
    frame = open_cases.group_by("reason", "owner", "currency").agg(
        *[pl.col("amount").filter(pl.col("bucket") == b).sum().alias(b) for b in BUCKETS],
        total=pl.col("amount").sum(),
    )
    return frame.sort(["currency", "total", "reason", "owner"], descending=[False, True, False, False])


def cycle_times(cases: pl.DataFrame, start: dt.date, end: dt.date) -> pl.DataFrame:
    closed = cases.filter(pl.col("resolved_on").is_not_null() & pl.col("resolved_on").is_between(start, end)).with_columns(
        days=(pl.col("resolved_on") - pl.col("opened_on")).dt.total_days(),
        in_time=pl.col("sla_due").is_null() | (pl.col("resolved_on") <= pl.col("sla_due")),
    )
    frame = closed.group_by("reason").agg(
        closed=pl.len().cast(pl.Int64),
        mean_days=pl.col("days").mean().round(1),
        median_days=pl.col("days").median().round(1),
        max_days=pl.col("days").max().cast(pl.Int64),
        within_sla_percent=(pl.col("in_time").mean() * 100).round(1),
    )
    return frame.sort(["closed", "reason"], descending=[True, False])


def root_causes(cases: pl.DataFrame, start: dt.date, end: dt.date) -> pl.DataFrame:
    opened = cases.filter(pl.col("opened_on").is_between(start, end))
    frame = opened.group_by("reason", "customer_ref", "customer_name", "currency").agg(
        cases=pl.len().cast(pl.Int64),
        disputed=pl.col("amount").sum(),
        conceded=(pl.col("credited") + pl.col("written_off")).sum(),
    )
    return frame.sort(["currency", "disputed", "reason", "customer_ref"], descending=[False, True, False, False])


def dispute_report(as_of: dt.date, start: dt.date | None = None) -> DisputeReport:
    start = start or default_start(as_of)
    if as_of < start:
        raise ValueError(f"the period ends ({as_of}) before it starts ({start})")
    cases = case_frame(opened_until=as_of)
    return DisputeReport(as_of, start, aging(cases, as_of), cycle_times(cases, start, as_of), root_causes(cases, start, as_of))


def not_collectible(as_of: dt.date, currency: str, *, home: bool) -> int | None:
    """What open dispute cases hold at the end of ``as_of``, in ``currency`` (in home: every
    currency converted at its latest rate); None when a rate is missing."""
    held = disputed_by_currency(as_of)
    if not home:
        return held.get(currency, 0)
    converted = [amount_in_home(amount, code, as_of) for code, amount in held.items()]
    return None if any(v is None for v in converted) else sum(v for v in converted if v is not None)


def collectible(totals: list[dict[str, Any]], currency: str | None, as_of: dt.date, *, home: bool) -> dict[str, int] | None:
    """The aging page's "Disputed" and "Collectible" (open debits less what is disputed) in the
    KPI currency; None when there is nothing to show or a rate is missing."""
    if currency is None:
        return None
    row = next((r for r in totals if r["currency"] == currency), None)
    disputed = not_collectible(as_of, currency, home=home)
    if row is None or disputed is None:
        return None
    debits = sum(int(row[b] or 0) for b in AGING_DEBIT_BUCKETS)
    return {"disputed": disputed, "collectible": max(debits - disputed, 0)}


# ---- for machines: JSON, CSV, XLSX -------------------------------------------------------------


def _major(frame: pl.DataFrame, amounts: tuple[str, ...]) -> pl.DataFrame:
    """Amounts as Decimal in major units (one scale per column: the largest exponent present)."""
    if not amounts or frame.height == 0:
        return frame
    codes = frame["currency"].unique().drop_nulls().to_list()
    scale = max((_exponent(c) for c in codes), default=2)
    text = frame.with_columns(major_units(c, "currency").alias(c) for c in amounts)
    return text.with_columns(pl.col(c).cast(pl.Decimal(38, scale)) for c in amounts)


def _exponent(code: str) -> int:
    try:
        return currency_exponent(code)
    except UnknownCurrency:
        return 2


def part_frame(report: DisputeReport, name: str) -> pl.DataFrame:
    """One part ready for a spreadsheet: amounts in major units, text neutralised (no formulas)."""
    if name not in PARTS:
        raise ValueError(f"unknown part {name!r}; choose one of {', '.join(PARTS)}")
    return neutralise_formulas(_major(report.part(name), AMOUNTS[name]))


def to_json(report: DisputeReport) -> dict[str, Any]:
    def rows(name: str) -> list[dict[str, Any]]:
        frame = report.part(name)
        for column in AMOUNTS[name]:
            frame = frame.with_columns(major_units(column, "currency").alias(column), pl.col(column).alias(f"{column}_minor"))
        return frame.to_dicts()

    return {
        "report": "disputes",
        "as_of": report.as_of.isoformat(),
        "from": report.start.isoformat(),
        "buckets": {name: rules.AGE_LABELS[name] for name in BUCKETS},
        "aging": rows("aging"),
        "cycle_time": rows("cycle"),
        "root_causes": rows("causes"),
    }


def json_bytes(report: DisputeReport) -> bytes:
    return json.dumps(to_json(report), indent=1, default=str, ensure_ascii=False).encode()


def csv_bytes(report: DisputeReport, part: str) -> bytes:
    return part_frame(report, part).write_csv().encode()


SHEETS = {"aging": "Aging", "cycle": "Cycle time", "causes": "Root causes"}


def xlsx_bytes(report: DisputeReport) -> bytes:
    """One sheet per part; amounts are numbers, text that a spreadsheet would run is neutralised."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for name, title in SHEETS.items():
        sheet = book.create_sheet(title)
        frame = part_frame(report, name)
        sheet.append(frame.columns)
        for row in frame.iter_rows():
            sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def print_tables(report: DisputeReport, stream: Any) -> None:
    """The three parts as tables on a terminal, amounts in their own currency."""
    from rich.console import Console
    from rich.table import Table

    from recoup.kernel.money import Money, format_money

    def money(minor: int | None, currency: str) -> str:
        if minor is None:
            return ""
        try:
            return format_money(Money(int(minor), currency))
        except UnknownCurrency:
            return f"{minor} {currency}"

    console = Console(file=stream, width=200)
    aging_table = Table(title=f"Open disputes by age as of {report.as_of:%Y-%m-%d}")
    for column in ("reason", "owner", "currency"):
        aging_table.add_column(column)
    for name in (*BUCKETS, "total"):
        aging_table.add_column(rules.AGE_LABELS.get(name, "Total"), justify="right")
    for row in report.aging.iter_rows(named=True):
        aging_table.add_row(
            row["reason"], row["owner"], row["currency"], *(money(row[b], row["currency"]) for b in (*BUCKETS, "total"))
        )
    console.print(aging_table)
    period = f"{report.start:%Y-%m-%d} … {report.as_of:%Y-%m-%d}"
    cycle_table = Table(title=f"Cycle time of cases closed {period}")
    for column in ("reason", "closed", "mean days", "median days", "max days", "within SLA %"):
        cycle_table.add_column(column, justify="left" if column == "reason" else "right")
    for values in report.cycle.iter_rows():
        cycle_table.add_row(*("" if v is None else str(v) for v in values))
    console.print(cycle_table)
    causes_table = Table(title=f"Root causes of cases opened {period}")
    for column in ("reason", "customer", "currency", "cases", "disputed", "conceded"):
        causes_table.add_column(column, justify="right" if column in ("cases", "disputed", "conceded") else "left")
    for row in report.causes.iter_rows(named=True):
        causes_table.add_row(
            row["reason"],
            f"{row['customer_name']} ({row['customer_ref']})",
            row["currency"],
            str(row["cases"]),
            money(row["disputed"], row["currency"]),
            money(row["conceded"], row["currency"]),
        )
    console.print(causes_table)
