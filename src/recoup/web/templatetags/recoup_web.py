"""Small presentation helpers shared by the web templates."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

import phonenumbers
from django import template
from django.template.context import Context
from django.utils.html import format_html
from django.utils.safestring import SafeString

from recoup.kernel import localtime
from recoup.ledger.selectors import days_overdue as _days_overdue

register = template.Library()


@register.filter
def days_overdue(due_date: dt.date | None, as_of: dt.date) -> int | None:
    if due_date is None:
        return None
    return _days_overdue(due_date, as_of)


@register.filter
def chance(probability: float | None) -> str:
    """A probability as people read it: "37 %", and "<1 %" / ">99 %" at the ends.

    The model's calibrated scores reach exactly 0 and 1 (isotonic calibration); the backtest
    finds such items right about 99 % of the time (docs/prediction.md), not always, so the page
    never claims certainty.
    """
    if probability is None:
        return "–"
    percent = (Decimal(str(probability)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if percent < 1:
        return "<1 %"
    if percent > 99:
        return ">99 %"
    return f"{percent} %"


@register.filter
def phone(e164: str) -> str:
    """E.164 as stored → the international form people read ("+1 312-555-0100")."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


# column → (ascending key, descending key, which direction a first click picks).
# Money columns open biggest-first because that is what a collector looks for.
_SORTABLE: dict[str, tuple[str, str | None, str]] = {
    "name": ("name", "-name", "asc"),
    "ref": ("ref", None, "asc"),
    "open": ("open", "-open", "desc"),
    "overdue": ("overdue", "-overdue", "desc"),
}


@register.simple_tag(takes_context=True)
def sort_header(context: Context, column: str, label: str, css_class: str = "") -> SafeString:
    """A <th> whose link toggles the sort on `column`, with aria-sort for screen readers."""
    asc, desc, first = _SORTABLE[column]
    current = context.get("sort", "")
    if current == asc:
        state, next_key = "ascending", desc or asc
    elif desc is not None and current == desc:
        state, next_key = "descending", asc
    else:
        state, next_key = "none", (desc if first == "desc" and desc else asc)
    params = {"sort": next_key}
    if context.get("q"):
        params["q"] = context["q"]
    href = f"?{urlencode(params)}"
    arrow = {"ascending": "▲", "descending": "▼", "none": ""}[state]
    return format_html(
        '<th scope="col" class="{}" aria-sort="{}"><a href="{}" hx-get="{}">{}'
        '<span class="sort-arrow" aria-hidden="true">{}</span></a></th>',
        css_class,
        state,
        href,
        href,
        label,
        arrow,
    )


@register.simple_tag(takes_context=True)
def page_url(context: Context, page: int) -> str:
    params = {"page": page, "sort": context.get("sort", "")}
    if context.get("q"):
        params["q"] = context["q"]
    return f"?{urlencode(params)}"


@register.filter
def minutes(delta: dt.timedelta) -> int:
    return max(1, round(delta.total_seconds() / 60))


@register.filter
def get_field(form: Any, name: str) -> Any:
    """A form's bound field by a name computed in the template (the strategy editor's rule rows)."""
    return form[name]


@register.filter
def in_zone(instant: dt.datetime | None, zone: str) -> str:
    """An instant as the wall-clock time in ``zone`` with the zone's abbreviation ("14:05 JST").

    Django's ``time`` filter would show it in the active zone (the user's); a caller needs the
    customer's own clock, and the abbreviation says whose clock it is.
    """
    return "" if instant is None else localtime.clock(instant, zone)


@register.filter
def in_zone_day(instant: dt.datetime | None, zone: str) -> str:
    """The day and time in ``zone`` ("Thu 03 Dec 09:00 CET"), for follow-ups on another day."""
    return "" if instant is None else localtime.day_and_clock(instant, zone)
