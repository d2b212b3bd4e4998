"""The message-template editor (managers): the templates per key and language, editing one with
the variables it may use, a preview on a real customer, and the tone check on save."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from recoup.accounts.permissions import require_manager
from recoup.dunning import message_templates
from recoup.dunning.composing import MESSAGE_VARIABLES
from recoup.dunning.models import MESSAGE_CHANNELS, MessageTemplate
from recoup.ledger.clock import today
from recoup.ledger.models import Customer


@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    require_manager(request.user, "edit message templates")
    context = {"nav": "outbox", "templates": MessageTemplate.objects.order_by("key", "language")}
    return render(request, "dunning/templates_list.html", context)


def _draft(request: HttpRequest) -> message_templates.Draft:
    get = lambda name: request.POST.get(name, "").replace("\r\n", "\n")  # noqa: E731
    return message_templates.Draft(
        key=get("key").strip(),
        language=get("language").strip(),
        channel=get("channel").strip(),
        name=get("name").strip(),
        subject=get("subject").strip(),
        body=get("body"),
    )


@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require_manager(request.user, "edit message templates")
    original = get_object_or_404(MessageTemplate, pk=pk) if pk is not None else None
    context: dict[str, Any] = {"nav": "outbox", "original": original, "problems": [], "tone_flags": []}
    if request.method == "GET":
        source = original or MessageTemplate(language="en", channel="email")
        draft = message_templates.Draft(source.key, source.language, source.channel, source.name, source.subject, source.body)
        context["customer_ref"] = request.GET.get("customer", "")
    else:
        draft = _draft(request)
        context["customer_ref"] = request.POST.get("customer", "").strip()
        if request.POST.get("action") == "save":
            try:
                saved = message_templates.save_template(
                    draft,
                    actor=request.user,
                    now=timezone.now(),
                    original=original,
                    confirmed=bool(request.POST.get("confirm_tone")),
                )
            except message_templates.ToneFlagged as exc:
                context["tone_flags"] = exc.flags
            except message_templates.TemplateError as exc:
                context["problems"] = exc.problems
            else:
                messages.success(request, f"Template “{saved.name}” [{saved.language}] saved.")
                return redirect("followups-template-edit", pk=saved.pk)
        else:
            context["problems"] = message_templates.draft_problems(draft)
            context["tone_flags"] = message_templates.tone_flags(draft.subject, draft.body) if not context["problems"] else []
    context["draft"] = draft
    if context["customer_ref"] and not context["problems"]:
        context.update(_preview(draft, context["customer_ref"]))
    context.update(
        variables=MESSAGE_VARIABLES.items(),
        languages=message_templates.LANGUAGES.items(),
        channels=[(c.value, c.label) for c in MESSAGE_CHANNELS],
        customers=Customer.objects.order_by("name").values_list("customer_ref", "name")[:500],
    )
    return render(request, "dunning/template_edit.html", context)


def _preview(draft: message_templates.Draft, customer_ref: str) -> dict[str, Any]:
    customer = Customer.objects.filter(customer_ref=customer_ref).first()
    if customer is None:
        return {"preview_problem": f"No customer with the number “{customer_ref}”."}
    unsaved = MessageTemplate(
        key=draft.key, language=draft.language, channel=draft.channel, subject=draft.subject, body=draft.body
    )
    try:
        preview = message_templates.preview(unsaved, customer, as_of=today())
    except message_templates.TemplateError as exc:
        return {"preview_problem": "; ".join(exc.problems)}
    return {"preview": preview, "preview_customer": customer}
