"""Exchange rates for reporting in the home currency (settings.RECOUP_HOME_CURRENCY).

The ledger itself never converts: amounts stay in their own currency. Rates only serve
reports that add up several currencies (`recoup report aging --home`, the aging page).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class FxRate(models.Model):
    currency = models.CharField(max_length=3, help_text="ISO 4217 code of the foreign currency")
    on = models.DateField(help_text="The rate holds from this date until the next one")
    # Decimal, not float: 9 places carry every published rate exactly (ECB publishes 4–6).
    rate = models.DecimalField(max_digits=24, decimal_places=9, help_text="Home-currency units per 1 unit of the currency")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["currency", "-on"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "on"], name="fxrate_unique_currency_on"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="fxrate_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.on:%Y-%m-%d} {self.rate}"
