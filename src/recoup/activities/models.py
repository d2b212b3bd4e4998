"""Every contact with a customer: calls, e-mails, letters, notes, and what came of them."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Channel(models.TextChoices):
    CALL = "call", "Call"
    EMAIL = "email", "E-mail"
    LETTER = "letter", "Letter"
    SMS = "sms", "SMS"
    NOTE = "note", "Note"
    PORTAL = "portal", "Portal"


class Outcome(models.TextChoices):
    NO_ANSWER = "no_answer", "No answer"
    VOICEMAIL = "voicemail", "Left voicemail"
    WRONG_CONTACT = "wrong_contact", "Wrong contact"
    PROMISE_TO_PAY = "promise_to_pay", "Promise to pay"
    DISPUTE = "dispute", "Dispute"
    CALLBACK = "callback", "Callback requested"
    ALREADY_PAID = "already_paid", "Already paid"
    REFUSED = "refused", "Refused to pay"
    CONVERSATION = "conversation", "Spoke, no commitment"
    SENT = "sent", "Sent"
    NONE = "", "No outcome"


# Outcomes where someone at the customer was reached: they reset "no successful contact for
# D days" and, on a call, count as a telephone conversation for the consumer rules.
REACHED = frozenset(
    {
        Outcome.PROMISE_TO_PAY,
        Outcome.DISPUTE,
        Outcome.CALLBACK,
        Outcome.ALREADY_PAID,
        Outcome.REFUSED,
        Outcome.CONVERSATION,
    }
)


class Activity(models.Model):
    class Direction(models.TextChoices):
        OUTBOUND = "out", "Outbound"
        INBOUND = "in", "Inbound"

    customer = models.ForeignKey("ledger.Customer", on_delete=models.CASCADE, related_name="activities", db_index=False)
    contact = models.ForeignKey("ledger.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.CALL)
    direction = models.CharField(max_length=3, choices=Direction.choices, default=Direction.OUTBOUND)
    at = models.DateTimeField()
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True, default="")
    objective = models.CharField(max_length=40, blank=True)
    notes = models.TextField(blank=True)
    customer_feedback = models.TextField(blank=True)
    sentiment = models.CharField(max_length=10, blank=True, help_text="positive, neutral or negative")
    tone_flags = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "activities"
        indexes = [models.Index(fields=["customer", "at"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.at:%Y-%m-%d %H:%M} {self.get_outcome_display()}"

    @property
    def reached(self) -> bool:
        return self.outcome in REACHED
