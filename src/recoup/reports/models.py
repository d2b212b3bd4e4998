"""What the reports app keeps: the cash forecast as it was made each week, and the daily
status reports delivered to managers. (Exchange rates live with the ledger: ledger.FxRate.)"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ForecastWeek(models.Model):
    """One week of a forecast made at the end of ``as_of``: kept as made, so that it can be
    compared with the cash that came (docs/forecast.md). Amounts: home-currency minor units."""

    as_of = models.DateField()
    week = models.PositiveSmallIntegerField(help_text="1 = the 7 days after as_of")
    start = models.DateField()
    currency = models.CharField(max_length=3)
    expected = models.BigIntegerField()
    low = models.BigIntegerField()
    high = models.BigIntegerField()
    made_at = models.DateTimeField()

    class Meta:
        ordering = ["-as_of", "week"]
        constraints = [models.UniqueConstraint(fields=["as_of", "week"], name="forecast_week_once")]

    def __str__(self) -> str:
        return f"forecast of {self.as_of:%Y-%m-%d}, week {self.week}: {self.expected} {self.currency}"


class DailyReport(models.Model):
    """A daily status report made for a manager: exactly one per manager and business date."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="daily_reports")
    date = models.DateField(help_text="The business date it reports on (yesterday's cash is the day before)")
    made_at = models.DateTimeField()
    html_path = models.CharField(max_length=500, help_text="Relative to RECOUP_DATA_DIR")
    pdf_path = models.CharField(max_length=500, help_text="Relative to RECOUP_DATA_DIR")

    class Meta:
        ordering = ["-date", "user_id"]
        constraints = [models.UniqueConstraint(fields=["user", "date"], name="daily_report_once")]

    def __str__(self) -> str:
        return f"daily report for {self.user_id} on {self.date:%Y-%m-%d}"
