"""Webhook endpoints a manager configures, and every delivery made to them (the delivery log)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Endpoint(models.Model):
    url = models.URLField(max_length=500)
    # The shared secret the receiver checks signatures with: kept as is, since signing needs it.
    secret = models.CharField(max_length=80)
    # Comma-separated event types (rules.EVENTS).
    events = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.url

    @property
    def event_list(self) -> list[str]:
        return [e for e in self.events.split(",") if e]


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        RETRYING = "retrying", "Failed, will retry"
        GAVE_UP = "gave_up", "Failed, gave up"

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    # The audit event it reports: one delivery per endpoint and event, however often it is seen.
    audit_event_id = models.BigIntegerField()
    # The exact body sent, so that every retry carries the same bytes (a fresh signature each time).
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["endpoint", "audit_event_id"], name="webhook_one_delivery_per_event")]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id} ({self.status})"


class ScanMark(models.Model):
    """How far the audit trail has been read for webhook events (one row)."""

    last_audit_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"audit read up to {self.last_audit_id}"
