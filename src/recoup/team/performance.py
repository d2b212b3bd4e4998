"""Collector performance for the team page: the frames read column-wise, the figures computed by
``recoup.analytics.performance`` (pure), and the rows and trends the page shows.

Calls, promises and disputes are read here with one statement each over their tables: the
figures need only a few columns of every row in the period, which is bulk work (DESIGN §6).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.conf import settings

from recoup.accounts import selectors as accounts
from recoup.activities.models import REACHED
from recoup.analytics.performance import Activity, Period, performance
from recoup.database import columnar, sql
from recoup.kernel.money import currency_exponent
from recoup.ledger.frames import load_ledger

# A call at 23:30 UTC may be the next day in the company's zone: read a day either side.
_MARGIN = dt.timedelta(days=2)


def _instants(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    return frame.with_columns(pl.from_epoch(pl.col(column), time_unit="s").dt.replace_time_zone("UTC").alias(column))


def load_activity(*, start: dt.date, end: dt.date) -> Activity:
    """What the team did from ``start`` to ``end`` (the company's dates), as frames."""
    since = dt.datetime.combine(start - _MARGIN, dt.time.min, tzinfo=dt.UTC)
    until = dt.datetime.combine(end + _MARGIN, dt.time.min, tzinfo=dt.UTC)
    reached = sql.names(str(o) for o in REACHED)
    with columnar.reader() as read:
        calls = read(
            f"SELECT user_id, {sql.epoch('at')} AS at, CASE WHEN outcome IN ({reached}) THEN 1 ELSE 0 END AS right_party"
            f" FROM activities_activity WHERE channel = 'call' AND user_id IS NOT NULL"
            f" AND at >= {sql.instant(since)} AND at < {sql.instant(until)}",
            {"user_id": pl.Int64, "at": pl.Int64, "right_party": pl.Int64},
        )
        promises = read(
            f"SELECT created_by_id AS user_id, {sql.epoch('created_at')} AS made_at, status, resolved_on"
            f" FROM promises_promise WHERE created_by_id IS NOT NULL"
            f" AND ((created_at >= {sql.instant(since)} AND created_at < {sql.instant(until)})"
            f" OR resolved_on >= {sql.date(start)})",
            {"user_id": pl.Int64, "made_at": pl.Int64, "status": pl.String, "resolved_on": pl.Date},
        )
        disputes = read(
            f"SELECT customer_id, opened_on, resolved_on FROM disputes_dispute"
            f" WHERE opened_on >= {sql.date(start)} OR resolved_on >= {sql.date(start)}",
            {"customer_id": pl.Int64, "opened_on": pl.Date, "resolved_on": pl.Date},
        )
        portfolio = read(
            "SELECT id AS customer_id, collector_id FROM ledger_customer", {"customer_id": pl.Int64, "collector_id": pl.Int64}
        )
    # Payments applied the day before `start` may have been received on it: read from then.
    ledger = load_ledger(as_of=end, cash_since=start - dt.timedelta(days=1))
    return Activity(
        calls=_instants(calls, "at").with_columns(pl.col("right_party").cast(pl.Boolean)),
        promises=_instants(promises, "made_at"),
        disputes=disputes,
        portfolio=portfolio,
        ledger=ledger,
        zone=str(settings.RECOUP_DEFAULT_TIMEZONE),
    )


def figures(*, start: dt.date, end: dt.date, period: Period, collector_ids: list[int] | None = None) -> pl.DataFrame:
    """The performance frame for the active callers (or ``collector_ids``)."""
    ids = collector_ids if collector_ids is not None else list(accounts.active_collectors().values_list("pk", flat=True))
    return performance(load_activity(start=start, end=end), collectors=ids, start=start, end=end, period=period)


def figures_and_totals(
    *, start: dt.date, end: dt.date, period: Period, collector_ids: list[int]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per period and over the whole range, from one read of the tables."""
    activity = load_activity(start=start, end=end)
    by_period = performance(activity, collectors=collector_ids, start=start, end=end, period=period)
    return by_period, performance(activity, collectors=collector_ids, start=start, end=end, period="all")


@dataclass(frozen=True)
class Trend:
    """One chart: the periods along the bottom and a line per collector."""

    title: str
    unit: str
    periods: list[dt.date]
    series: dict[str, list[float | None]]


def trends(frame: pl.DataFrame, names: dict[int, str], *, home: str) -> list[Trend]:
    """Calls, right-party rate, kept rate and cash per collector over the periods of ``frame``."""
    periods = sorted(set(frame["period"].to_list()))
    exponent = currency_exponent(home)

    def line(column: str, scale: float = 1.0) -> dict[str, list[float | None]]:
        out: dict[str, list[float | None]] = {}
        for cid, name in names.items():
            rows = {r["period"]: r[column] for r in frame.filter(pl.col("collector_id") == cid).iter_rows(named=True)}
            out[name] = [None if rows.get(p) is None else float(rows[p]) * scale for p in periods]
        return out

    return [
        Trend("Calls", "calls", periods, line("calls")),
        Trend("Right-party contacts", "%", periods, line("right_party_rate", 100.0)),
        Trend("Promises kept", "%", periods, line("kept_rate", 100.0)),
        Trend(f"Cash collected ({home})", home, periods, line("cash_collected", 10.0**-exponent)),
    ]


def percent(rate: float | None) -> str:
    return "–" if rate is None else f"{round(100 * rate)} %"


def rows(frame: pl.DataFrame, names: dict[int, str]) -> list[dict[str, Any]]:
    """The frame's rows with each collector's name and the rates in percent, for the tables."""
    return [
        r
        | {
            "name": names.get(r["collector_id"], "?"),
            "rpc_pct": percent(r["right_party_rate"]),
            "kept_pct": percent(r["kept_rate"]),
        }
        for r in frame.sort("collector_id", "period").iter_rows(named=True)
    ]
