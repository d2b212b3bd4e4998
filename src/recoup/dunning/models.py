"""Follow-up sequences (dunning): the steps of a strategy, their message templates, the outbox,
what each invoice has had, and credit holds placed by a step.

Decisions live in ``rules.py`` (pure); runs and sending in ``services.py``. A step never fires
twice for the same invoice: ``Firing`` is unique per (invoice, step key), and a message is unique
per idempotency key (customer + step + items), written in the run's transaction and sent after
commit, so a crash between the two never loses or invents a message.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Channel(models.TextChoices):
    EMAIL = "email", "E-mail"
    LETTER = "letter", "Letter (PDF)"
    CALL_TASK = "call_task", "Call task"
    ESCALATE = "escalate", "Escalate to a senior"
    CREDIT_HOLD = "credit_hold", "Credit hold"


MESSAGE_CHANNELS = (Channel.EMAIL, Channel.LETTER)


class SequenceStep(models.Model):
    """One step of a strategy's sequence: at ``offset_days`` from the due date (negative = before
    it), do ``channel`` with ``template_key`` (e-mail and letter steps)."""

    strategy = models.ForeignKey("worklist.Strategy", on_delete=models.CASCADE, related_name="sequence_steps")
    # Stable name of the step; what an invoice has had is recorded against it, so renaming the
    # label or moving the offset never makes a step fire again.
    key = models.SlugField(max_length=40)
    label = models.CharField(max_length=100)
    offset_days = models.SmallIntegerField(help_text="Days from the due date; negative = before it")
    channel = models.CharField(max_length=12, choices=Channel.choices)
    template_key = models.SlugField(max_length=40, blank=True, help_text="MessageTemplate key (e-mail and letter steps)")
    # An early-payment discount offered in the message: x % (basis points) for payment in full within d days.
    discount_bp = models.PositiveIntegerField(null=True, blank=True, help_text="Discount in basis points (250 = 2.5 %)")
    discount_days = models.PositiveSmallIntegerField(null=True, blank=True)
    attach_statement = models.BooleanField(default=False)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["strategy", "offset_days", "id"]
        constraints = [models.UniqueConstraint(fields=["strategy", "key"], name="dunning_step_key_unique")]

    def __str__(self) -> str:
        return f"{self.label} ({self.offset_days:+d} days, {self.get_channel_display()})"


class MessageTemplate(models.Model):
    """Subject and body of an e-mail or letter, per language, in the playbook's fenced Jinja."""

    key = models.SlugField(max_length=40)
    language = models.CharField(max_length=8, default="en", help_text="ISO 639-1; English is the fallback")
    channel = models.CharField(max_length=12, choices=[(c.value, c.label) for c in MESSAGE_CHANNELS])
    name = models.CharField(max_length=100)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["key", "language"]
        constraints = [models.UniqueConstraint(fields=["key", "language"], name="dunning_template_key_language_unique")]

    def __str__(self) -> str:
        return f"{self.name} [{self.language}]"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    HELD = "held", "Kept in the outbox (no SMTP server configured)"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class Message(models.Model):
    """An outgoing e-mail or letter. Written in the run's transaction; sent after commit."""

    class Kind(models.TextChoices):
        FOLLOWUP = "followup", "Follow-up to a customer"
        REPORT = "report", "Report to a user"

    # Empty for an internal message (a report to a user, ``recipient``): no customer, no activity entry.
    customer = models.ForeignKey("ledger.Customer", null=True, blank=True, on_delete=models.PROTECT, related_name="messages")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.FOLLOWUP)
    # Files sent with an internal message: [{"name", "path" (under RECOUP_DATA_DIR), "mime"}].
    attachments = models.JSONField(default=list, blank=True)
    step = models.ForeignKey(SequenceStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages")
    step_key = models.SlugField(max_length=40, blank=True, help_text="Empty for a message sent by hand")
    channel = models.CharField(max_length=12, choices=[(c.value, c.label) for c in MESSAGE_CHANNELS])
    # sha256 of customer + step + sorted invoice ids: the same decision can never queue twice.
    idempotency_key = models.CharField(max_length=64, unique=True)
    # RFC 5322 Message-ID derived from the idempotency key: a resend after a crash carries the
    # same id, so the receiving side can recognise a duplicate.
    message_id = models.CharField(max_length=200, unique=True)
    to_name = models.CharField(max_length=300, blank=True)
    to_address = models.CharField(max_length=300, blank=True, help_text="E-mail address; empty for letters")
    language = models.CharField(max_length=8, default="en")
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    # Totals per currency in minor units, e.g. {"EUR": 123450}: one message may list items in several currencies.
    totals = models.JSONField(default=dict)
    status = models.CharField(max_length=8, choices=MessageStatus.choices, default=MessageStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, help_text="The mail server's answer to the last failed attempt")
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The sending worker's lease (recoup.dunning.delivery): a worker claims a queued message with
    # a conditional UPDATE, so two workers never send it at once, and a crashed worker's claim
    # runs out and the message is sent again (with the same Message-ID).
    claim = models.CharField(max_length=32, blank=True, default="")
    claimed_until = models.DateTimeField(null=True, blank=True)
    # A failure the server may get over (4xx, no connection) is tried again from this instant.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    server_reply = models.CharField(max_length=500, blank=True, default="", help_text="The mail server's answer")
    # The customer's activity-log entry for the message's outcome (sent, held, failed): written
    # after the status, and by the outbox sweep for any message whose entry a crash lost.
    activity = models.ForeignKey("activities.Activity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"]), models.Index(fields=["customer", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to {self.customer_id}: {self.subject}"


class MessageItem(models.Model):
    """An invoice listed in a message, with what was open when the message was written."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="items")
    invoice = models.ForeignKey("ledger.Invoice", on_delete=models.PROTECT, related_name="+")
    open_amount = models.BigIntegerField(help_text="Minor units, when the message was written")
    currency = models.CharField(max_length=3)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "invoice"], name="dunning_message_item_unique")]

    def __str__(self) -> str:
        return f"invoice {self.invoice_id} in message {self.message_id}"


class Firing(models.Model):
    """An invoice has had a step (a message, a call task, an escalation or a credit hold)."""

    invoice = models.ForeignKey("ledger.Invoice", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey("ledger.Customer", on_delete=models.CASCADE, related_name="+")
    step = models.ForeignKey(SequenceStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    step_key = models.SlugField(max_length=40)
    offset_days = models.SmallIntegerField(help_text="The step's offset when it fired")
    channel = models.CharField(max_length=12, choices=Channel.choices)
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="firings")
    fired_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["invoice", "step_key"], name="dunning_firing_once_per_step")]
        indexes = [models.Index(fields=["customer", "fired_at"])]

    def __str__(self) -> str:
        return f"{self.step_key} for invoice {self.invoice_id}"


class CreditHold(models.Model):
    """A customer put on hold by a step; lifted when the overdue items are paid or by a manager."""

    customer = models.ForeignKey("ledger.Customer", on_delete=models.CASCADE, related_name="credit_holds")
    step_key = models.SlugField(max_length=40)
    placed_at = models.DateTimeField()
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    lift_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-placed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=models.Q(lifted_at__isnull=True), name="dunning_one_active_hold"
            )
        ]

    def __str__(self) -> str:
        return f"hold on {self.customer_id} from {self.placed_at:%Y-%m-%d}"
