"""The step editor: a strategy's follow-up sequence, for managers (linked from the strategy editor)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from recoup.accounts.permissions import require_manager
from recoup.dunning import sequences
from recoup.dunning.models import Channel
from recoup.worklist.models import Strategy

BLANK_ROWS = 2
TEXT_FIELDS = ("key", "label", "offset_days", "channel", "template_key", "discount_bp", "discount_days")


def _posted_rows(request: HttpRequest) -> list[dict[str, Any]]:
    """The rows as typed, in order; a row whose key and label are both empty is not a step, and
    a row marked for removal is dropped."""
    count = int(request.POST.get("rows", "0") or 0)
    rows: list[dict[str, Any]] = []
    for i in range(min(count, 200)):
        prefix = f"step-{i}-"
        if request.POST.get(prefix + "remove"):
            continue
        row: dict[str, Any] = {name: request.POST.get(prefix + name, "").strip() for name in TEXT_FIELDS}
        if not row["key"] and not row["label"]:
            continue
        row["attach_statement"] = bool(request.POST.get(prefix + "attach_statement"))
        row["active"] = bool(request.POST.get(prefix + "active"))
        rows.append(row)
    return rows


@require_http_methods(["GET", "POST"])
def steps_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, "edit follow-up sequences")
    strategy = Strategy.objects.filter(pk=pk).first()
    if strategy is None:
        raise Http404("No such strategy")
    problems: list[Any] = []
    if request.method == "POST":
        rows = _posted_rows(request)
        try:
            sequences.save_steps(strategy=strategy, rows=rows, actor=request.user, now=timezone.now())
        except sequences.StepsError as exc:
            problems = exc.problems
        else:
            messages.success(
                request, f"Follow-up sequence of “{strategy.name}” saved: {len(rows)} steps. It applies from the next run."
            )
            return redirect("followups-steps", pk=strategy.pk)
    else:
        rows = sequences.as_rows(sequences.steps_of(strategy))
    blank = {"key": "", "label": "", "offset_days": "", "channel": "", "template_key": "", "active": True}
    context = {
        "nav": "strategies",
        "strategy": strategy,
        "rows": [*rows, *([blank] * BLANK_ROWS)],
        "problems": problems,
        "channels": Channel.choices,
        "template_keys": sorted(sequences.template_keys()),
    }
    return render(request, "dunning/steps.html", context, status=400 if problems else 200)
