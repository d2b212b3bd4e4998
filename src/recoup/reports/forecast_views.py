"""The cash forecast page (seniors and managers): the 13 weeks ahead with their band, and how the
kept forecasts did by horizon. Thin: parse, call the forecast and its accuracy, render."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from recoup.accounts.permissions import require_senior
from recoup.ledger import clock
from recoup.reports import forecast_accuracy, forecasting

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _date(text: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(text) if text else default
    except ValueError:
        return default


def download(data: bytes, fmt: str, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@require_GET
def forecast_page(request: HttpRequest) -> HttpResponse:
    require_senior(request.user, "see the cash forecast")
    today = clock.today()
    as_of = _date(request.GET.get("as_of"), today)
    result = forecasting.forecast_as_of(as_of)
    fmt = request.GET.get("format")
    if fmt in CONTENT_TYPES:
        return download(forecasting.forecast_bytes(result, fmt), fmt, f"forecast-{as_of:%Y-%m-%d}")
    accuracy = forecast_accuracy.kept_accuracy(today)
    exp = forecasting.decimal
    weeks = [
        {
            "n": i,
            "start": w.start,
            "end": w.start + dt.timedelta(days=6),
            "expected": exp(w.expected, result.currency),
            "low": exp(w.low, result.currency),
            "high": exp(w.high, result.currency),
        }
        for i, w in enumerate(result.weeks, start=1)
    ]
    context = {
        "nav": "forecast",
        "as_of": as_of,
        "result": result,
        "weeks": weeks,
        "total": exp(sum(w.expected for w in result.weeks), result.currency),
        "open_total": exp(result.open_total, result.currency),
        "chart_weeks": [w.start for w in result.weeks],
        "chart_series": {
            "Expected": [float(exp(w.expected, result.currency)) for w in result.weeks],
            "Low (10%)": [float(exp(w.low, result.currency)) for w in result.weeks],
            "High (90%)": [float(exp(w.high, result.currency)) for w in result.weeks],
        },
        "accuracy": accuracy,
        "accuracy_rows": [
            {**r, "expected": exp(r["expected"], accuracy.currency), "actual": exp(r["actual"], accuracy.currency)}
            for r in accuracy.rows[-40:]
        ],
    }
    return render(request, "reports/forecast.html", context)
