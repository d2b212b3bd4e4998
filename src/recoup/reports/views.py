"""The aging page. Thin: parse the query string, call one selector, render."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from recoup.accounts import selectors as accounts
from recoup.ledger import clock
from recoup.ledger import selectors as ledger_selectors
from recoup.reports import disputes, selectors

ROWS_PER_PAGE = 50
GROUP_LABELS = {"customer": "Customer", "collector": "Collector", "segment": "Segment", "currency": "Currency"}
AMOUNT_LABELS = {
    "not_due": "Not due",
    "d1_30": "1–30",
    "d31_60": "31–60",
    "d61_90": "61–90",
    "d91_120": "91–120",
    "over_120": "Over 120",
    "credits": "Credits",
    "total": "Total",
}


def _today() -> dt.date:
    # The edge decides "today"; selectors only ever receive it as as_of.
    return clock.today()


def _as_of(text: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(text) if text else _today()
    except ValueError:
        return _today()


class _Rows:
    """A frame as a sequence for Paginator: only the shown page becomes Python dicts."""

    def __init__(self, frame: Any) -> None:
        self.frame = frame

    def __len__(self) -> int:
        return int(self.frame.height)

    def __getitem__(self, index: slice) -> list[dict[str, Any]]:
        start, stop, _ = index.indices(self.frame.height)
        return list(self.frame.slice(start, stop - start).to_dicts())


def _headers(params: dict[str, str], sort: str, by: str) -> list[dict[str, Any]]:
    """Sortable column headers with the link that toggles them and their aria-sort state.
    Money columns open biggest-first, the label column A–Z."""
    out = []
    for key, label in [("key", GROUP_LABELS[by]), *AMOUNT_LABELS.items()]:
        if sort == key:
            state, next_sort = "ascending", f"-{key}"
        elif sort == f"-{key}":
            state, next_sort = "descending", key
        else:
            state, next_sort = "none", (key if key == "key" else f"-{key}")
        out.append({"key": key, "label": label, "state": state, "href": "?" + urlencode({**params, "sort": next_sort})})
    return out


@require_GET
def aging(request: HttpRequest) -> HttpResponse:
    as_of = _as_of(request.GET.get("as_of"))
    by = request.GET.get("by", "customer")
    if by not in selectors.GROUPINGS:
        by = "customer"
    currency = (request.GET.get("currency") or "").strip().upper()[:3] or None
    home = request.GET.get("home") == "1"
    sort = request.GET.get("sort", selectors.DEFAULT_SORT)
    if sort.lstrip("-") not in selectors.SORT_KEYS:
        sort = selectors.DEFAULT_SORT

    # A collector's aging is their own portfolio and the shared pool: what they may open.
    mine = None if accounts.sees_whole_team(request.user) else ledger_selectors.visible_customer_ids(request.user)
    board = selectors.aging_dashboard(as_of, by=by, currency=currency, home=home, customer_ids=mine)

    rows = selectors.sort_rows(board.rows if board.rows is not None else board.aging.frame, sort, by)
    # _Rows answers len() and slices, all Paginator uses; the cast says so to the type checker.
    paginator = Paginator(cast("Sequence[dict[str, Any]]", _Rows(rows)), ROWS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    params = {"as_of": as_of.isoformat(), "by": by}
    if board.currency:
        params["currency"] = board.currency
    if board.home:
        params["home"] = "1"
    trend = board.trend.to_dicts()
    # The month to date is no whole month: it is written apart, never drawn at the end of the lines.
    whole = [r for r in trend if not r["partial"]]
    months = [r["month_end"] for r in whole]
    context = {
        "nav": "aging",
        "portfolio_only": mine is not None,
        "board": board,
        "page": page,
        "sort": sort,
        "headers": _headers(params, sort, by),
        "page_query": urlencode({**params, "sort": sort}),
        "groupings": GROUP_LABELS,
        "buckets": list(AMOUNT_LABELS),
        "overdue_buckets": selectors.OVERDUE,
        "totals": board.aging.totals.to_dicts(),
        # Disputed amounts are not collectible (docs/disputes.md).
        "collectible": disputes.collectible(board.aging.totals.to_dicts(), board.kpi_currency, as_of, home=board.home),
        "home_currency": selectors.home_currency(),
        "trend": trend,
        "month_to_date": next((r for r in trend if r["partial"]), None),
        "chart_months": months,
        "days_series": {
            "DSO": [r["dso"] for r in whole],
            "Best possible DSO": [r["bpdso"] for r in whole],
            "ADD": [r["add"] for r in whole],
        },
        "percent_series": {"CEI": [r["cei"] for r in whole], "Overdue share": [r["overdue_share"] for r in whole]},
    }
    return render(request, "reports/aging.html", context)
