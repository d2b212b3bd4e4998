"""Reads for reports: load the ledger once, run recoup.analytics on it, shape the result.

Everything returned is still integer minor units (frames) or Decimal days and percents;
turning amounts into text happens at the edges (`present_*` below for JSON/CSV, template
filters for HTML), once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import polars as pl
from django.conf import settings

from recoup.accounts.models import User
from recoup.analytics.aging import DEFAULT_BUCKETS, GROUPINGS, aging, bucket_names
from recoup.analytics.frames import Ledger, MissingRate, convert_to_home
from recoup.analytics.kpis import add, best_possible_dso, cei, dso_countback, dso_standard, kpi_trend
from recoup.kernel.money import currency_exponent
from recoup.ledger.exports import major_units
from recoup.ledger.frames import load_ledger

__all__ = [
    "GROUPINGS",
    "AgingReport",
    "KpiReport",
    "MissingRate",
    "aging_report",
    "default_period_start",
    "kpi_report",
    "kpi_trend_report",
]

# The default KPI period: a quarter ending on the as-of date (both days included).
DEFAULT_PERIOD_DAYS = 90
BUCKETS = bucket_names(DEFAULT_BUCKETS)
AMOUNTS = (*BUCKETS, "credits", "total")
OVERDUE = tuple(BUCKETS[1:])
KPI_NAMES = ("dso", "dso_countback", "best_possible_dso", "add", "cei")


def default_period_start(as_of: dt.date) -> dt.date:
    return as_of - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)


def home_currency() -> str:
    return str(settings.RECOUP_HOME_CURRENCY).upper()


@dataclass(frozen=True)
class AgingReport:
    as_of: dt.date
    by: str
    home: bool
    frame: pl.DataFrame  # group keys, currency, AMOUNTS (minor units)
    totals: pl.DataFrame  # one row per currency: currency, AMOUNTS
    buckets: tuple[str, ...] = tuple(BUCKETS)

    @property
    def currencies(self) -> list[str]:
        return [str(c) for c in self.totals["currency"].to_list()]


def _totals(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.group_by("currency").agg(pl.col(list(AMOUNTS)).sum()).sort("currency")


def aging_report(
    as_of: dt.date, *, by: str = "customer", home: bool = False, currency: str | None = None, ledger: Ledger | None = None
) -> AgingReport:
    """Aging as of `as_of` grouped `by`; `currency` keeps one currency's rows (before any
    conversion, so "EUR in USD" is possible). Raises MissingRate when `home` lacks a rate."""
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}; choose one of {', '.join(GROUPINGS)}")
    ledger = ledger if ledger is not None else load_ledger(as_of=as_of, cash_since=as_of, home_currency=home_currency())
    if currency:
        ledger = _only_currency(ledger, currency)
    # Grouping by currency in home units converts per currency separately, so each row still
    # says which currency the money is owed in.
    frame = _home_by_currency(ledger, as_of) if home and by == "currency" else aging(ledger, as_of, by=by, home=home)
    return AgingReport(as_of=as_of, by=by, home=home, frame=frame, totals=_totals(frame))


def _only_currency(ledger: Ledger, currency: str) -> Ledger:
    keep = pl.col("currency") == currency
    invoices = ledger.invoices.filter(keep)
    payments = ledger.payments.filter(keep)
    allocations = ledger.allocations.filter(pl.col("invoice_id").is_in(invoices["id"].implode()))
    return Ledger(invoices, allocations, payments, ledger.customers, ledger.fx_rates, ledger.home_currency)


def _home_by_currency(ledger: Ledger, as_of: dt.date) -> pl.DataFrame:
    parts = []
    codes = sorted(set(ledger.invoices["currency"].unique().to_list()) | set(ledger.payments["currency"].unique().to_list()))
    for code in codes:
        part = aging(_only_currency(ledger, code), as_of, by="segment", home=True)
        if part.height:
            parts.append(
                part.select(pl.lit(code).alias("owed_in"), *AMOUNTS).group_by("owed_in").agg(pl.col(list(AMOUNTS)).sum())
            )
    schema = {"owed_in": pl.String, **dict.fromkeys(AMOUNTS, pl.Int64)}
    frame = pl.concat(parts) if parts else pl.DataFrame(schema=schema)
    return frame.with_columns(currency=pl.lit(ledger.home_currency)).select("owed_in", "currency", *AMOUNTS).sort("owed_in")


def overdue_share(totals_row: dict[str, Any]) -> Decimal | None:
    """Percent of open debits that are past due (credits left out: they are not late)."""
    gross = sum(int(totals_row[b]) for b in BUCKETS)
    if gross <= 0:
        return None
    overdue = sum(int(totals_row[b]) for b in OVERDUE)
    return (Decimal(overdue * 100) / Decimal(gross)).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class KpiReport:
    start: dt.date
    end: dt.date
    home: bool
    # currency → KPI name → value (None when the denominator is not positive)
    by_currency: dict[str, dict[str, Decimal | None]] = field(default_factory=dict)


def kpi_report(
    start: dt.date, end: dt.date, *, home: bool = False, currency: str | None = None, ledger: Ledger | None = None
) -> KpiReport:
    """DSO (standard and count-back), best possible DSO, ADD and CEI over [start, end]."""
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    # Cash matters on two dates only: the beginning AR (CEI) and the AR at `end`.
    ledger = ledger if ledger is not None else load_ledger(as_of=end, cash_since=start, home_currency=home_currency())
    if currency:
        ledger = _only_currency(ledger, currency)
    results = {
        "dso": dso_standard(ledger, start, end, home=home),
        "dso_countback": dso_countback(ledger, end, home=home),
        "best_possible_dso": best_possible_dso(ledger, start, end, home=home),
        "add": add(ledger, start, end, home=home),
        "cei": cei(ledger, start, end, home=home),
    }
    codes = sorted(set().union(*results.values()))
    return KpiReport(start, end, home, {c: {k: results[k].get(c) for k in KPI_NAMES} for c in codes})


def kpi_trend_report(
    end: dt.date, *, months: int = 12, home: bool = False, currency: str | None = None, ledger: Ledger | None = None
) -> pl.DataFrame:
    """Month-end KPIs for the `months` months up to `end` (see analytics.kpis.kpi_trend)."""
    since = end - dt.timedelta(days=31 * (months + 1))
    ledger = ledger if ledger is not None else load_ledger(as_of=end, cash_since=since, home_currency=home_currency())
    if currency:
        ledger = _only_currency(ledger, currency)
    return kpi_trend(ledger, end, months=months, home=home)


# ---- presentation for machines (JSON, CSV, XLSX) -------------------------------------------


def amount_columns(frame: pl.DataFrame) -> list[str]:
    return [c for c in AMOUNTS if c in frame.columns]


def with_major_units(frame: pl.DataFrame) -> pl.DataFrame:
    """Each amount as exact decimal text in major units next to `<name>_minor` (the integer)."""
    cols = amount_columns(frame)
    minors = frame.rename({c: f"{c}_minor" for c in cols})
    majors = minors.with_columns(major_units(f"{c}_minor", "currency").alias(c) for c in cols)
    return majors.select(*frame.columns, *[f"{c}_minor" for c in cols])


def as_decimal_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """Amounts as Decimal columns in major units, for CSV and XLSX.

    A number column rather than text: a spreadsheet gets numbers, and the formula guard in
    ledger.exports (which prefixes text starting with "-") leaves negative credits alone. One
    scale per column, the largest exponent present, so nothing is rounded.
    """
    cols = amount_columns(frame)
    codes = frame["currency"].unique().drop_nulls().to_list() if frame.height else []
    scale = max((currency_exponent(c) for c in codes), default=2)
    text = frame.with_columns(major_units(c, "currency").alias(c) for c in cols)
    return text.with_columns(pl.col(c).cast(pl.Decimal(38, scale)) for c in cols)


def aging_json(report: AgingReport, home_code: str) -> dict[str, Any]:
    return {
        "report": "aging",
        "as_of": report.as_of.isoformat(),
        "by": report.by,
        "home": report.home,
        "home_currency": home_code,
        "buckets": list(report.buckets),
        "rows": with_major_units(report.frame).to_dicts(),
        "totals": with_major_units(report.totals).to_dicts(),
    }


def kpi_json(report: KpiReport, name: str) -> dict[str, Any]:
    return {
        "report": name,
        "from": report.start.isoformat(),
        "as_of": report.end.isoformat(),
        "days": (report.end - report.start).days + 1,
        "home": report.home,
        "currencies": {
            c: {k: None if v is None else str(v) for k, v in values.items()} for c, values in report.by_currency.items()
        },
    }


def kpi_frame(report: KpiReport, names: tuple[str, ...] = KPI_NAMES) -> pl.DataFrame:
    """One row per currency for CSV/XLSX; KPI columns are Decimal (days, or percent for CEI), so
    a negative ADD stays a number instead of text the formula guard would prefix."""
    rows = [
        {"currency": c, "from": report.start, "as_of": report.end, **{k: values[k] for k in names}}
        for c, values in report.by_currency.items()
    ]
    schema: dict[str, pl.DataType] = {"currency": pl.String(), "from": pl.Date(), "as_of": pl.Date()}
    schema |= dict.fromkeys(names, pl.Decimal(38, 1))
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


# ---- the aging page ------------------------------------------------------------------------

# The label column each grouping sorts by when "key" is chosen.
GROUP_LABEL = {"customer": "name", "collector": "collector", "segment": "segment", "currency": "currency"}
SORT_KEYS = ("key", *AMOUNTS)
DEFAULT_SORT = "-total"


def sort_rows(frame: pl.DataFrame, sort: str, by: str) -> pl.DataFrame:
    """Rows in the order asked for ("total", "-d31_60", "key"...); ties by the group label.

    An amount sorts by its home-currency value when the frame has it (``with_home_values``):
    rows in different currencies are compared by what they are worth, not by their numbers.
    """
    descending = sort.startswith("-")
    column = sort.lstrip("-")
    if column not in SORT_KEYS:
        column, descending = DEFAULT_SORT.lstrip("-"), True
    label = "owed_in" if "owed_in" in frame.columns else GROUP_LABEL[by]
    if by == "collector" and "collector_name" in frame.columns:
        label = "collector_name"
    if column == "key":
        order = [label]
    elif f"{column}_home" in frame.columns:
        order = [f"{column}_home", column, label]
    else:
        order = [column, label]
    flags = [descending] * (len(order) - 1) + [False] if column != "key" else [descending]
    return frame.sort(order, descending=flags, nulls_last=True)


def with_home_values(frame: pl.DataFrame, ledger: Ledger, as_of: dt.date) -> tuple[pl.DataFrame, list[str]]:
    """``frame`` with ``<amount>_home`` beside every amount (at the rates of ``as_of``; null in a
    currency without one), and the currencies that have no rate."""
    homes = {c: f"{c}_home" for c in amount_columns(frame)}
    if frame.height == 0 or not homes:
        return frame, []
    part = frame.select("currency", *(pl.col(c).alias(h) for c, h in homes.items())).with_columns(
        __on=pl.lit(as_of, dtype=pl.Date)
    )
    converted = convert_to_home(
        part, list(homes.values()), "__on", fx_rates=ledger.fx_rates, home=ledger.home_currency, strict=False
    )
    out = frame.with_columns(converted.select(list(homes.values())))
    unrated = out.filter(pl.col(next(iter(homes.values()))).is_null())["currency"].unique().sort().to_list()
    return out, [str(c) for c in unrated]


def with_collector_names(frame: pl.DataFrame) -> pl.DataFrame:
    """``collector_name`` beside the ``collector`` e-mail: a page shows people, not addresses.
    Unassigned ("") and unknown payers (null) keep their value."""
    if "collector" not in frame.columns:
        return frame
    emails = [e for e in frame["collector"].unique().to_list() if e]
    names = {u.email: str(u) for u in User.objects.filter(email__in=emails)}
    return frame.with_columns(
        collector_name=pl.col("collector").replace_strict(names, default=pl.col("collector"), return_dtype=pl.String)
    )


TREND_MONTHS = 12


def is_month_end(day: dt.date) -> bool:
    return (day + dt.timedelta(days=1)).day == 1


def trend_months(as_of: dt.date) -> int:
    """How many periods the page's trend covers: ``TREND_MONTHS`` whole months, plus the month
    to date when ``as_of`` is not a month end (shown apart: see ``with_periods``)."""
    return TREND_MONTHS if is_month_end(as_of) else TREND_MONTHS + 1


def with_periods(trend: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """``period_start``, ``days`` and ``partial`` for every row of a month-end trend: the row of
    a month that ends after ``as_of`` covers only its first days and must not be read (or drawn)
    as a whole month: a DSO over two days of sales is noise, a CEI over two days of collections
    is near zero."""
    return trend.with_columns(
        period_start=pl.col("month_end").dt.month_start(),
        days=pl.col("month_end").dt.day().cast(pl.Int64),
        partial=(pl.col("month_end") == as_of) & pl.lit(not is_month_end(as_of)),
    )


def month_ends(end: dt.date, months: int) -> list[dt.date]:
    """`end` and the month ends before it, oldest first (the dates kpi_trend reports on)."""
    ends = [end]
    for _ in range(months - 1):
        ends.append(ends[-1].replace(day=1) - dt.timedelta(days=1))
    return ends[::-1]


@dataclass(frozen=True)
class Dashboard:
    as_of: dt.date
    start: dt.date
    by: str
    home: bool
    currency: str | None
    aging: AgingReport
    currencies: list[str]  # every currency in the ledger, for the filter
    kpi_currency: str | None  # the currency the KPI strip and trend are in
    kpis: dict[str, Decimal | None]
    overdue_share: Decimal | None
    # month_end, period_start, days, partial, dso, bpdso, add, cei, overdue_share for kpi_currency
    trend: pl.DataFrame
    problem: str = ""  # said on the page when a conversion was asked for and is impossible
    # The aging rows as the page shows them: with home values to sort by and collectors' names.
    rows: pl.DataFrame | None = None
    unrated: list[str] = field(default_factory=list)  # currencies without a rate: listed last


def aging_dashboard(
    as_of: dt.date,
    *,
    by: str = "customer",
    currency: str | None = None,
    home: bool = False,
    customer_ids: Sequence[int] | None = None,
) -> Dashboard:
    """Everything the aging page shows, from one read of the ledger (only ``customer_ids``'
    books when given: a collector's portfolio and the shared pool)."""
    home_code = home_currency()
    # The page's earliest date is the start of its trend (12 whole months and the month to date).
    months = trend_months(as_of)
    ledger = load_ledger(
        as_of=as_of,
        cash_since=as_of - dt.timedelta(days=31 * (months + 1)),
        home_currency=home_code,
        customer_ids=customer_ids,
    )
    currencies = sorted(set(ledger.invoices["currency"].unique().to_list()) | set(ledger.payments["currency"].unique().to_list()))
    if currency not in currencies:
        currency = None
    start = default_period_start(as_of)
    problem = ""
    try:
        report = aging_report(as_of, by=by, home=home, currency=currency, ledger=ledger)
    except MissingRate as exc:
        problem = f"Cannot show amounts in {home_code}: {exc}. Amounts are shown in their own currencies."
        home = False
        report = aging_report(as_of, by=by, home=False, currency=currency, ledger=ledger)
    # KPIs add up money, so they need one currency: the home one when converting, else the
    # filtered one, else the home currency when it is open, else the currency with the most
    # rows (nominal balances of different currencies are not comparable).
    kpi_currency: str | None = home_code if home else currency
    open_codes = report.currencies
    if kpi_currency is None and open_codes:
        if home_code in open_codes:
            kpi_currency = home_code
        else:
            counts = report.frame.group_by("currency").len().sort(["len", "currency"], descending=[True, False])
            kpi_currency = str(counts["currency"][0])
    kpis: dict[str, Decimal | None] = dict.fromkeys(KPI_NAMES)
    trend = pl.DataFrame(
        schema={
            "month_end": pl.Date,
            "dso": pl.Float64,
            "bpdso": pl.Float64,
            "add": pl.Float64,
            "cei": pl.Float64,
            "overdue_share": pl.Float64,
        }
    )
    share = None
    if kpi_currency is not None:
        only = None if home else kpi_currency
        try:
            kpis = kpi_report(start, as_of, home=home, currency=only, ledger=ledger).by_currency.get(kpi_currency, kpis)
            full = kpi_trend_report(as_of, months=months, home=home, currency=only, ledger=ledger)
        except MissingRate as exc:
            # Sales convert at their issue dates, so KPIs need older rates than the aging does.
            problem = f"KPIs in {home_code} need exchange rates for every sale in the period: {exc}."
        else:
            # Months with nothing in this currency have no row; the chart wants every month.
            ends = pl.DataFrame({"month_end": month_ends(as_of, months)})
            mine = full.filter(pl.col("currency") == kpi_currency).drop("currency", "days", "partial")
            trend = ends.join(mine, on="month_end", how="left").sort("month_end")
        totals = report.totals.filter(pl.col("currency") == kpi_currency).to_dicts()
        share = overdue_share(totals[0]) if totals else None
    trend = with_periods(trend, as_of)
    rows, unrated = with_home_values(with_collector_names(report.frame), ledger, as_of)
    return Dashboard(
        as_of, start, by, home, currency, report, currencies, kpi_currency, kpis, share, trend, problem, rows, unrated
    )
