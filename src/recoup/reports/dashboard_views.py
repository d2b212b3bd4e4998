"""The management dashboard page (seniors and managers), its table downloads and its PDF.
Thin: parse the filters, call reports.dashboard, shape amounts once, render or export."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import polars as pl
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from recoup.accounts import selectors as accounts
from recoup.accounts.permissions import require_senior
from recoup.ledger import clock
from recoup.ledger.exports import neutralise_formulas
from recoup.ledger.models import Customer
from recoup.reports import dashboard as board
from recoup.reports.forecast_views import CONTENT_TYPES, download
from recoup.reports.forecasting import decimal, xlsx_bytes
from recoup.reports.pdf import Section, simple_pdf

# Columns holding minor units of the dashboard's currency, per table.
MONEY = {
    "aging": ("not_due", "d1_30", "d31_60", "d61_90", "d91_120", "over_120", "credits", "total"),
    "risk": ("overdue", "at_risk"),
    "forecast": ("forecast", "actual"),
}


# Column headings of the tables as people read them (exports keep the plain column names).
LABELS = {
    "month_end": "Month end",
    "month": "Month",
    "dso": "DSO",
    "bpdso": "Best possible DSO",
    "add": "ADD",
    "cei": "CEI %",
    "overdue_share": "Overdue %",
    "not_due": "Not due",
    "d1_30": "1–30",
    "d31_60": "31–60",
    "d61_90": "61–90",
    "d91_120": "91–120",
    "over_120": "Over 120",
    "credits": "Credits",
    "total": "Total",
    "calls": "Calls",
    "right_party": "Right-party contacts",
    "right_party_rate": "Right-party %",
    "promises_judged": "Promises judged",
    "promises_kept": "Kept",
    "promise_kept_rate": "Kept %",
    "reason": "Reason",
    "owner": "Owner",
    "currency": "Currency",
    "d0_15": "0–15 days",
    "d16_30": "16–30 days",
    "over_90": "Over 90",
    "customer_ref": "Customer",
    "name": "Name",
    "overdue": "Overdue",
    "at_risk": "Cash at risk",
    "oldest_days": "Oldest (days)",
    "horizon": "Weeks ahead",
    "n": "Weeks measured",
    "forecast": "Forecast",
    "actual": "Came",
    "wape": "WAPE",
    "bias": "Bias",
}


def _filters(request: HttpRequest) -> board.Filters:
    collector = request.GET.get("collector", "")
    return board.Filters(
        segment=request.GET.get("segment", "")[:60],
        collector_id=int(collector) if collector.isdigit() else None,
        currency=request.GET.get("currency", "").strip().upper()[:3],
    )


def money_columns(name: str, frame: pl.DataFrame) -> list[str]:
    if name == "disputes":
        return [c for c in frame.columns if c not in ("reason", "owner", "currency")]
    return [c for c in MONEY.get(name, ()) if c in frame.columns]


def _as_decimal_text(currency: str) -> Any:
    return lambda v: str(decimal(v or 0, currency))


def display(name: str, frame: pl.DataFrame, currency: str | None) -> pl.DataFrame:
    """The table as shown and exported: money as decimal text in major units."""
    money = money_columns(name, frame)
    if name == "disputes":
        # Disputes keep their own currencies: each row in its own.
        rows = frame.to_dicts()
        for row in rows:
            for c in money:
                row[c] = str(decimal(row[c] or 0, row["currency"]))
        schema = {c: (pl.String if c in money else t) for c, t in frame.schema.items()}
        return pl.DataFrame(rows, schema=schema) if rows else pl.DataFrame(schema=schema)
    code = currency or "USD"
    return frame.with_columns([pl.col(c).map_elements(_as_decimal_text(code), return_dtype=pl.String) for c in money])


def _on_screen(name: str, frame: pl.DataFrame, currency: str | None) -> list[dict[str, object]]:
    """Rows for the page: money back to Decimal, so the template groups it as numbers."""
    money = set(money_columns(name, frame))
    return [
        {k: (Decimal(v) if k in money and v not in (None, "") else v) for k, v in row.items()}
        for row in display(name, frame, currency).to_dicts()
    ]


def _export(data: board.DashboardData, table: str, fmt: str) -> HttpResponse:
    frame = display(table, data.tables[table], data.currency)
    numeric = tuple(money_columns(table, data.tables[table]))
    safe = neutralise_formulas(frame.with_columns(pl.col(pl.Date).cast(pl.String)), numeric=numeric)
    stamp = f"{data.as_of:%Y-%m-%d}"
    if fmt == "csv":
        return download(safe.write_csv().encode(), "csv", f"dashboard-{table}-{stamp}")
    return download(xlsx_bytes({table: safe}, numeric=numeric), "xlsx", f"dashboard-{table}-{stamp}")


def _pdf(data: board.DashboardData) -> HttpResponse:
    sections = []
    for name, title in board.TABLES.items():
        frame = display(name, data.tables[name], data.currency)
        rows = [["" if v is None else str(v) for v in row] for row in frame.head(20).iter_rows()]
        sections.append(Section(title, rows, columns=frame.columns))
    pdf = simple_pdf(f"Collections dashboard, {data.as_of:%d %B %Y} ({data.currency or ''})", sections, dated=data.as_of)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="dashboard-{data.as_of:%Y-%m-%d}.pdf"'
    return response


def _charts(data: board.DashboardData) -> dict[str, Any]:
    kpis = data.tables["kpis"].to_dicts()
    aging = data.tables["aging"].to_dicts()
    contacts = data.tables["contacts"].to_dicts()
    code = data.currency or "USD"
    return {
        "kpi_months": [r["month_end"] for r in kpis],
        "days_series": {
            "DSO": [r["dso"] for r in kpis],
            "Best possible DSO": [r["bpdso"] for r in kpis],
            "ADD": [r["add"] for r in kpis],
        },
        "percent_series": {"CEI": [r["cei"] for r in kpis], "Overdue share": [r["overdue_share"] for r in kpis]},
        "aging_months": [r["month_end"] for r in aging],
        "aging_series": {
            "Not due": [float(decimal(r["not_due"], code)) for r in aging],
            "Overdue": [float(decimal(r["total"] - r["not_due"] - r["credits"], code)) for r in aging],
        },
        "contact_months": [r["month"] for r in contacts],
        "contact_series": {
            "Promise-kept rate": [r["promise_kept_rate"] for r in contacts],
            "Right-party contact rate": [r["right_party_rate"] for r in contacts],
        },
    }


@require_GET
def dashboard_page(request: HttpRequest) -> HttpResponse:
    require_senior(request.user, "see the dashboard")
    today = clock.today()
    try:
        as_of = dt.date.fromisoformat(request.GET.get("as_of", "")) if request.GET.get("as_of") else today
    except ValueError:
        as_of = today
    filters = _filters(request)
    data = board.dashboard(as_of, filters, today=today)
    fmt, table = request.GET.get("format"), request.GET.get("table", "")
    if fmt in CONTENT_TYPES and table in board.TABLES:
        return _export(data, table, fmt)
    if fmt == "pdf":
        return _pdf(data)
    shown = {name: _on_screen(name, frame, data.currency) for name, frame in data.tables.items()}
    query = request.GET.urlencode()
    context = {
        "nav": "dashboard",
        "data": data,
        "filters": filters,
        "tables": shown,
        "titles": board.TABLES,
        "labels": LABELS,
        "segments": sorted(s for s in Customer.objects.values_list("segment", flat=True).distinct() if s),
        "collectors": accounts.active_collectors(),
        "query": query,
        **_charts(data),
    }
    return render(request, "reports/dashboard.html", context)
