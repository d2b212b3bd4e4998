"""Tags of the follow-ups for pages other apps own: the credit-hold badge wherever a customer is
shown (the customer page and list, today's calls, the call-prep sheet). Loaded by name in the
templates, so the apps that show customers import nothing of the follow-ups."""

from __future__ import annotations

from typing import Any

from django import template
from django.middleware.csrf import get_token
from django.utils.html import format_html

from recoup.accounts.selectors import is_manager
from recoup.dunning.models import CreditHold

register = template.Library()


def _held(context: template.Context) -> dict[int, CreditHold]:
    """Active holds, read once per page (they are few): a list of 50 customers costs one query."""
    cache = context.render_context
    if "dunning_holds" not in cache:
        cache["dunning_holds"] = {h.customer_id: h for h in CreditHold.objects.filter(lifted_at__isnull=True)}
    return dict(cache["dunning_holds"])


@register.simple_tag(takes_context=True)
def credit_hold(context: template.Context, customer: Any, lift: bool = False) -> str:
    """``{% credit_hold customer %}``: the "On hold" badge when a step put the customer on credit
    hold; with ``lift=True`` (the customer page), the manager's button to lift it."""
    customer_id = getattr(customer, "pk", customer)
    hold = _held(context).get(int(customer_id)) if customer_id is not None else None
    if hold is None:
        return ""
    badge = format_html(
        '<span class="badge badge-on_hold" title="Credit hold placed {} by the follow-up step “{}”">On hold (credit hold)</span>',
        f"{hold.placed_at:%Y-%m-%d}",
        hold.step_key,
    )
    request = context.get("request")
    if not lift or request is None or not is_manager(request.user):
        return badge
    from django.urls import reverse

    return format_html(
        '{} <form method="post" action="{}" class="inline"><input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<button type="submit" class="btn small">Lift the credit hold</button></form>',
        badge,
        reverse("followups-lift-hold", args=[customer_id]),
        get_token(request),
    )
