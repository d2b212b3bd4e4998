"""Bank statements, their lines and what became of each, and payer names learned by hand."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class BankStatement(models.Model):
    """One account's statement from one file. A statement imported again is found by its
    fingerprint (the account, the statement's id and every line's key) and changes nothing."""

    format = models.CharField(max_length=10)
    account = models.CharField(max_length=64)
    currency = models.CharField(max_length=3, blank=True)
    statement_id = models.CharField(max_length=100, blank=True)
    from_date = models.DateField(null=True, blank=True)
    to_date = models.DateField(null=True, blank=True)
    opening_balance = models.BigIntegerField(null=True, blank=True)
    closing_balance = models.BigIntegerField(null=True, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    file_sha256 = models.CharField(max_length=64)
    fingerprint = models.CharField(max_length=64, unique=True)
    line_count = models.PositiveIntegerField(default=0)
    controls = models.JSONField(default=dict, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    imported_at = models.DateTimeField()
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.format} {self.account} {self.from_date}–{self.to_date}"


class LineStatus(models.TextChoices):
    APPLIED = "applied", "Applied"
    SUGGESTED = "suggested", "Suggested"
    UNMATCHED = "unmatched", "Unmatched"
    IGNORED = "ignored", "Ignored"


class StatementLine(models.Model):
    """One movement on the account, as the bank reported it, and what recoup did with it."""

    statement = models.ForeignKey(BankStatement, on_delete=models.CASCADE, related_name="lines")
    seq = models.PositiveIntegerField()
    where = models.CharField(max_length=200, blank=True, help_text="Where in the file: line, record or element")
    # The same movement in two files (a camt.054 and then the day's camt.053) has the same key.
    line_key = models.CharField(max_length=64, unique=True)
    direction = models.CharField(max_length=6)
    amount = models.BigIntegerField(help_text="Minor units, positive")
    currency = models.CharField(max_length=3)
    booked_on = models.DateField()
    value_on = models.DateField(null=True, blank=True)
    bank_ref = models.CharField(max_length=100, blank=True)
    end_to_end_id = models.CharField(max_length=100, blank=True)
    payer_name = models.CharField(max_length=200, blank=True)
    payer_account = models.CharField(max_length=64, blank=True)
    remittance = models.TextField(blank=True)
    references = models.JSONField(default=list, blank=True)
    documents = models.JSONField(default=list, blank=True)
    bank_code = models.CharField(max_length=40, blank=True)
    is_return = models.BooleanField(default=False)

    status = models.CharField(max_length=10, choices=LineStatus.choices)
    customer = models.ForeignKey("ledger.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    confidence = models.FloatField(default=0)
    reason = models.CharField(max_length=300, blank=True)
    # Ranked ways to apply it: [{"customer_id", "allocations": [[invoice_id, minor]], "deductions",
    # "unapplied", "confidence", "reason"}]
    suggestions = models.JSONField(default=list, blank=True)
    # As applied: [[invoice_ref, minor]], and what was left on the customer's account.
    allocations = models.JSONField(default=list, blank=True)
    unapplied = models.BigIntegerField(default=0)
    payment_refs = models.JSONField(default=list, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["statement", "seq"]
        indexes = [models.Index(fields=["status", "booked_on"]), models.Index(fields=["customer", "status"])]

    def __str__(self) -> str:
        return f"{self.booked_on} {self.direction} {self.amount} {self.currency} {self.payer_name}"


class SuggestedCustomer(models.Model):
    """A customer one of a queued line's suggestions names: the call-prep sheet of that customer
    says "paid, not yet applied"."""

    line = models.ForeignKey(StatementLine, on_delete=models.CASCADE, related_name="suggested_customers")
    customer = models.ForeignKey("ledger.Customer", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["line", "customer"], name="suggested_customer_once")]
        indexes = [models.Index(fields=["customer"])]

    def __str__(self) -> str:
        return f"{self.line_id} → {self.customer_id}"


class PayerAlias(models.Model):
    """A payer's name as banks write it, learned when someone applied its payment by hand."""

    name_key = models.CharField(max_length=200, unique=True)
    customer = models.ForeignKey("ledger.Customer", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return self.name_key
