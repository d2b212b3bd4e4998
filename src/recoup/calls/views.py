"""The collector's workspace pages. Thin: parse the form, call one service or selector, render."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from recoup.accounts import selectors as accounts
from recoup.accounts.permissions import require_manager, require_senior
from recoup.accounts.selectors import zone_of
from recoup.activities.models import Outcome
from recoup.calls import forms, selectors, services
from recoup.calls.calendar_feed import feed_for
from recoup.calls.models import FeedToken
from recoup.disputes import selectors as dispute_selectors
from recoup.disputes.models import Dispute
from recoup.kernel import localtime
from recoup.ledger.clock import business_date
from recoup.ledger.models import Customer
from recoup.ledger.selectors import NotYours, customer_for
from recoup.promises import selectors as promises
from recoup.promises import services as promise_services
from recoup.promises.models import PaymentPlan
from recoup.worklist import services as worklist_services
from recoup.worklist.models import Task


def _customer(request: HttpRequest, pk: int) -> Customer:
    try:
        return customer_for(request.user, pk)
    except Customer.DoesNotExist:
        raise Http404("No such customer") from None
    except NotYours as exc:
        raise PermissionDenied(str(exc)) from None


def _playbook(variables: dict[str, Any]) -> dict[str, Any]:
    from recoup.playbook import selectors as playbook

    objective = variables.pop("objective", "secure_date")
    script = playbook.render_script(objective, variables)
    return {"script": script, "snippets": playbook.render_snippets(variables)}


def _sheet_context(request: HttpRequest, customer: Customer, **extra: Any) -> dict[str, Any]:
    now = timezone.now()
    context = selectors.prep_sheet(customer, user=request.user, now=now, as_of=business_date(now))
    context.update(_playbook(selectors.script_variables(context, user=request.user)))
    context.update(
        nav="worklist",
        dialling=request.GET.get("dial") == "1" or request.POST.get("dial") == "1",
        outcomes=[(o.value, o.label) for o in Outcome if o.value not in ("", Outcome.SENT)],
        reasons=Dispute.Reason.choices,
        default_promise_date=(business_date(now) + dt.timedelta(days=7)).isoformat(),
        default_callback=(context["local_now"] + dt.timedelta(days=1)).replace(hour=10, minute=0).strftime("%Y-%m-%dT%H:%M"),
        collectors=accounts.active_collectors() if accounts.is_senior_or_above(request.user) else None,
    )
    context.update(extra)
    return context


@require_GET
def prep(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    return render(request, "calls/prep.html", _sheet_context(request, customer))


@require_POST
def outcome(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    post = request.POST
    user: Any = request.user
    try:
        data = forms.outcome_input(post, customer.currency)
        result = services.log_outcome(actor=user, customer=customer, data=data, at=timezone.now())
    except services.ToneFlagged as flagged:
        context = _sheet_context(request, customer, tone_flags=flagged.flags, tone_suggestion=flagged.suggestion, posted=post)
        return render(request, "calls/prep.html", context, status=422)
    except services.OutcomeError as exc:
        return render(request, "calls/prep.html", _sheet_context(request, customer, error=str(exc), posted=post), status=422)
    label = Outcome(result.activity.outcome).label
    follow = ""
    if result.task:
        task = result.task
        mine = zone_of(user)
        when = localtime.day_and_clock(task.due_at, task.zone)
        yours = "" if mine == task.zone else f" ({localtime.day_and_clock(task.due_at, mine)} your time)"
        follow = f" Next: {task.title}, {when} the customer's time{yours}."
    messages.success(request, f"{customer.name}: {label} logged.{follow}")
    if post.get("dial") == "1":
        return redirect(f"{reverse('calls-next')}?after={customer.pk}")
    return redirect("calls-prep", pk=customer.pk)


# The customers passed in this round of power dialling (skipped or called), in the session:
# "Skip" must walk down the whole list, not bounce between the first two.
DIAL_ROUND = "dial_round"


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    """Power-dial mode: a new round, from the best-ranked customer callable now."""
    request.session[DIAL_ROUND] = []
    return _next(request)


@require_GET
def next_call(request: HttpRequest) -> HttpResponse:
    after = request.GET.get("after", "")
    passed = [int(i) for i in request.session.get(DIAL_ROUND, []) if isinstance(i, int)]
    if after.isdigit() and int(after) not in passed:
        passed.append(int(after))
    request.session[DIAL_ROUND] = passed[-500:]
    return _next(request)


def _next(request: HttpRequest) -> HttpResponse:
    passed = request.session.get(DIAL_ROUND, [])
    customer = selectors.next_customer(request.user, now=timezone.now(), skipped=passed)
    if customer is None:
        if passed:
            messages.info(request, f"That was everyone callable now ({len(passed)} customer{'s' if len(passed) != 1 else ''}).")
        else:
            messages.info(request, "Nobody on your list is inside their call window right now.")
        request.session[DIAL_ROUND] = []
        return redirect("worklist")
    return redirect(f"{reverse('calls-prep', args=[customer.pk])}?dial=1")


@require_GET
def tasks(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    token, _ = FeedToken.objects.get_or_create(user=user)
    feed_url = request.build_absolute_uri(reverse("calls-feed", args=[token.token]))
    context = {"nav": "tasks", "feed_url": feed_url, **selectors.my_tasks(request.user, now=timezone.now())}
    return render(request, "calls/tasks.html", context)


@require_POST
def task_done(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_object_or_404(Task, pk=pk)
    try:
        worklist_services.complete_task(actor=request.user, task=task, at=timezone.now())
    except worklist_services.TaskError as exc:
        raise PermissionDenied(str(exc)) from None
    return redirect("calls-tasks")


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """iCalendar feed of a user's open follow-ups; the unguessable token is the credential."""
    row = FeedToken.objects.filter(token=token).select_related("user").first()
    if row is None or not row.user.is_active:
        raise Http404("No such feed")
    response = HttpResponse(feed_for(row.user, now=timezone.now()), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="recoup-follow-ups.ics"'
    return response


@require_POST
def plan(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    post = request.POST
    try:
        form = forms.plan_input(post)
        instalments = form["instalments"]
        made = promise_services.propose_plan(
            actor=request.user,
            customer=customer,
            invoices=services.open_invoices(customer, form["invoice_ids"]),
            instalments=instalments,
            first_due=form["first_due"],
            every_days=form["every_days"],
            at=timezone.now(),
        )
    except (services.OutcomeError, promise_services.PromiseError) as exc:
        return render(request, "calls/prep.html", _sheet_context(request, customer, error=str(exc), posted=post), status=422)
    if made.status == PaymentPlan.Status.PROPOSED:
        messages.warning(request, f"The plan of {instalments} instalments is beyond your limit: it awaits a senior's approval.")
    else:
        messages.success(request, f"Payment plan of {instalments} instalments agreed.")
    return redirect("calls-prep", pk=customer.pk)


@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    require_senior(request.user, "approve offers")
    context = {
        "nav": "approvals",
        "plans": promises.plans_awaiting_approval(),
        "write_offs": dispute_selectors.write_offs_awaiting_approval(),
    }
    return render(request, "calls/approvals.html", context)


@require_POST
def decide(request: HttpRequest, plan_id: int) -> HttpResponse:
    require_senior(request.user, "approve offers")
    plan = get_object_or_404(PaymentPlan, pk=plan_id)
    try:
        promise_services.decide_plan(actor=request.user, plan=plan, approve=request.POST.get("approve") == "1", at=timezone.now())
        messages.success(request, "Decision recorded.")
    except promise_services.PromiseError as exc:
        messages.error(request, str(exc))
    return redirect("calls-approvals")


@require_POST
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    require_senior(request.user, "reassign accounts")
    customer = _customer(request, pk)
    wanted = request.POST.get("collector", "")
    collector = accounts.active_collectors().filter(pk=int(wanted)).first() if wanted.isdigit() else None
    try:
        services.reassign(actor=request.user, customer=customer, collector=collector, at=timezone.now())  # type: ignore[arg-type]
        messages.success(request, f"{customer.name} now belongs to {collector or 'the shared pool'}.")
    except services.OutcomeError as exc:
        messages.error(request, str(exc))
    return redirect("calls-prep", pk=customer.pk)


@require_GET
def flagged(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, "review flagged notes")
    return render(request, "calls/flagged.html", {"nav": "flagged", "activities": selectors.flagged_activities()})
