"""Receivables KPIs over a period: DSO (standard, count-back), best possible DSO, ADD and CEI.

Formulas are fixed in DESIGN §4; the definitions of their inputs are fixed here:

- AR at a date D: the open balance at the end of D (``open_items``), net of unused credit notes
  and unapplied cash, i.e. the aging ``total``.
- Current AR: the open amount of invoices and debit notes not yet due (days past due ≤ 0).
- Credit sales in [start, end] (both inclusive): invoices + debit notes issued minus credit notes
  issued. Days in period = (end − start) + 1.
- Beginning AR (CEI) = AR at the end of the day before ``start``.

Each KPI is computed per currency (a ``dict`` keyed by currency code) or, with ``home=True``,
once over everything converted to the ledger's home currency (balances at the rate of their date,
sales at the rate of each document's issue date). Results are ``Decimal`` rounded half up to one
decimal (CEI in percent), or None when the denominator is not positive. The scalar helpers
(``dso_days``, ``cei_percent``, ``countback_days``) take plain ints so worked examples can be
checked by hand.
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import polars as pl

from recoup.analytics.aging import open_items
from recoup.analytics.frames import DEBIT_KINDS, Ledger, to_home

__all__ = [
    "add",
    "best_possible_dso",
    "cei",
    "cei_percent",
    "countback_days",
    "dso_countback",
    "dso_days",
    "dso_standard",
    "kpi_trend",
]

ONE_PLACE = Decimal("0.1")
Result = dict[str, Decimal | None]


def _round(value: Decimal) -> Decimal:
    return value.quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


# ---- scalar helpers (plain ints in, Decimal out) -------------------------------------------


def dso_days(ar: int, credit_sales: int, days: int) -> Decimal | None:
    """AR ÷ credit sales × days (standard DSO; with current AR it is best possible DSO)."""
    if credit_sales <= 0:
        return None
    return _round(Decimal(ar * days) / Decimal(credit_sales))


def cei_percent(beginning_ar: int, credit_sales: int, ending_ar: int, ending_current_ar: int) -> Decimal | None:
    """(beginning AR + sales − ending AR) ÷ (beginning AR + sales − ending current AR) × 100."""
    collectible = beginning_ar + credit_sales - ending_current_ar
    if collectible <= 0:
        return None
    return _round(Decimal((beginning_ar + credit_sales - ending_ar) * 100) / Decimal(collectible))


def countback_days(ar_end: int, monthly_sales: list[tuple[int, int]]) -> Decimal:
    """Count-back DSO: walk back month by month (newest first: (sales, days in month)).

    Each month whose sales AR still exceeds is counted whole; the month where AR runs out is
    prorated, days × remaining AR ÷ that month's sales, *truncated to whole days* (a day counts
    only once the AR fully covers it). So the result is always a whole number of days: the
    textbook example AR 405; Dec 205 (31 d), Nov 158 (30 d), Oct 167 (31 d) gives
    31 + 30 + ⌊31 × 42 ÷ 167⌋ = 31 + 30 + 7 = 68. Months with no (or negative) sales are counted
    whole without reducing AR; when the history runs out first, the days counted so far are the
    answer (a lower bound, as no older sales can explain the rest).
    """
    remaining = ar_end
    total = 0
    for sales, days in monthly_sales:
        if remaining <= 0:
            break
        if sales >= remaining:
            total += (days * remaining) // sales
            remaining = 0
            break
        total += days
        if sales > 0:
            remaining -= sales
    return _round(Decimal(total))


# ---- frame-level building blocks -----------------------------------------------------------


def _balances(ledger: Ledger, on: dt.date, home: bool) -> pl.DataFrame:
    """Per currency: total (net AR), current (not yet due), overdue and gross (all open debits)."""
    items = open_items(ledger, on)
    if home:
        items = to_home(ledger, items.with_columns(__as_of=pl.lit(on)), ["open_amount"], "__as_of").drop("__as_of")
    debit = pl.col("kind").is_in(DEBIT_KINDS)
    amount = pl.col("open_amount")
    return items.group_by("currency").agg(
        total=amount.sum(),
        current=amount.filter(debit & (pl.col("days_past_due") <= 0)).sum(),
        overdue=amount.filter(debit & (pl.col("days_past_due") > 0)).sum(),
        gross=amount.filter(debit).sum(),
    )


def _signed_sales(ledger: Ledger, start: dt.date | None, end: dt.date, home: bool) -> pl.DataFrame:
    """Documents issued in [start, end] with ``sales`` = +amount for debits, −amount for credit notes."""
    when = pl.col("issue_date") <= end
    if start is not None:
        when = when & (pl.col("issue_date") >= start)
    docs = ledger.invoices.filter(when).select(
        "currency",
        "issue_date",
        sales=pl.when(pl.col("kind").is_in(DEBIT_KINDS)).then(pl.col("amount")).otherwise(-pl.col("amount")),
    )
    if home:
        docs = to_home(ledger, docs, ["sales"], "issue_date")
    return docs


def _sales(ledger: Ledger, start: dt.date, end: dt.date, home: bool) -> dict[str, int]:
    frame = _signed_sales(ledger, start, end, home).group_by("currency").agg(pl.col("sales").sum())
    return dict(zip(frame["currency"].to_list(), frame["sales"].to_list(), strict=True))


def _as_dict(frame: pl.DataFrame, column: str) -> dict[str, int]:
    return dict(zip(frame["currency"].to_list(), frame[column].to_list(), strict=True))


def _currencies(ledger: Ledger, home: bool, *parts: dict[str, int]) -> list[str]:
    if home:
        return [ledger.home_currency]
    return sorted(set().union(*parts))


def _period_days(start: dt.date, end: dt.date) -> int:
    if end < start:
        raise ValueError(f"period ends ({end}) before it starts ({start})")
    return (end - start).days + 1


# ---- KPIs ----------------------------------------------------------------------------------


def dso_standard(ledger: Ledger, start: dt.date, end: dt.date, *, home: bool = False) -> Result:
    """AR at ``end`` ÷ credit sales in [start, end] × days in the period."""
    days = _period_days(start, end)
    ar = _as_dict(_balances(ledger, end, home), "total")
    sales = _sales(ledger, start, end, home)
    return {c: dso_days(ar.get(c, 0), sales.get(c, 0), days) for c in _currencies(ledger, home, ar, sales)}


def best_possible_dso(ledger: Ledger, start: dt.date, end: dt.date, *, home: bool = False) -> Result:
    """Current (not yet due) AR at ``end`` ÷ credit sales in [start, end] × days in the period."""
    days = _period_days(start, end)
    current = _as_dict(_balances(ledger, end, home), "current")
    sales = _sales(ledger, start, end, home)
    return {c: dso_days(current.get(c, 0), sales.get(c, 0), days) for c in _currencies(ledger, home, current, sales)}


def add(ledger: Ledger, start: dt.date, end: dt.date, *, home: bool = False) -> Result:
    """Average days delinquent = DSO − best possible DSO, from the rounded figures so a KPI strip adds up."""
    dso = dso_standard(ledger, start, end, home=home)
    best = best_possible_dso(ledger, start, end, home=home)
    return {c: _add_one(dso.get(c), best.get(c)) for c in sorted(set(dso) | set(best))}


def _add_one(dso: Decimal | None, best: Decimal | None) -> Decimal | None:
    return None if dso is None or best is None else dso - best


def cei(ledger: Ledger, start: dt.date, end: dt.date, *, home: bool = False) -> Result:
    """Collection effectiveness index in percent over [start, end] (DESIGN §4)."""
    _period_days(start, end)
    begin = _as_dict(_balances(ledger, start - dt.timedelta(days=1), home), "total")
    ending = _balances(ledger, end, home)
    end_total, end_current = _as_dict(ending, "total"), _as_dict(ending, "current")
    sales = _sales(ledger, start, end, home)
    return {
        c: cei_percent(begin.get(c, 0), sales.get(c, 0), end_total.get(c, 0), end_current.get(c, 0))
        for c in _currencies(ledger, home, begin, end_total, sales)
    }


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _previous_month_end(day: dt.date) -> dt.date:
    return _month_start(day) - dt.timedelta(days=1)


def dso_countback(ledger: Ledger, end: dt.date, *, home: bool = False) -> Result:
    """Count-back DSO at ``end``: see :func:`countback_days`. The newest month runs from its
    first day to ``end`` (so ``end.day`` days when ``end`` is not a month end)."""
    ar = _as_dict(_balances(ledger, end, home), "total")
    docs = _signed_sales(ledger, None, end, home)
    monthly = docs.group_by("currency", month=pl.col("issue_date").dt.truncate("1mo")).agg(pl.col("sales").sum())
    out: Result = {}
    for code in _currencies(ledger, home, ar, _as_dict(monthly.group_by("currency").agg(pl.col("sales").sum()), "sales")):
        mine = monthly.filter(pl.col("currency") == code)
        by_month = dict(zip(mine["month"].to_list(), mine["sales"].to_list(), strict=True))
        first = min(by_month) if by_month else _month_start(end)
        series: list[tuple[int, int]] = []
        month = _month_start(end)
        while month >= first:
            days = end.day if month == _month_start(end) else calendar.monthrange(month.year, month.month)[1]
            series.append((by_month.get(month, 0), days))
            month = _month_start(month - dt.timedelta(days=1))
        out[code] = countback_days(ar.get(code, 0), series)
    return out


def _percent(part: int, whole: int) -> Decimal | None:
    return None if whole <= 0 else _round(Decimal(part * 100) / Decimal(whole))


def kpi_trend(ledger: Ledger, end: dt.date, months: int = 12, *, home: bool = False) -> pl.DataFrame:
    """One row per month end (oldest first; the newest is ``end`` itself) and currency.

    Each month's period is that calendar month up to its end. Columns: month_end, currency,
    days (in the period), partial (the period stops before the month's last day: ``end`` is not
    a month end, so its figures cover a few days only and do not compare with whole months),
    dso, bpdso, add, cei (percent), overdue_share (percent of open debits that are past due).
    The figures are the same rounded Decimals as the scalar KPIs, stored as Float64 for charting.
    """
    if months < 1:
        raise ValueError("months must be ≥ 1")
    ends = [end]
    for _ in range(months - 1):
        ends.append(_previous_month_end(ends[-1]))
    ends.reverse()
    balances = {d: _balances(ledger, d, home) for d in [_previous_month_end(ends[0]), *ends]}
    rows: list[dict[str, object]] = []
    for month_end in ends:
        start = _month_start(month_end)
        days = _period_days(start, month_end)
        now, before = balances[month_end], balances[_previous_month_end(month_end)]
        total, current = _as_dict(now, "total"), _as_dict(now, "current")
        overdue, gross, begin = _as_dict(now, "overdue"), _as_dict(now, "gross"), _as_dict(before, "total")
        sales = _sales(ledger, start, month_end, home)
        partial = month_end.day < calendar.monthrange(month_end.year, month_end.month)[1]
        for code in _currencies(ledger, home, total, begin, sales):
            dso = dso_days(total.get(code, 0), sales.get(code, 0), days)
            best = dso_days(current.get(code, 0), sales.get(code, 0), days)
            values = {
                "dso": dso,
                "bpdso": best,
                "add": _add_one(dso, best),
                "cei": cei_percent(begin.get(code, 0), sales.get(code, 0), total.get(code, 0), current.get(code, 0)),
                "overdue_share": _percent(overdue.get(code, 0), gross.get(code, 0)),
            }
            floats = {k: None if v is None else float(v) for k, v in values.items()}
            rows.append({"month_end": month_end, "currency": code, "days": days, "partial": partial, **floats})
    schema: dict[str, type[pl.DataType]] = {"month_end": pl.Date, "currency": pl.String, "days": pl.Int64, "partial": pl.Boolean}
    schema |= dict.fromkeys(("dso", "bpdso", "add", "cei", "overdue_share"), pl.Float64)
    return pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)
