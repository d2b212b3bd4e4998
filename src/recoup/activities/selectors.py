"""Reads about contacts with customers: when each was last reached, called, spoken to."""

from __future__ import annotations

import datetime as dt

import polars as pl

from recoup.activities.models import REACHED
from recoup.database import sql
from recoup.database.columnar import Reader

CONTACT_FACTS_SCHEMA = {
    "customer_id": pl.Int64,
    "last_reached": pl.Int64,
    "last_attempt": pl.Int64,
    "last_conversation": pl.Int64,
    "calls_last_7_days": pl.Int64,
}


def contact_facts(read: Reader, *, now: dt.datetime, customer_id: int | None = None) -> pl.DataFrame:
    """Per customer, up to ``now``: last time reached, last call, last conversation (seconds
    since 1970) and calls in the 7 days before ``now`` (the consumer-mode cap counts them)."""
    reached = sql.names(str(o) for o in REACHED)
    week_ago = now - dt.timedelta(days=7)
    at = sql.epoch("at")
    return read(
        f"SELECT customer_id,"
        f" MAX(CASE WHEN outcome IN ({reached}) THEN {at} END) AS last_reached,"
        f" MAX(CASE WHEN channel = 'call' THEN {at} END) AS last_attempt,"
        f" MAX(CASE WHEN channel = 'call' AND outcome IN ({reached}) THEN {at} END) AS last_conversation,"
        f" SUM(CASE WHEN channel = 'call' AND at > {sql.instant(week_ago)} AND at <= {sql.instant(now)} THEN 1 ELSE 0 END)"
        f" AS calls_last_7_days"
        f" FROM activities_activity WHERE at <= {sql.instant(now)}"
        + sql.for_customer("customer_id", customer_id)
        + " GROUP BY customer_id",
        CONTACT_FACTS_SCHEMA,
    )
