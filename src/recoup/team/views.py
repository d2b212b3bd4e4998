"""The team pages: portfolios and performance, bulk reassignment, escalations, call review and
a collector's own feedback. Thin: parse, call one service or selector, render. Roles are
checked here on the server, and again in the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from recoup.accounts import selectors as accounts
from recoup.accounts.permissions import require_senior
from recoup.activities.models import Activity
from recoup.analytics.performance import Period
from recoup.kernel.money import MoneyParseError, parse_minor
from recoup.ledger.clock import today
from recoup.ledger.models import Customer
from recoup.team import performance, selectors, services
from recoup.team.rules import CRITERIA, LEVELS, MAX_POINTS, ReviewError, parse_filter

PERIODS: dict[str, tuple[Period, int, str, str]] = {
    "day": ("day", 14, "Last 14 days, by day", "%d %b"),
    "week": ("week", 8 * 7, "Last 8 weeks, by week", "%d %b"),
}


@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    """Portfolios, capacity and performance with trends, for seniors and managers."""
    require_senior(request.user, "see the team")
    chosen = request.GET.get("period", "week")
    period, days, label, label_format = PERIODS.get(chosen, PERIODS["week"])
    end = today()
    start = end - dt.timedelta(days=days - 1)
    if period == "week":
        start -= dt.timedelta(days=start.weekday())
    collectors = list(accounts.active_collectors())
    names = {c.pk: str(c) for c in collectors}
    home = settings.RECOUP_HOME_CURRENCY
    frame, totals = performance.figures_and_totals(start=start, end=end, period=period, collector_ids=list(names))
    context = {
        "nav": "team",
        "portfolios": selectors.portfolios(),
        "home": home,
        "period": period,
        "period_label": label,
        "label_format": label_format,
        "start": start,
        "end": end,
        "trends": performance.trends(frame, names, home=home),
        "totals": performance.rows(totals, names),
    }
    return render(request, "team/overview.html", context)


def _filter_from(data: Any) -> tuple[Any, str | None]:
    home = settings.RECOUP_HOME_CURRENCY
    text = (data.get("min_overdue") or "").strip()
    try:
        minimum = parse_minor(text, home) if text else None
        f = parse_filter(
            segment=data.get("segment", ""),
            country=data.get("country", ""),
            collector=data.get("collector", ""),
            min_overdue_minor=minimum,
        )
    except MoneyParseError as exc:
        return None, f"minimum overdue: {exc}"
    except ValueError as exc:
        return None, str(exc)
    return f, None


def _target(data: Any) -> tuple[Any, str | None]:
    wanted = (data.get("to") or "").strip()
    if wanted == "pool":
        return None, None
    person = accounts.active_collectors().filter(pk=int(wanted)).first() if wanted.isdigit() else None
    if person is None:
        return None, "Choose who receives the accounts (a collector, a senior or the shared pool)"
    return person, None


@require_http_methods(["GET", "POST"])
def reassign(request: HttpRequest) -> HttpResponse:
    """Bulk reassignment: filter, preview the count, confirm. One transaction, audited."""
    require_senior(request.user, "reassign accounts")
    data = request.POST if request.method == "POST" else request.GET
    f, problem = _filter_from(data) if data.get("preview") or request.method == "POST" else (None, None)
    if request.method == "POST" and f is not None:
        collector, problem = _target(request.POST)
        expected = request.POST.get("expected", "")
        if problem is None and not expected.isdigit():
            problem = "Preview the customers before moving them"
        if problem is None:
            try:
                moved = services.bulk_reassign(
                    actor=request.user, f=f, collector=collector, expected=int(expected), at=timezone.now()
                )
                messages.success(
                    request, f"{moved} customer{'s' if moved != 1 else ''} moved to {collector or 'the shared pool'}."
                )
                return redirect("team-overview")
            except services.TeamError as exc:
                problem = str(exc)
    matched = list(selectors.reassign_candidates(f).select_related("collector")[:501]) if f is not None else None
    count = selectors.reassign_candidates(f).count() if f is not None else None
    context = {
        "nav": "team",
        "data": data,
        "problem": problem,
        "filter": f,
        "count": count,
        "sample": matched[:20] if matched else [],
        "collectors": accounts.active_collectors(),
        "segments": selectors.segments(),
        "home": settings.RECOUP_HOME_CURRENCY,
    }
    return render(request, "team/reassign.html", context, status=400 if problem and request.method == "POST" else 200)


@require_GET
def escalations(request: HttpRequest) -> HttpResponse:
    require_senior(request.user, "see escalations")
    context = {
        "nav": "team",
        "accounts": selectors.escalated_accounts(),
        "disputes": selectors.escalated_disputes(),
        "takes_calls": accounts.takes_calls(request.user),
    }
    return render(request, "team/escalations.html", context)


@require_POST
def take(request: HttpRequest, pk: int) -> HttpResponse:
    require_senior(request.user, "take escalated accounts")
    customer = get_object_or_404(Customer, pk=pk)
    try:
        services.take_escalation(actor=request.user, customer=customer, at=timezone.now())
        messages.success(request, f"{customer.name} is now in your portfolio, with its follow-ups.")
    except services.TeamError as exc:
        messages.error(request, str(exc))
    return redirect("team-escalations")


@require_GET
def reviews(request: HttpRequest) -> HttpResponse:
    """Logged calls to pick for review, newest first; filter by collector and not yet reviewed."""
    require_senior(request.user, "review calls")
    who = request.GET.get("collector", "")
    pending = request.GET.get("pending") == "1"
    calls = selectors.calls_to_review(collector_id=int(who) if who.isdigit() else None, reviewed=False if pending else None)
    context = {"nav": "team", "calls": calls, "collectors": accounts.active_collectors(), "who": who, "pending": pending}
    return render(request, "team/reviews.html", context)


@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """The scorecard for one call: five criteria scored 0-2 and coaching notes."""
    require_senior(request.user, "review calls")
    try:
        call = selectors.call(pk)
    except Activity.DoesNotExist:
        raise Http404("No such call") from None
    existing = selectors.review_of(call)
    problem, field = None, None
    values: dict[str, Any] = {name: getattr(existing, name) for name, _, _ in CRITERIA} if existing else {}
    notes = existing.coaching_notes if existing else ""
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name, _, _ in CRITERIA}
        notes = request.POST.get("coaching_notes", "")
        try:
            services.review_call(actor=request.user, activity=call, scores=values, notes=notes, at=timezone.now())
            messages.success(request, f"Review saved: {call.user} sees it on My feedback.")
            return redirect("team-reviews")
        except ReviewError as exc:
            problem, field = str(exc), exc.field
        except services.TeamError as exc:
            problem = str(exc)
    context = {
        "nav": "team",
        "call": call,
        "existing": existing,
        "criteria": [(name, label, hint, str(values.get(name, ""))) for name, label, hint in CRITERIA],
        "levels": sorted(LEVELS.items()),
        "notes": notes,
        "problem": problem,
        "field": field,
        "max_points": MAX_POINTS,
    }
    return render(request, "team/review.html", context, status=400 if problem else 200)


@require_GET
def feedback(request: HttpRequest) -> HttpResponse:
    """My feedback: the reviews of the signed-in person's own calls, nobody else's."""
    if not accounts.takes_calls(request.user):
        raise PermissionDenied("My feedback is for people who take calls.")
    context = {"nav": "feedback", "reviews": selectors.feedback_for(request.user), "max_points": MAX_POINTS}
    return render(request, "team/feedback.html", context)
