"""The webhooks page (managers): endpoints, their secret shown once, and the delivery log."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from recoup.accounts.permissions import require_manager
from recoup.webhooks import rules, services
from recoup.webhooks.models import Delivery, Endpoint


@require_http_methods(["GET", "POST"])
def webhooks(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, "set up webhooks")
    context: dict[str, object] = {"nav": "webhooks", "events": list(rules.EVENTS)}
    status = 200
    if request.method == "POST":
        try:
            endpoint = services.create_endpoint(
                actor=request.user, url=request.POST.get("url", ""), events=request.POST.getlist("events"), now=timezone.now()
            )
        except services.WebhookError as exc:
            context["error"], status = str(exc), 422
        else:
            context["new_endpoint"] = endpoint
    context["endpoints"] = Endpoint.objects.all()
    context["deliveries"] = Delivery.objects.select_related("endpoint")[:100]
    return render(request, "webhooks/webhooks.html", context, status=status)


@require_POST
def disable(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, "set up webhooks")
    endpoint = get_object_or_404(Endpoint, pk=pk)
    services.disable_endpoint(actor=request.user, endpoint=endpoint, now=timezone.now())
    messages.success(request, f"{endpoint.url} no longer receives events.")
    return redirect("webhooks")
