"""Today's calls and the strategy editor. Thin: parse, call one selector or service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from recoup.accounts import selectors as accounts
from recoup.accounts.permissions import require_manager, require_senior
from recoup.worklist import selectors, services
from recoup.worklist.forms import StrategyForm

MAX_ROWS = 200


@require_GET
@vary_on_headers("HX-Request")
def worklist(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    callable_only = request.GET.get("callable") == "1"
    user: Any = request.user
    collectors = accounts.active_collectors()
    chosen = None
    if accounts.sees_whole_team(user):
        wanted = request.GET.get("collector", "")
        if wanted.isdigit():
            chosen = collectors.filter(pk=int(wanted)).first()
        qs = selectors.entries(collector=chosen, callable_at=now if callable_only else None)
    else:
        qs = selectors.visible_entries(user, callable_at=now if callable_only else None)
    rows = []
    for entry in qs[:MAX_ROWS]:
        local = now.astimezone(selectors._zone(entry.zone))
        callable_now = bool(entry.window_start and entry.window_end and entry.window_start <= now < entry.window_end)
        rows.append({"entry": entry, "local": local, "callable": callable_now})
    built = selectors.last_build()
    context = {
        "nav": "worklist",
        "rows": rows,
        "total": qs.count(),
        "callable_only": callable_only,
        "collectors": collectors if accounts.sees_whole_team(user) else None,
        "chosen": chosen,
        "built": built,
        "now": now,
        "can_rebuild": accounts.sees_whole_team(user),
    }
    template = "worklist/worklist.html"
    if getattr(request, "htmx", None) and request.htmx.target == "worklist-results":  # type: ignore[attr-defined]
        template += "#results"
    return render(request, template, context)


@require_POST
def rebuild(request: HttpRequest) -> HttpResponse:
    require_senior(request.user, "rebuild the worklist")
    result = services.rebuild(at=timezone.now())
    messages.success(request, f"Worklist rebuilt: {result.on_list} customers on today's lists ({result.seconds:.1f} s).")
    return redirect("worklist")


@require_GET
def strategy_list(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, "edit strategies")
    return render(request, "worklist/strategy_list.html", {"nav": "strategies", "strategies": selectors.strategies()})


@require_http_methods(["GET", "POST"])
def strategy_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require_manager(request.user, "edit strategies")
    strategy = None
    if pk is not None:
        strategy = selectors.strategy(pk)
        if strategy is None:
            raise Http404("No such strategy")
    if request.method == "POST":
        form = StrategyForm(request.POST, strategy=strategy)
        if form.is_valid():
            saved = services.save_strategy(
                actor=request.user,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                definition=form.definition(),
                segments=form.segment_list(),
                is_default=form.cleaned_data["is_default"],
                strategy=strategy,
                now=timezone.now(),
            )
            messages.success(request, f"Strategy “{saved.name}” saved. It applies from the next worklist build.")
            return redirect("strategy-list")
    else:
        form = StrategyForm(initial=StrategyForm.initial_for(strategy), strategy=strategy)
    return render(request, "worklist/strategy_form.html", {"nav": "strategies", "form": form, "strategy": strategy})
