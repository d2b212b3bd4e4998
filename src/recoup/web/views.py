"""HTML pages. Views stay thin: parse the request, call a selector, render."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from recoup.accounts import selectors as accounts
from recoup.activities import selectors as activity_selectors
from recoup.disputes import selectors as dispute_selectors
from recoup.ledger import clock, selectors
from recoup.ledger import services as ledger_services
from recoup.ledger.models import BankAccount, Customer
from recoup.ledger.rules import LedgerRuleBroken
from recoup.prediction import selectors as prediction_selectors
from recoup.promises import selectors as promise_selectors
from recoup.team.history import customer_history
from recoup.web.forms import EmailAuthenticationForm
from recoup.worklist import selectors as worklist_selectors

CUSTOMERS_PER_PAGE = 50


def _today() -> dt.date:
    # The edge decides "today"; selectors and rules only ever receive it as as_of.
    return clock.today()


class RecoupLoginView(LoginView):
    template_name = "registration/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """A caller starts on Today's calls; everyone else on the customers."""
    return redirect("worklist" if accounts.takes_calls(request.user) else "customer-list")


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    return HttpResponsePermanentRedirect(static("web/favicon.svg"))


@require_GET
@vary_on_headers("HX-Request")
def customer_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    sort = request.GET.get("sort", selectors.DEFAULT_SORT)
    if sort not in selectors.SORT_KEYS:
        sort = selectors.DEFAULT_SORT
    as_of = _today()
    customers = selectors.customer_list(user=request.user, search=q, sort=sort, as_of=as_of)
    page = Paginator(customers, CUSTOMERS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "q": q,
        "sort": sort,
        "as_of": as_of,
        "nav": "customers",
        "home_currency": settings.RECOUP_HOME_CURRENCY,
        # Currencies without an exchange rate: their customers cannot be ranked by value.
        "unrated": getattr(customers, "unrated", []),
    }
    template = "web/customer_list.html"
    htmx = getattr(request, "htmx", None)
    # A history restore asks for the whole page even though it comes from htmx.
    if htmx and htmx.target == "customer-results" and not htmx.history_restore_request:
        template += "#results"
    return render(request, template, context)


@require_GET
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        customer = selectors.customer_detail(pk, user=request.user)
    except Customer.DoesNotExist:
        raise Http404("No such customer") from None
    except selectors.NotYours as exc:
        raise PermissionDenied(str(exc)) from None
    as_of = _today()
    items = selectors.open_items(customer, as_of)
    predictions = prediction_selectors.predictions_by_invoice([i.pk for i in items])
    for item in items:
        item.prediction = predictions.get(item.pk)  # type: ignore[attr-defined]
    context = {
        "nav": "customers",
        "customer": customer,
        "zone": selectors.customer_zone(customer),
        "as_of": as_of,
        "items": items,
        "totals": selectors.open_item_totals(items),
        "payments": selectors.recent_payments(customer),
        "why": worklist_selectors.why_not(customer, at=timezone.now()),
        "tasks": worklist_selectors.open_tasks(customer.pk, limit=3),
        "promises": promise_selectors.promises_of(customer.pk),
        "plans": promise_selectors.plans_of(customer.pk),
        "disputes": dispute_selectors.for_customer(customer.pk),
        "activities": activity_selectors.recent(customer.pk),
        "bank_accounts": customer.bank_accounts.all(),
        # Who changed what on this account and everything that is its (the audit trail).
        "history": customer_history(customer),
    }
    return render(request, "web/customer_detail.html", context)


def _visible_customer(request: HttpRequest, pk: int) -> Customer:
    try:
        return selectors.customer_detail(pk, user=request.user)
    except Customer.DoesNotExist:
        raise Http404("No such customer") from None
    except selectors.NotYours as exc:
        raise PermissionDenied(str(exc)) from None


@require_POST
def bank_account_add(request: HttpRequest, pk: int) -> HttpResponse:
    """The accounts a customer pays from: cash application recognises the payer by them."""
    customer = _visible_customer(request, pk)
    try:
        account = ledger_services.add_bank_account(
            customer=customer,
            account=request.POST.get("account", "")[:80],
            source=BankAccount.Source.MANUAL,
            actor=request.user,
            now=timezone.now(),
        )
        messages.success(request, f"{account.account} is now {customer.name}'s account.")
    except LedgerRuleBroken as exc:
        messages.error(request, f"Not added: {exc}")
    return redirect("customer-detail", pk=customer.pk)


@require_POST
def bank_account_remove(request: HttpRequest, pk: int, account_id: int) -> HttpResponse:
    customer = _visible_customer(request, pk)
    account = get_object_or_404(BankAccount, pk=account_id, customer=customer)
    ledger_services.remove_bank_account(bank_account=account, actor=request.user, now=timezone.now())
    messages.success(request, f"{account.account} removed.")
    return redirect("customer-detail", pk=customer.pk)
