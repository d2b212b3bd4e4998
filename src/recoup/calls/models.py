"""Follow-up tasks and calendar-feed tokens: what a collector must do next, and when."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models


class Task(models.Model):
    class Kind(models.TextChoices):
        CALL = "call", "Call"
        CALLBACK = "callback", "Callback"
        PROMISE_CHECK = "promise_check", "Check promised payment"
        DISPUTE_SLA = "dispute_sla", "Dispute due"
        REVIEW = "review", "Review"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tasks")
    customer = models.ForeignKey("ledger.Customer", on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    due_at = models.DateTimeField(help_text="UTC; shown in the customer's local time")
    zone = models.CharField(max_length=64, help_text="The customer's zone when the task was made")
    title = models.CharField(max_length=300)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    activity = models.ForeignKey("activities.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    promise = models.ForeignKey("promises.Promise", null=True, blank=True, on_delete=models.CASCADE, related_name="tasks")
    dispute = models.ForeignKey("disputes.Dispute", null=True, blank=True, on_delete=models.CASCADE, related_name="tasks")

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["user", "status", "due_at"]), models.Index(fields=["customer", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.customer_id} at {self.due_at:%Y-%m-%d %H:%M}"


class FeedToken(models.Model):
    """The secret in a user's iCalendar feed URL (calendar apps cannot log in)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_token")
    token = models.CharField(max_length=64, unique=True, default=secrets.token_urlsafe)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"feed token of {self.user_id}"
