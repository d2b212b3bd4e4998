"""A manager lifts a customer's credit hold (from the customer page)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from recoup.accounts.permissions import require_manager
from recoup.dunning import services
from recoup.ledger.models import Customer


@require_POST
def lift_hold(request: HttpRequest, customer_id: int) -> HttpResponse:
    require_manager(request.user, "lift a credit hold")
    customer = get_object_or_404(Customer, pk=customer_id)
    reason = request.POST.get("reason", "").strip() or "lifted by a manager"
    hold = services.lift_credit_hold(customer, actor=request.user, at=timezone.now(), reason=reason)
    if hold is None:
        messages.info(request, f"{customer.name} is not on credit hold.")
    else:
        messages.success(request, f"Credit hold on {customer.name} lifted.")
    return redirect("customer-detail", customer.pk)
