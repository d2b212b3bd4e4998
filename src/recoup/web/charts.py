"""Trend charts as inline SVG, drawn on the server with pygal.

Why server-side SVG: the chart arrives inside the HTML, so there is no JavaScript file to
serve, no CDN and no npm step; pygal is a pure-Python wheel from PyPI. Its optional
tooltip script is loaded from a CDN by default, so `js=[]` switches it off: the page never
fetches anything from elsewhere. The same figures are also given as a table under the chart
for screen readers and for copying.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pygal
from pygal.style import Style

# The palette of web/app.css (accent, danger, credit, muted), so charts match the page.
_STYLE = Style(
    background="transparent",
    plot_background="transparent",
    foreground="#1b1f24",
    foreground_strong="#1b1f24",
    foreground_subtle="#d8dce2",
    colors=("#1f5fa8", "#1d6b3a", "#b3261e", "#7a5600", "#5d6673"),
    font_family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif",
    label_font_size=11,
    major_label_font_size=11,
    legend_font_size=12,
    title_font_size=13,
)


def month_label(day: dt.date) -> str:
    return day.strftime("%b %y")


def day_label(day: dt.date) -> str:
    return f"{day.day} {day:%b}"


def line_chart(
    title: str,
    months: Sequence[dt.date],
    series: dict[str, Sequence[float | None]],
    *,
    unit: str,
    label_format: str = "",
    by_day: bool = False,
) -> str:
    """An SVG line chart (one line per series; None leaves a gap) as a string for the template.

    The x labels are months ("Nov 26") unless ``label_format`` (strftime) says otherwise (days
    and weeks on the team page are "02 Nov"), or ``by_day`` labels each point by its first day
    (the cash forecast's weeks)."""
    chart = pygal.Line(
        style=_STYLE,
        js=[],  # no tooltip script from pygal's CDN: nothing is fetched from elsewhere
        disable_xml_declaration=True,  # inline inside HTML
        explicit_size=False,  # viewBox only: CSS scales it to the column width
        width=640,
        height=260,
        title=title,
        show_legend=True,
        legend_at_bottom=True,
        legend_at_bottom_columns=len(series) or 1,
        x_label_rotation=0,
        truncate_legend=-1,
        value_formatter=lambda v: f"{v:.1f} {unit}",
        allow_interruptions=True,
        margin=8,
        spacing=12,
        min_scale=3,
        max_scale=8,
    )
    if label_format:
        chart.x_labels = [m.strftime(label_format) for m in months]
    else:
        chart.x_labels = [day_label(m) if by_day else month_label(m) for m in months]
    for name, values in series.items():
        chart.add(name, list(values))
    return str(chart.render(is_unicode=True))
