"""The disputes report page and its downloads. Thin: parse the query string, call one report, render."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from recoup.disputes.models import Dispute
from recoup.disputes.rules import AGE_LABELS
from recoup.ledger import clock
from recoup.reports import disputes


def _date(text: str | None, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(text) if text else default
    except ValueError:
        return default


@require_GET
def dispute_report(request: HttpRequest) -> HttpResponse:
    as_of = _date(request.GET.get("as_of"), clock.today())
    start = _date(request.GET.get("from"), disputes.default_start(as_of))
    problem = ""
    if start > as_of:
        problem = (
            f"The period cannot start ({start}) after it ends ({as_of}); showing the last {disputes.DEFAULT_PERIOD_DAYS} days."
        )
        start = disputes.default_start(as_of)
    report = disputes.dispute_report(as_of, start)
    fmt = request.GET.get("format")
    stamp = f"{as_of:%Y-%m-%d}"
    if fmt == "xlsx":
        response = HttpResponse(
            disputes.xlsx_bytes(report), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="disputes-{stamp}.xlsx"'
        return response
    if fmt == "csv":
        part = request.GET.get("part", "aging")
        part = part if part in disputes.PARTS else "aging"
        response = HttpResponse(disputes.csv_bytes(report, part), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="disputes-{part}-{stamp}.csv"'
        return response
    labels = dict(Dispute.Reason.choices)

    def rows(frame: object, limit: int | None = None) -> list[dict[str, object]]:
        out = frame.to_dicts()[:limit] if limit else frame.to_dicts()  # type: ignore[attr-defined]
        return [{**row, "reason": labels.get(row["reason"], row["reason"])} for row in out]

    context = {
        "nav": "aging",
        "report": report,
        "buckets": [(name, AGE_LABELS[name]) for name in disputes.BUCKETS],
        "aging": rows(report.aging),
        "cycle": rows(report.cycle),
        "causes": rows(report.causes, 100),
        "problem": problem,
    }
    return render(request, "reports/disputes.html", context)
