"""The daily status report (C18): what a manager reads at 07:00 their own time.

For a business date D it tells: yesterday's cash (payments received on D − 1, per currency and in
the home currency), promises made, kept and broken on D − 1, disputes opened on D − 1 and those
past their SLA date at the end of it, the customers with the most overdue money (top risks), and
this week's cash forecast (the 7 days from D, made with what was known at the end of D − 1).

Delivery: every 15 minutes the worker asks :func:`deliver_due_reports` which managers have passed
07:00 on their own date (their zone, else the company's) without a report for that date; each gets
exactly one (a unique (user, date) row: a second worker racing for the same report loses at the
constraint and writes nothing). :func:`deliver_daily_report` is the one place the report leaves:
today it writes the HTML and PDF to RECOUP_DATA_DIR/reports/daily/ (listed on the "Daily reports"
page); once the follow-ups' outbox exists it is where to hand the e-mail over.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import polars as pl
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.template.loader import render_to_string

from recoup.accounts.models import Role, User
from recoup.accounts.selectors import zone_of
from recoup.analytics.aging import open_items
from recoup.analytics.frames import DEBIT_KINDS, convert_to_home
from recoup.disputes.models import Dispute
from recoup.disputes.selectors import amount_in_home
from recoup.ledger import clock
from recoup.ledger.frames import load_ledger
from recoup.ledger.models import Customer, Payment
from recoup.promises.models import Promise, PromiseStatus
from recoup.reports.forecasting import forecast_as_of
from recoup.reports.models import DailyReport
from recoup.reports.pdf import Section, simple_pdf

__all__ = ["DELIVERY_TIME", "DailyFigures", "build_report", "deliver_daily_report", "deliver_due_reports", "figures"]

DELIVERY_TIME = dt.time(7, 0)
TOP_RISKS = 5
OPEN_STATUSES = (Dispute.Status.OPEN, Dispute.Status.IN_REVIEW)


@dataclass
class DailyFigures:
    """Amounts in minor units; ``home`` ones in the home currency (None: a rate is missing)."""

    date: dt.date
    home_currency: str
    cash: dict[str, int] = field(default_factory=dict)
    cash_home: int | None = 0
    promises_made: int = 0
    promises_kept: int = 0
    promises_partly_kept: int = 0
    promises_broken: int = 0
    disputes_opened: int = 0
    disputes_breached: int = 0
    risks: list[dict[str, Any]] = field(default_factory=list)
    week_start: dt.date | None = None
    week_expected: int = 0
    week_low: int = 0
    week_high: int = 0

    @property
    def yesterday(self) -> dt.date:
        return self.date - dt.timedelta(days=1)


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = clock.company_zone()
    start = dt.datetime.combine(day, dt.time(0), tzinfo=zone)
    return start, start + dt.timedelta(days=1)


def _cash(figures: DailyFigures) -> None:
    rows = Payment.objects.filter(received_on=figures.yesterday).values("currency").annotate(total=Sum("amount"))
    home: int | None = 0
    for row in rows.order_by("currency"):
        figures.cash[row["currency"]] = int(row["total"])
        converted = amount_in_home(int(row["total"]), row["currency"], figures.yesterday)
        home = None if home is None or converted is None else home + converted
    figures.cash_home = home


def _promises(figures: DailyFigures) -> None:
    start, end = _day_bounds(figures.yesterday)
    figures.promises_made = Promise.objects.filter(created_at__gte=start, created_at__lt=end).count()
    judged = Promise.objects.filter(resolved_on=figures.yesterday).aggregate(
        kept=Count("id", filter=Q(status=PromiseStatus.KEPT)),
        partly=Count("id", filter=Q(status=PromiseStatus.PARTIALLY_KEPT)),
        broken=Count("id", filter=Q(status=PromiseStatus.BROKEN)),
    )
    figures.promises_kept, figures.promises_partly_kept = judged["kept"], judged["partly"]
    figures.promises_broken = judged["broken"]


def _disputes(figures: DailyFigures) -> None:
    day = figures.yesterday
    figures.disputes_opened = Dispute.objects.filter(opened_on=day).count()
    still_open = Q(status__in=OPEN_STATUSES) | Q(resolved_on__gt=day)
    figures.disputes_breached = Dispute.objects.filter(still_open, opened_on__lte=day, sla_due__lt=figures.date).count()


def _risks(figures: DailyFigures) -> None:
    """The customers with the most overdue money at the end of yesterday, in the home currency."""
    ledger = load_ledger(as_of=figures.yesterday)
    overdue = open_items(ledger, figures.yesterday).filter(pl.col("kind").is_in(DEBIT_KINDS) & (pl.col("days_past_due") > 0))
    if overdue.height == 0:
        return
    overdue = overdue.with_columns(on=pl.lit(figures.yesterday, dtype=pl.Date))
    home = convert_to_home(overdue, ["open_amount"], "on", fx_rates=ledger.fx_rates, home=ledger.home_currency, strict=False)
    top = (
        home.group_by("customer_id")
        .agg(overdue=pl.col("open_amount").sum(), oldest=pl.col("days_past_due").max())
        .sort(["overdue", "customer_id"], descending=[True, False])
        .head(TOP_RISKS)
    )
    names = dict(Customer.objects.filter(pk__in=top["customer_id"].to_list()).values_list("pk", "name"))
    figures.risks = [{**row, "name": names.get(row["customer_id"], "?")} for row in top.iter_rows(named=True)]


def figures(day: dt.date) -> DailyFigures:
    """Everything the report for business date ``day`` says (about ``day`` − 1 and this week)."""
    out = DailyFigures(date=day, home_currency=str(settings.RECOUP_HOME_CURRENCY).upper())
    _cash(out)
    _promises(out)
    _disputes(out)
    _risks(out)
    week = forecast_as_of(out.yesterday, weeks=1).weeks[0]
    out.week_start, out.week_expected, out.week_low, out.week_high = week.start, week.expected, week.low, week.high
    return out


def _money(minor: int | None, currency: str) -> str:
    from recoup.kernel.money import Money, UnknownCurrency, format_money

    if minor is None:
        return "– (no exchange rate)"
    try:
        return format_money(Money(int(minor), currency))
    except UnknownCurrency:
        return f"{minor} {currency}"


def _sections(f: DailyFigures) -> list[Section]:
    home = f.home_currency
    cash = [[code, _money(amount, code)] for code, amount in f.cash.items()] or [["–", "no payments received"]]
    return [
        Section(f"Yesterday's cash ({f.yesterday:%a %d %b %Y})", [*cash, [f"Total in {home}", _money(f.cash_home, home)]]),
        Section(
            "Promises",
            [
                ["Made", str(f.promises_made)],
                ["Kept", str(f.promises_kept)],
                ["Partly kept", str(f.promises_partly_kept)],
                ["Broken", str(f.promises_broken)],
            ],
        ),
        Section("Disputes", [["Opened", str(f.disputes_opened)], ["Past their SLA date", str(f.disputes_breached)]]),
        Section(
            f"Top risks (overdue, {home})",
            [[r["name"], _money(r["overdue"], home), f"{r['oldest']} days"] for r in f.risks] or [["–", "nothing overdue"]],
        ),
        Section(
            f"This week's forecast (from {f.week_start:%d %b})",
            [
                ["Expected", _money(f.week_expected, home)],
                ["Low (10%)", _money(f.week_low, home)],
                ["High (90%)", _money(f.week_high, home)],
            ],
        ),
    ]


def build_report(user: Any, day: dt.date) -> tuple[str, bytes, DailyFigures]:
    """The e-mail body (HTML) and the PDF of ``user``'s report for business date ``day``."""
    f = figures(day)
    sections = _sections(f)
    html = render_to_string("reports/daily_email.html", {"user": user, "figures": f, "sections": sections})
    pdf = simple_pdf(f"Daily status report, {day:%A %d %B %Y}", sections, dated=day)
    return html, pdf, f


