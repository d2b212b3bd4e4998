"""JSON API for reports (docs/api.md): aging and the KPIs, as the aging page computes them.

A collector's reports cover their portfolio and the shared pool, as on the page; amounts are
decimal strings in major units (the CLI's JSON), never floats.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from recoup.accounts import selectors as accounts
from recoup.accounts.api_auth import responses
from recoup.analytics.aging import GROUPINGS
from recoup.database.paging import Day
from recoup.ledger import clock
from recoup.ledger.frames import load_ledger
from recoup.ledger.selectors import visible_customer_ids
from recoup.reports import selectors

router = Router(tags=["reports"])
BY = Query("customer", pattern=f"^({'|'.join(GROUPINGS)})$", description="customer, collector, segment or currency")

Currency = Query(None, pattern="^[A-Z]{3}$", description="Only amounts owed in this currency (ISO 4217)")

START = Query(None, description="First day of the period (default: 90 days ending on as_of)")


class AgingOut(Schema):
    report: str
    as_of: dt.date
    by: str
    home: bool
    home_currency: str
    buckets: list[str]
    rows: list[dict[str, Any]]
    totals: list[dict[str, Any]]


class KpisOut(Schema):
    report: str
    from_: dt.date = Field(alias="from")
    as_of: dt.date
    days: int
    home: bool
    currencies: dict[str, dict[str, str | None]]


def _customer_ids(request: HttpRequest) -> list[int] | None:
    return None if accounts.sees_whole_team(request.user) else visible_customer_ids(request.user)


def _as_of(as_of: dt.date | None) -> dt.date:
    return as_of or clock.today()


@router.get("/reports/aging", response=responses(AgingOut), summary="Aging buckets by customer, collector, segment or currency")
def aging(
    request: HttpRequest,
    as_of: Day | None = None,
    by: str = BY,
    currency: str | None = Currency,
    home: bool = False,
) -> Any:
    day = _as_of(as_of)
    home_code = selectors.home_currency()
    ledger = load_ledger(as_of=day, cash_since=day, home_currency=home_code, customer_ids=_customer_ids(request))
    try:
        report = selectors.aging_report(day, by=by, home=home, currency=currency, ledger=ledger)
    except selectors.MissingRate as exc:
        raise HttpError(422, f"Cannot convert to {home_code}: {exc}") from None
    return selectors.aging_json(report, home_code)


@router.get("/reports/kpis", response=responses(KpisOut), summary="DSO, count-back DSO, best possible DSO, ADD and CEI")
def kpis(
    request: HttpRequest,
    as_of: Day | None = None,
    start: Day | None = START,
    currency: str | None = Currency,
    home: bool = False,
) -> Any:
    end = _as_of(as_of)
    first = start or selectors.default_period_start(end)
    if first > end:
        raise HttpError(422, f"start ({first}) is after as_of ({end})")
    ledger = load_ledger(
        as_of=end, cash_since=first, home_currency=selectors.home_currency(), customer_ids=_customer_ids(request)
    )
    try:
        report = selectors.kpi_report(first, end, home=home, currency=currency, ledger=ledger)
    except selectors.MissingRate as exc:
        raise HttpError(422, f"KPIs in the home currency need exchange rates: {exc}") from None
    return selectors.kpi_json(report, "kpis")
