"""The customer page's panel for letters, the statement and discount offers:
``{% load followup_letters %}{% letters_panel customer %}`` (so the page imports nothing of dunning)."""

from __future__ import annotations

from typing import Any

from django import template

from recoup.dunning.models import Channel, Message
from recoup.ledger.models import Customer
from recoup.promises.selectors import discount_offers_of

register = template.Library()


@register.inclusion_tag("dunning/letters_panel.html")
def letters_panel(customer: Customer) -> dict[str, Any]:
    letters = list(Message.objects.filter(customer=customer, channel=Channel.LETTER).order_by("-created_at", "-pk")[:5])
    return {"customer": customer, "letters": letters, "offers": discount_offers_of(customer.pk, limit=5)}
