"""The management dashboard (C18, docs/dashboard.md): every figure the page shows, filtered by
segment, collector and currency, as frames (one per table, so each can be exported as it is).

Money stays integer minor units here, in the dashboard's one currency (the home currency when
converting is possible, else the filtered or main currency, as the aging page decides); the
view turns it into decimals once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import polars as pl
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth

from recoup.activities.models import Activity, Channel, Outcome
from recoup.analytics.frames import convert_to_home
from recoup.database.bulk import fetch_frame
from recoup.disputes.selectors import case_frame
from recoup.ledger.frames import load_ledger
from recoup.ledger.models import Customer
from recoup.promises.models import Promise, PromiseStatus
from recoup.reports import disputes, selectors
from recoup.reports.forecast_accuracy import kept_accuracy

__all__ = ["TABLES", "DashboardData", "Filters", "dashboard"]

TREND_MONTHS = 6
TOP_ACCOUNTS = 20
# Outcomes that mean the call reached someone who could speak for the debt.
RIGHT_PARTY = (
    Outcome.PROMISE_TO_PAY,
    Outcome.DISPUTE,
    Outcome.CALLBACK,
    Outcome.ALREADY_PAID,
    Outcome.REFUSED,
    Outcome.CONVERSATION,
)
TABLES = {
    "kpis": "DSO, best possible DSO, ADD and CEI by month",
    "aging": "Aging by month end",
    "contacts": "Promises and right-party contacts by month",
    "disputes": "Dispute aging",
    "risk": "Top accounts by cash at risk",
    "forecast": "Forecast against actual",
}


@dataclass(frozen=True)
class Filters:
    segment: str = ""
    collector_id: int | None = None
    currency: str = ""

    def customer_ids(self) -> list[int] | None:
        if not self.segment and self.collector_id is None:
            return None
        rows = Customer.objects.all()
        if self.segment:
            rows = rows.filter(segment=self.segment)
        if self.collector_id is not None:
            rows = rows.filter(collector_id=self.collector_id)
        return list(rows.values_list("pk", flat=True))


@dataclass
class DashboardData:
    as_of: dt.date
    currency: str | None  # what every amount is in
    home: bool
    currencies: list[str]
    kpis: dict[str, Decimal | None]
    overdue_share: Decimal | None
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    problem: str = ""


def _customers(filters: Filters, qs: QuerySet[Any], field_name: str = "customer_id") -> QuerySet[Any]:
    ids = filters.customer_ids()
    return qs if ids is None else qs.filter(**{f"{field_name}__in": ids})


def _month_starts(as_of: dt.date) -> list[dt.date]:
    months = [as_of.replace(day=1)]
    for _ in range(TREND_MONTHS - 1):
        months.append((months[-1] - dt.timedelta(days=1)).replace(day=1))
    return months[::-1]


def contacts_table(filters: Filters, as_of: dt.date) -> pl.DataFrame:
    """Per month: outbound calls with an outcome, right-party contacts, promises judged and kept."""
    months = _month_starts(as_of)
    since = dt.datetime.combine(months[0], dt.time(0), tzinfo=dt.UTC)
    until = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)
    calls = _customers(filters, Activity.objects.filter(channel=Channel.CALL, at__gte=since, at__lt=until).exclude(outcome=""))
    by_call = {
        r["month"].date() if isinstance(r["month"], dt.datetime) else r["month"]: r
        for r in calls.annotate(month=TruncMonth("at", tzinfo=dt.UTC))
        .values("month")
        .annotate(calls=Count("id"), rpc=Count("id", filter=Q(outcome__in=RIGHT_PARTY)))
    }
    judged = _customers(filters, Promise.objects.filter(resolved_on__gte=months[0], resolved_on__lte=as_of))
    by_promise = {
        r["month"].date() if isinstance(r["month"], dt.datetime) else r["month"]: r
        for r in judged.annotate(month=TruncMonth("resolved_on"))
        .values("month")
        .annotate(
            judged=Count("id", filter=~Q(status=PromiseStatus.CANCELLED)), kept=Count("id", filter=Q(status=PromiseStatus.KEPT))
        )
    }
    rows = []
    for month in months:
        c = by_call.get(month, {})
        p = by_promise.get(month, {})
        n_calls, rpc, n_judged, kept = c.get("calls", 0), c.get("rpc", 0), p.get("judged", 0), p.get("kept", 0)
        rows.append(
            {
                "month": month,
                "calls": n_calls,
                "right_party": rpc,
                "right_party_rate": round(100 * rpc / n_calls, 1) if n_calls else None,
                "promises_judged": n_judged,
                "promises_kept": kept,
                "promise_kept_rate": round(100 * kept / n_judged, 1) if n_judged else None,
            }
        )
    return pl.DataFrame(rows)


def aging_table(as_of: dt.date, home: bool, currency: str | None, customer_ids: list[int] | None) -> pl.DataFrame:
    """The aging buckets' totals at each of the last month ends and at ``as_of``."""
    ends = [m - dt.timedelta(days=1) for m in _month_starts(as_of)[1:]] + [as_of]
    ledger = load_ledger(as_of=as_of, home_currency=selectors.home_currency(), customer_ids=customer_ids)
    rows = []
    for end in ends:
        report = selectors.aging_report(end, by="currency", home=home, currency=None if home else currency, ledger=ledger)
        totals = report.totals.filter(pl.col("currency") == currency) if currency else report.totals.head(0)
        values = totals.to_dicts()[0] if totals.height else dict.fromkeys(selectors.AMOUNTS, 0)
        rows.append({"month_end": end, **{k: int(values.get(k) or 0) for k in selectors.AMOUNTS}})
    return pl.DataFrame(rows)


