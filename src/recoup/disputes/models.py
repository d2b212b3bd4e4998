"""Disputes: the customer says an invoice is wrong; until resolved, it leaves dunning and calls.

A case (``Dispute``) has an owner, an SLA due date from its reason (``ReasonSla``), comments and
attachments from the team and from outside stakeholders invited through a link
(``StakeholderLink``), and ends resolved — credit notes, corrected invoices or write-offs
(``Settlement`` rows, written to the ledger through ``recoup.ledger.services``) — or rejected.
A write-off beyond the proposer's limit waits in a ``WriteOffRequest`` for a senior's approval.
"""

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
    # What was agreed, or why the case was rejected (a rejection must say why).
    resolution_note = models.TextField(blank=True, default="")
    opened_on = models.DateField()
    resolved_on = models.DateField(null=True, blank=True)
    opened_in = models.ForeignKey("activities.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    notes = models.TextField(blank=True)
    # Set when the SLA passed with the case still open: the senior it went to, and when.
    escalated_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_on", "-id"]
        indexes = [
            models.Index(fields=["customer", "status"]),
            models.Index(fields=["status", "sla_due"], name="dispute_status_sla_idx"),
        ]
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


class ReasonSla(models.Model):
    """How many days a case of this reason may stay open (a manager edits them); reasons
    without a row use ``rules.DEFAULT_SLA_DAYS``."""

    reason = models.CharField(max_length=16, choices=Dispute.Reason.choices, unique=True)
    days = models.PositiveSmallIntegerField()
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["reason"]
        constraints = [models.CheckConstraint(condition=Q(days__gte=1) & Q(days__lte=365), name="reasonsla_days_1_to_365")]

    def __str__(self) -> str:
        return f"{self.reason}: {self.days} days"


class StakeholderLink(models.Model):
    """An outside person's access to one case: a secret token (only its SHA-256 is stored),
    an expiry and a revocation. Opening it lets them read the case, comment and attach files."""

    class Role(models.TextChoices):
        SALES = "sales", "Sales representative"
        WAREHOUSE = "warehouse", "Warehouse or logistics"
        BUYER = "buyer", "The customer's buyer"
        OTHER = "other", "Other"

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="links")
    email = models.EmailField()
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.OTHER)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    last_opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}> (link {self.pk})"

    @property
    def label(self) -> str:
        """How the audit trail and the case history name them."""
        return f"{self.name} <{self.email}> via link {self.pk}"


class Comment(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="comments")
    body = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    link = models.ForeignKey(StakeholderLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments")
    author_label = models.CharField(max_length=300)
    # Internal notes are for the AR team only; stakeholders' links never show them.
    internal = models.BooleanField(default=False)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"comment {self.pk} on dispute {self.dispute_id}"


class Attachment(models.Model):
    """A file kept under DATA_DIR/attachments/<case>/<stored_name>; the name on disk is ours,
    never the uploader's."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="attachments")
    stored_name = models.CharField(max_length=64, unique=True)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    link = models.ForeignKey(StakeholderLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments")
    author_label = models.CharField(max_length=300)
    internal = models.BooleanField(default=False)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.original_name


class Settlement(models.Model):
    """What a resolution did to one invoice of the case, with the ledger documents it issued."""

    class Kind(models.TextChoices):
        CREDIT_NOTE = "credit_note", "Credit note"
        WRITE_OFF = "write_off", "Write-off"
        CORRECTED = "corrected", "Corrected invoice"

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="settlements")
    invoice = models.ForeignKey("ledger.Invoice", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    amount = models.BigIntegerField(help_text="Credited or written off, minor units of the invoice's currency")
    credit_note = models.ForeignKey("ledger.Invoice", on_delete=models.PROTECT, related_name="+")
    replacement = models.ForeignKey("ledger.Invoice", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="settlement_amount_positive")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} on invoice {self.invoice_id}"


class WriteOffRequest(models.Model):
    """A write-off beyond its proposer's limit, waiting for a senior or manager."""

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting approval"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="write_off_requests")
    # [[invoice_id, amount], ...] in minor units of the case's currency.
    amounts = models.JSONField()
    total = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    note = models.TextField(blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="writeoffrequest_total_positive"),
            models.UniqueConstraint(fields=["dispute"], condition=Q(status="pending"), name="writeoffrequest_one_pending"),
        ]

    def __str__(self) -> str:
        return f"write-off {self.total} {self.currency} ({self.status})"
