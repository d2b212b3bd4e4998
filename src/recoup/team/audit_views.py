"""The audit log page (managers only): filter by actor, object type, action and dates; export
the filtered log as CSV or XLSX with formula injection neutralised (recoup.ledger.exports).

It lives in the team app, above the ledger, because the export helper is the ledger's and the
audit app sits below it in the layers."""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from recoup.accounts.permissions import require_manager
from recoup.audit import selectors
from recoup.audit.selectors import LogFilter
from recoup.ledger.exports import write
from recoup.team.history import entry

EXPORT_LIMIT = 100_000
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _date(text: str, name: str, problems: list[str]) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        problems.append(f"{name}: a date such as 2026-11-30, not {text!r}")
        return None


def _filter(request: HttpRequest) -> tuple[LogFilter, list[str]]:
    problems: list[str] = []
    since = _date(request.GET.get("since", ""), "from", problems)
    until = _date(request.GET.get("until", ""), "to", problems)
    if since and until and until < since:
        problems.append(f"to ({until}) is before from ({since})")
    f = LogFilter(
        actor=request.GET.get("actor", "").strip()[:200],
        object_type=request.GET.get("object_type", "").strip()[:60],
        action=request.GET.get("action", "").strip()[:40],
        since=since,
        until=until,
    )
    return f, problems


@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, "read the audit log")
    f, problems = _filter(request)
    events = selectors.search(f)
    fmt = request.GET.get("format", "")
    if fmt in CONTENT_TYPES and not problems:
        data = write(selectors.export_frame(events, limit=EXPORT_LIMIT), fmt, None)
        response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="audit-log.{fmt}"'
        return response
    page = Paginator(events.select_related("actor"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    context = {
        "nav": "audit",
        "filter": f,
        "problems": problems,
        "page": page,
        "entries": [(event, entry(event)) for event in page.object_list],
        "object_types": selectors.object_types(),
        "actions": selectors.actions(),
        "query": query.urlencode(),
    }
    return render(request, "team/audit_log.html", context, status=400 if problems else 200)
