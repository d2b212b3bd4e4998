"""The jobs page: what the background worker did, and what failed (managers)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from recoup.accounts.permissions import require_manager
from recoup.jobs import selectors
from recoup.jobs.models import JobStatus


@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, "see the background jobs")
    status = request.GET.get("status", "")
    if status not in JobStatus.values:
        status = ""
    context = {
        "nav": "jobs",
        "runs": selectors.job_runs(status=status or None),
        "status": status,
        "statuses": JobStatus.choices,
        "problems": selectors.problem_count(),
    }
    return render(request, "jobs/job_list.html", context)
