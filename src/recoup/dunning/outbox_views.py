"""The Outbox page: every follow-up message with its status, one message in full, and a
manager's "send again". Seniors and managers see it; only managers send again."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from recoup.accounts.permissions import require_manager, require_senior
from recoup.accounts.selectors import is_manager
from recoup.dunning import outbox
from recoup.dunning.models import Message, MessageStatus

PER_PAGE = 50


@require_GET
def outbox_list(request: HttpRequest) -> HttpResponse:
    require_senior(request.user, "see the outbox")
    status = request.GET.get("status", "")
    if status not in MessageStatus.values:
        status = ""
    page = Paginator(outbox.listing(status=status or None, query=request.GET.get("q", "").strip()), PER_PAGE)
    context = {
        "nav": "outbox",
        "page": page.get_page(request.GET.get("page")),
        "status": status,
        "q": request.GET.get("q", "").strip(),
        "counts": outbox.status_counts(),
        "statuses": MessageStatus.choices,
        "smtp_configured": outbox.smtp_configured(),
    }
    return render(request, "dunning/outbox.html", context)


@require_GET
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_senior(request.user, "see the outbox")
    message = get_object_or_404(Message.objects.select_related("customer", "step", "activity"), pk=pk)
    context = {
        "nav": "outbox",
        "message": message,
        "items": message.items.select_related("invoice").order_by("invoice__due_date", "invoice__invoice_ref"),
        "tone_flags": outbox.tone_flags(message),
        "can_resend": is_manager(request.user) and outbox.can_resend(message, now=timezone.now()),
    }
    return render(request, "dunning/outbox_message.html", context)


@require_POST
def message_resend(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request.user, "send a message again")
    message = get_object_or_404(Message, pk=pk)
    if outbox.tone_flags(message) and not request.POST.get("confirm_tone"):
        messages.error(request, "The tone check flagged this message: confirm that it may go out as it is.")
        return redirect("followups-message", pk=pk)
    try:
        message = outbox.resend(message, actor=request.user, now=timezone.now())
    except outbox.OutboxError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Queued again: “{message.subject}” ({message.get_status_display().lower()}).")
    return redirect("followups-message", pk=pk)