def dispute_table(as_of: dt.date, customer_ids: list[int] | None) -> pl.DataFrame:
    cases = case_frame(opened_until=as_of)
    if customer_ids is not None:
        cases = cases.filter(pl.col("customer_id").is_in(customer_ids))
    return disputes.aging(cases, as_of)


RISK_SQL = (
    "SELECT i.customer_id, c.customer_ref, c.name, i.currency, i.open_amount, i.due_date, p.p_30"
    " FROM ledger_invoice i JOIN ledger_customer c ON c.id = i.customer_id"
    " LEFT JOIN prediction_invoiceprediction p ON p.invoice_id = i.id"
    " WHERE i.open_amount > 0 AND i.kind <> 'credit_note' AND i.due_date < %s"
)
RISK_SCHEMA = {
    "customer_id": pl.Int64,
    "customer_ref": pl.String,
    "name": pl.String,
    "currency": pl.String,
    "open_amount": pl.Int64,
    "due_date": pl.Date,
    "p_30": pl.Float64,
}


def risk_table(as_of: dt.date, currency: str | None, home: bool, customer_ids: list[int] | None) -> pl.DataFrame:
    """Cash at risk = overdue open amount × P(not paid within 30 days); an item the model has
    not scored counts in full. Today's open items (the ledger as it stands)."""
    items = fetch_frame(connection, RISK_SQL, [as_of.isoformat()], schema=RISK_SCHEMA)
    if customer_ids is not None:
        items = items.filter(pl.col("customer_id").is_in(customer_ids))
    if home:
        ledger = load_ledger(as_of=as_of, customer_ids=[])
        items = convert_to_home(
            items.with_columns(on=pl.lit(as_of, dtype=pl.Date)),
            ["open_amount"],
            "on",
            fx_rates=ledger.fx_rates,
            home=ledger.home_currency,
            strict=False,
        ).filter(pl.col("open_amount").is_not_null())
    elif currency:
        items = items.filter(pl.col("currency") == currency)
    risk = (pl.col("open_amount").cast(pl.Float64) * pl.col("p_30").fill_null(1.0)).round(0).cast(pl.Int64)
    return (
        items.with_columns(at_risk=risk, days=(pl.lit(as_of) - pl.col("due_date")).dt.total_days())
        .group_by("customer_id", "customer_ref", "name")
        .agg(overdue=pl.col("open_amount").sum(), at_risk=pl.col("at_risk").sum(), oldest_days=pl.col("days").max())
        .sort(["at_risk", "customer_ref"], descending=[True, False])
        .head(TOP_ACCOUNTS)
        .drop("customer_id")
    )


def forecast_table(today: dt.date) -> pl.DataFrame:
    accuracy = kept_accuracy(today)
    schema = {
        "horizon": pl.Int64,
        "n": pl.Int64,
        "forecast": pl.Int64,
        "actual": pl.Int64,
        "wape": pl.Float64,
        "bias": pl.Float64,
    }
    rows = [{k: r[k] for k in schema} for r in accuracy.by_horizon]
    return pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)


def dashboard(as_of: dt.date, filters: Filters, *, today: dt.date) -> DashboardData:
    """Everything the dashboard shows at ``as_of`` for the customers the filters select."""
    ids = filters.customer_ids()
    currency = filters.currency or None
    board = selectors.aging_dashboard(as_of, currency=currency, home=currency is None, customer_ids=ids)
    whole = board.trend.filter(~pl.col("partial")).select("month_end", "dso", "bpdso", "add", "cei", "overdue_share")
    data = DashboardData(
        as_of, board.kpi_currency, board.home, board.currencies, board.kpis, board.overdue_share, problem=board.problem
    )
    data.tables = {
        "kpis": whole.tail(TREND_MONTHS),
        "aging": aging_table(as_of, board.home, board.kpi_currency, ids),
        "contacts": contacts_table(filters, as_of),
        "disputes": dispute_table(as_of, ids),
        "risk": risk_table(as_of, board.kpi_currency, board.home, ids),
        "forecast": forecast_table(today),
    }
    return data
