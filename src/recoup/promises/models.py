"""Promises to pay and payment plans: what a customer committed to, and whether they kept it."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

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


class DiscountOffer(models.Model):
    """An early-payment discount (C10): pay the discounted amount of the chosen items, per
    currency, by ``valid_until`` and the rest is credited. Offered by a collector or a follow-up
    step within the role's limit (RECOUP_OFFER_LIMITS); above it, awaiting a senior's approval."""

    class Status(models.TextChoices):
        OFFERED = "offered", "Offered"
        PENDING_APPROVAL = "pending_approval", "Awaiting approval"
        ACCEPTED = "accepted", "Paid and settled"
        EXPIRED = "expired", "Expired"
        DECLINED = "declined", "Declined"

    customer = models.ForeignKey("ledger.Customer", on_delete=models.CASCADE, related_name="discount_offers", db_index=False)
    invoices = models.ManyToManyField(
        "ledger.Invoice", through="DiscountOfferItem", through_fields=("offer", "invoice"), related_name="discount_offers"
    )
    discount_bp = models.PositiveIntegerField(help_text="Basis points: 200 = 2 %")
    days = models.PositiveSmallIntegerField(help_text="How long the offer holds once made")
    offered_on = models.DateField(null=True, blank=True, help_text="The business date it was made (or approved)")
    valid_until = models.DateField(null=True, blank=True, help_text="The last day a payment may arrive")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OFFERED)
    source = models.CharField(max_length=80, help_text='"collector", or the follow-up step that offered it')
    offered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    settled_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "status"])]
        constraints = [
            models.CheckConstraint(condition=Q(discount_bp__gt=0, discount_bp__lt=10_000), name="discount_bp_in_range"),
            models.CheckConstraint(condition=Q(days__gt=0), name="discount_days_positive"),
        ]

    def __str__(self) -> str:
        return f"discount {self.discount_bp / 100:g} % until {self.valid_until} ({self.status})"

    @property
    def percent(self) -> str:
        """For people: "2", "2.5"."""
        return f"{self.discount_bp / 100:g}"

    def amounts(self) -> list[DiscountAmount]:
        """Per currency, what was open when offered and what settles it (minor units)."""
        totals: dict[str, list[int]] = {}
        for item in self.items.all():
            pair = totals.setdefault(item.currency, [0, 0])
            pair[0] += item.open_amount
            pair[1] += item.discount_amount
        return [DiscountAmount(code, full, full - off) for code, (full, off) in sorted(totals.items())]


class DiscountAmount(NamedTuple):
    currency: str
    open_amount: int
    discounted_amount: int


class DiscountOfferItem(models.Model):
    offer = models.ForeignKey(DiscountOffer, on_delete=models.CASCADE, related_name="items")
    invoice = models.ForeignKey("ledger.Invoice", on_delete=models.CASCADE, related_name="+")
    currency = models.CharField(max_length=3)
    open_amount = models.BigIntegerField(help_text="Open when offered, minor units")
    discount_amount = models.BigIntegerField(help_text="This item's share of the discount, minor units")
    payment = models.ForeignKey("ledger.Payment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    credit_note = models.ForeignKey("ledger.Invoice", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["invoice__due_date", "invoice_id"]
        constraints = [
            models.UniqueConstraint(fields=["offer", "invoice"], name="discount_item_once"),
            models.CheckConstraint(condition=Q(open_amount__gt=0), name="discount_item_open_positive"),
            models.CheckConstraint(
                condition=Q(discount_amount__gte=0, discount_amount__lt=models.F("open_amount")), name="discount_item_share"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.discount_amount} off {self.open_amount} {self.currency}"
