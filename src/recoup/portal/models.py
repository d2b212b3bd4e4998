"""The customer's self-service link: one customer, secret, expiring, revocable.

The token itself is never stored. It is derived from the server's secret key and the link's
random salt (an HMAC, so only this server can make it), and the database keeps its SHA-256
for the lookup: a copy of the database opens nothing and cannot re-make a token. Deriving it
lets the same link go out in every e-mail and statement until it nears its expiry, and lets a
collector copy it from the call-prep sheet, without a second secret to keep.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class PortalLink(models.Model):
    class Source(models.TextChoices):
        COLLECTOR = "collector", "Made by a collector"
        MESSAGE = "message", "For an outgoing message"
        STATEMENT = "statement", "For a statement of account"

    customer = models.ForeignKey("ledger.Customer", on_delete=models.CASCADE, related_name="portal_links")
    salt = models.CharField(max_length=32)
    token_hash = models.CharField(max_length=64, unique=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.COLLECTOR)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "expires_at"], condition=Q(revoked_at__isnull=True), name="portal_link_live_idx")
        ]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")), name="portal_link_expires_after_made")
        ]

    def __str__(self) -> str:
        return f"customer link {self.pk} of {self.customer_id}"

    @property
    def label(self) -> str:
        """How the audit trail and the activity log name whoever used it."""
        return f"{self.customer.name} via customer link {self.pk}"
