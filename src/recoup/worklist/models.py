"""Strategies (how to rank customers), today's worklist (the ranking, materialised) and follow-up tasks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Strategy(models.Model):
    """Valuation rules, exclusions, cadence and hours, edited by managers.

    ``definition`` holds the JSON that ``worklist.rules.parse_strategy`` validates; it is never
    saved without passing it (services.save_strategy).
    """

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    # Customer segments this strategy serves; customers in no listed segment get the default.
    segments = models.JSONField(default=list, blank=True)
    is_default = models.BooleanField(default=False)
    definition = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-is_default", "name"]
        verbose_name_plural = "strategies"
        constraints = [models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="strategy_one_default")]

    def __str__(self) -> str:
        return self.name + (" (default)" if self.is_default else "")


class EntryStatus(models.TextChoices):
    SCHEDULED = "scheduled", "On a collector's list"
    POOL = "pool", "In the shared pool"
    OVER_CAPACITY = "over_capacity", "Over the collector's capacity today"
    EXCLUDED = "excluded", "Excluded"
    NO_WINDOW = "no_window", "No call window today"
    NO_POINTS = "no_points", "No rule fired"


ON_LIST = (EntryStatus.SCHEDULED, EntryStatus.POOL)


class WorklistEntry(models.Model):
    """One customer's place in today's worklist, or why it has none.

    Every customer with open items has a row after a rebuild, so "why not" is a lookup.
    Money is in home-currency minor units.
    """

    customer = models.OneToOneField("ledger.Customer", on_delete=models.CASCADE, related_name="worklist_entry")
    built_at = models.DateTimeField()
    as_of = models.DateField()
    strategy = models.ForeignKey(Strategy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=16, choices=EntryStatus.choices)
    exclusion = models.CharField(max_length=32, blank=True)
    detail = models.CharField(max_length=300, blank=True, help_text="Why not on the list, in words")
    points = models.IntegerField(default=0)
    cash_at_risk = models.BigIntegerField(default=0)
    overdue_amount = models.BigIntegerField(default=0)
    open_amount = models.BigIntegerField(default=0)
    days_overdue = models.IntegerField(default=0)
    currency = models.CharField(max_length=3)
    reasons = models.JSONField(default=list, blank=True)
    objective = models.CharField(max_length=20, blank=True)
    objective_text = models.CharField(max_length=300, blank=True)
    collector = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    escalated = models.BooleanField(default=False)
    contact = models.ForeignKey("ledger.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    phone = models.CharField(max_length=20, blank=True)
    zone = models.CharField(max_length=64)
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    predicted_pay_date = models.DateField(null=True, blank=True)

    class Meta:
        # Priority order; the customer id keeps ties stable.
        ordering = ["-points", "-cash_at_risk", "customer_id"]
        verbose_name_plural = "worklist entries"
        indexes = [
            models.Index(fields=["collector", "status"]),
            models.Index(fields=["status"]),
            # "Built at" on every page view: the newest entry, read from the index's end.
            models.Index(fields=["built_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.status} {self.points} pts"


class Task(models.Model):
    """A follow-up to do for a user at a time (a call, a callback, a promise check, a review),
    with its source: the call that asked for it, the promise or dispute it follows."""

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
        # Named as when the table belonged to the calls app, so moving it renamed nothing else.
        indexes = [
            models.Index(fields=["user", "status", "due_at"], name="calls_task_user_id_0b4060_idx"),
            models.Index(fields=["customer", "status"], name="calls_task_custome_17f5ff_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.customer_id} at {self.due_at:%Y-%m-%d %H:%M}"
