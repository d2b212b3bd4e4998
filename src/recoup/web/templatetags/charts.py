"""`{% line_chart title months series unit %}`: a trend chart drawn on the server (recoup.web.charts).

Charts belong to the pages: selectors hand over the figures, the template draws them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from django import template
from django.utils.safestring import SafeString, mark_safe

from recoup.web import charts

register = template.Library()


@register.simple_tag
def line_chart(
    title: str,
    months: Sequence[dt.date],
    series: Mapping[str, Sequence[float | None]],
    unit: str,
    label_format: str = "",
    by_day: bool = False,
) -> SafeString:
    if not months:
        return mark_safe("")
    # pygal's output is SVG markup built from our own numbers and fixed labels only.
    return mark_safe(  # noqa: S308
        charts.line_chart(title, months, dict(series), unit=unit, label_format=label_format, by_day=by_day)
    )
