"""`{% predictions_pending as pending %}`: whether no payment-prediction model exists yet.

Pages that show predictions (the customer page, the call-prep sheet, today's calls) say
"predictions pending" rather than a bare dash while the first model trains in the worker
(`recoup init --demo` queues it; the nightly retrain makes one for a ledger imported later).
"""

from __future__ import annotations

from django import template

from recoup.prediction import selectors

register = template.Library()


@register.simple_tag
def predictions_pending() -> bool:
    return selectors.latest_model() is None
