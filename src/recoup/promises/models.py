"""Promises to pay and payment plans: what a customer committed to, and whether they kept it."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q


class PromiseStatus(models.TextChoices):
    OPEN = "open", "Open"
    KEPT = "kept", "Kept"
    PARTIALLY_KEPT = "partially_kept", "Partially kept"
    BROKEN = "broken", "Broken"
    CANCELLED = "cancelled", "Cancelled"


class Promise(models.Model):
    customer = models.ForeignKey("ledger.Customer", on_delete=models.CASCADE, related_name="promises", db_index=False)
    invoices = models.ManyToManyField("ledger.Invoice", related_name="promises", blank=True)
    amount = models.BigIntegerField(help_text="Minor units of the currency")
    currency = models.CharField(max_length=3)
    promised_date = models.DateField()
    # Days of grace after the promised date before the promise is judged (DESIGN §4).
    tolerance_days = models.PositiveSmallIntegerField(default=3)
    status = models.CharField(max_length=16, choices=PromiseStatus.choices, default=PromiseStatus.OPEN)
    # How many of this customer's promises were broken before this one was made.
    level = models.PositiveSmallIntegerField(default=0)
    made_in = models.ForeignKey("activities.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    kept_amount = models.BigIntegerField(default=0, help_text="Paid towards it when it was judged")
    resolved_on = models.DateField(null=True, blank=True, help_text="When it was judged kept, partially kept or broken")

    class Meta:
        ordering = ["-promised_date", "-id"]
        indexes = [models.Index(fields=["customer", "status"])]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="promise_amount_positive")]

    def __str__(self) -> str:
        return f"promise {self.amount} {self.currency} by {self.promised_date:%Y-%m-%d} ({self.status})"

    @property
    def judged_on(self) -> dt.date:
        return self.promised_date + dt.timedelta(days=self.tolerance_days)


class PaymentPlan(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", "Awaiting approval"
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        BROKEN = "broken", "Broken"
        CANCELLED = "cancelled", "Cancelled"

    customer = models.ForeignKey("ledger.Customer", on_delete=models.CASCADE, related_name="payment_plans", db_index=False)
    invoices = models.ManyToManyField("ledger.Invoice", related_name="payment_plans", blank=True)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "status"])]

    def __str__(self) -> str:
        return f"plan {self.pk} ({self.status})"


class Instalment(models.Model):
    plan = models.ForeignKey(PaymentPlan, on_delete=models.CASCADE, related_name="instalments")
    due_date = models.DateField()
    amount = models.BigIntegerField(help_text="Minor units of the plan's currency")
    status = models.CharField(max_length=16, choices=PromiseStatus.choices, default=PromiseStatus.OPEN)
    kept_amount = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["due_date", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_amount_positive")]

    def __str__(self) -> str:
        return f"{self.amount} due {self.due_date:%Y-%m-%d} ({self.status})"
