"""The collector's side of the portal: copy the customer's link during a call, or withdraw it.

Behind the login like every page of the team (``/portal-links/`` is not on the public list); a
collector acts only on customers they may see (``customer_for``). The link is handed back in the
collector's session and shown once on the call-prep sheet, never put in an address.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from recoup.ledger.models import Customer
from recoup.ledger.selectors import NotYours, customer_for
from recoup.portal import services


def _customer(request: HttpRequest, pk: int) -> Customer:
    try:
        return customer_for(request.user, pk)
    except Customer.DoesNotExist:
        raise Http404("No such customer") from None
    except NotYours as exc:
        raise PermissionDenied(str(exc)) from None


def _back(customer: Customer) -> HttpResponse:
    return redirect(reverse("calls-prep", args=[customer.pk]) + "#portal-link")


@require_POST
def copy_link(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    url = services.copy_for_collector(customer, actor=request.user, now=timezone.now(), base_url=request.build_absolute_uri("/"))
    request.session[f"portal-link-{customer.pk}"] = url
    return _back(customer)


@require_POST
def revoke_links(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    n = services.revoke_links(customer, actor=request.user, now=timezone.now())
    messages.success(request, f"{customer.name}: {n} link{'s' if n != 1 else ''} withdrawn; they open nothing any more.")
    return _back(customer)
