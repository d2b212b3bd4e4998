"""Disputes: the customer says an invoice is wrong; until resolved, it leaves dunning and calls."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Dispute(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_REVIEW = "in_review", "In review"
        RESOLVED = "resolved", "Resolved"
        REJECTED = "rejected", "Rejected"

    class Reason(models.TextChoices):
        PRICING = "pricing", "Pricing"
        QUANTITY = "quantity", "Quantity"
        QUALITY = "quality", "Quality or damage"
        NOT_RECEIVED = "not_received", "Goods or service not received"
        DUPLICATE = "duplicate", "Duplicate invoice"
        ALREADY_PAID = "already_paid", "Already paid"
        TERMS = "terms", "Terms or due date"
        OTHER = "other", "Other"

    class Resolution(models.TextChoices):
        NONE = "", "—"
        CREDIT_NOTE = "credit_note", "Credit note"
        REJECTED = "rejected", "Rejected: invoice stands"
        WRITE_OFF = "write_off", "Written off"
        CORRECTED = "corrected", "Invoice corrected"

    customer = models.ForeignKey("ledger.Customer", on_delete=models.CASCADE, related_name="disputes", db_index=False)
    invoices = models.ManyToManyField("ledger.Invoice", related_name="disputes")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    amount = models.BigIntegerField(help_text="Disputed amount, minor units")
    currency = models.CharField(max_length=3)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    owner_external = models.CharField(max_length=200, blank=True, help_text="An outside stakeholder (sales, logistics)")
    sla_due = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolution = models.CharField(max_length=12, choices=Resolution.choices, blank=True, default="")
    opened_on = models.DateField()
    resolved_on = models.DateField(null=True, blank=True)
    opened_in = models.ForeignKey("activities.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-opened_on", "-id"]
        indexes = [models.Index(fields=["customer", "status"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="dispute_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(status__in=["resolved", "rejected"], resolved_on__isnull=False)
                | Q(status__in=["open", "in_review"], resolved_on__isnull=True),
                name="dispute_resolved_on_iff_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"dispute {self.pk} ({self.get_reason_display()}, {self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.IN_REVIEW)