def daily_dir() -> Path:
    return Path(settings.DATA_DIR) / "reports" / "daily"


class HandOver(Protocol):
    def __call__(self, report: DailyReport, *, html: str, html_file: Path, pdf_file: Path, now: dt.datetime) -> None: ...


# Who sends a report on once it is written: the follow-ups' outbox registers itself here from its
# AppConfig.ready() (it sits above reports, which may not import it). Called inside the report's
# transaction, so the report row, its files and the queued e-mail exist together or not at all.
_hand_overs: list[HandOver] = []


def hand_reports_to(receiver: HandOver) -> None:
    """Register ``receiver`` to be given each daily report as it is written (idempotent)."""
    if receiver not in _hand_overs:
        _hand_overs.append(receiver)


def deliver_daily_report(user: Any, day: dt.date, html: str, pdf: bytes, *, now: dt.datetime) -> DailyReport | None:
    """Write one report (files in the data directory and a row listing them on the Daily reports
    page) and hand it to the registered senders (the outbox e-mails it to the manager).

    None when ``user`` already has the report for ``day``: nothing is written or sent twice.
    """
    folder = daily_dir() / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"user-{user.pk}"
    try:
        with transaction.atomic():
            row = DailyReport.objects.create(
                user=user,
                date=day,
                made_at=now,
                html_path=f"reports/daily/{day.isoformat()}/{stem}.html",
                pdf_path=f"reports/daily/{day.isoformat()}/{stem}.pdf",
            )
            # Written inside the transaction: a failed write leaves no row, and the next run retries.
            (folder / f"{stem}.html").write_text(html, encoding="utf-8")
            (folder / f"{stem}.pdf").write_bytes(pdf)
            for hand_over in _hand_overs:
                hand_over(row, html=html, html_file=folder / f"{stem}.html", pdf_file=folder / f"{stem}.pdf", now=now)
    except IntegrityError:
        return None
    return row


def due_managers(now: dt.datetime) -> list[tuple[Any, dt.date]]:
    """(manager, their date) for each active manager past 07:00 locally with no report yet."""
    out = []
    for user in User.objects.filter(is_active=True, role=Role.MANAGER).order_by("pk"):
        local = now.astimezone(zoneinfo.ZoneInfo(zone_of(user)))
        if local.time() < DELIVERY_TIME:
            continue
        if not DailyReport.objects.filter(user=user, date=local.date()).exists():
            out.append((user, local.date()))
    return out


def deliver_due_reports(*, now: dt.datetime) -> list[int]:
    """Make and deliver the reports now due; the ids of the rows written."""
    made = []
    for user, day in due_managers(now):
        html, pdf, _ = build_report(user, day)
        row = deliver_daily_report(user, day, html, pdf, now=now)
        if row is not None:
            made.append(row.pk)
    return made
