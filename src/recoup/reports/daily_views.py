"""The "Daily reports" page: a manager's own daily status reports, opened as HTML or PDF."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from recoup.accounts.permissions import require_manager
from recoup.reports.models import DailyReport

KINDS = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


@require_GET
def daily_list(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, "receive daily reports")
    reports = DailyReport.objects.filter(user_id=int(request.user.pk or 0)).order_by("-date")[:90]
    return render(request, "reports/daily_list.html", {"nav": "dashboard", "reports": reports})


@require_GET
def daily_file(request: HttpRequest, report_id: int, kind: str) -> FileResponse:
    require_manager(request.user, "receive daily reports")
    if kind not in KINDS:
        raise Http404("no such format")
    # Only one's own reports: another manager's id answers as if it did not exist.
    report = get_object_or_404(DailyReport, pk=report_id, user_id=int(request.user.pk or 0))
    path = Path(settings.DATA_DIR) / (report.html_path if kind == "html" else report.pdf_path)
    if not path.is_file():
        raise Http404("the report's file is missing from the data directory")
    name = f"daily-report-{report.date:%Y-%m-%d}.{kind}"
    return FileResponse(path.open("rb"), content_type=KINDS[kind], as_attachment=kind == "pdf", filename=name)
