"""The outbox: what the follow-ups queue, held, sent or failed, and what a manager does with it.

Messages are written by the run (recoup.dunning.services) in its transaction; this module hands
them to the sending worker after that transaction commits, and lets a manager send one again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet

from recoup.accounts.permissions import require_manager
from recoup.activities import tone
from recoup.audit.services import record_event
from recoup.dunning import delivery, sending
from recoup.dunning.models import Message, MessageStatus
from recoup.ledger.events import customers_changed


class OutboxError(ValueError):
    pass


def idempotency_key(customer_id: int, step_key: str, invoice_ids: Sequence[int]) -> str:
    """sha256 of customer + step + sorted invoices: the same decision never queues twice."""
    text = f"{customer_id}|{step_key}|{','.join(str(i) for i in sorted(set(invoice_ids)))}"
    return hashlib.sha256(text.encode()).hexdigest()


def message_id_for(key: str) -> str:
    """The RFC 5322 Message-ID of the message with idempotency ``key``: stable across resends."""
    host = urlsplit(str(getattr(settings, "RECOUP_PUBLIC_URL", ""))).hostname or "recoup.invalid"
    if host.replace(".", "").isdigit() or host == "localhost":
        host = "recoup.invalid"
    return f"<{key[:40]}.followup@{host}>"


def send_after_commit(message_ids: Sequence[int]) -> None:
    """Hand these messages to the sending worker once the current transaction commits (at once
    outside one). A crash between the commit and this hand-over loses nothing: the outbox
    sweep sends every queued message."""
    ids = [int(i) for i in message_ids]
    if ids:
        transaction.on_commit(lambda: sending.send_messages(ids))


def queue_internal(
    *,
    user: Any,
    subject: str,
    body_text: str,
    body_html: str = "",
    attachments: Sequence[tuple[str, Path, str]] = (),
    key: str,
    now: dt.datetime,
) -> Message:
    """An internal message to ``user`` (a report), sent after commit like the follow-ups.

    Idempotent by ``key``: the same key queues one message, whatever the number of calls.
    Attachments are files under RECOUP_DATA_DIR as (name, path, MIME type); they are read when
    the message is sent. No activity-log entry: no customer is contacted.
    """
    if not getattr(user, "email", ""):
        raise OutboxError(f"{user} has no e-mail address.")
    data_dir = Path(settings.DATA_DIR).resolve()
    files = []
    for name, path, mime in attachments:
        resolved = Path(path).resolve()
        if not resolved.is_relative_to(data_dir):
            raise OutboxError(f"Attachment {name}: {path} is not under RECOUP_DATA_DIR.")
        files.append({"name": name, "path": str(resolved.relative_to(data_dir)), "mime": mime})
    idempotency = hashlib.sha256(f"internal|{key}".encode()).hexdigest()
    with transaction.atomic():
        message, created = Message.objects.get_or_create(
            idempotency_key=idempotency,
            defaults={
                "kind": Message.Kind.REPORT,
                "recipient": user,
                "channel": "email",
                "message_id": message_id_for(idempotency),
                "to_name": str(user)[:300],
                "to_address": user.email,
                "subject": subject[:300],
                "body_text": body_text,
                "body_html": body_html,
                "attachments": files,
                "status": MessageStatus.QUEUED,
                "created_at": now,
            },
        )
        if created:
            send_after_commit([message.pk])
    return message


def resend(message: Message, *, actor: Any, now: dt.datetime) -> Message:
    """Queue ``message`` again (held, failed or sent), with the same Message-ID; a manager's action."""
    require_manager(actor, "send a message again")
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        if locked.status == MessageStatus.QUEUED and locked.claimed_until is not None and locked.claimed_until > now:
            raise OutboxError("The message is being sent right now.")
        if locked.status == MessageStatus.QUEUED and locked.next_attempt_at is None:
            raise OutboxError("The message is already waiting to be sent.")
        before = {"status": locked.status, "attempts": locked.attempts, "server_reply": locked.server_reply}
        Message.objects.filter(pk=locked.pk).update(
            status=MessageStatus.QUEUED, attempts=0, next_attempt_at=None, claim="", claimed_until=None, activity=None
        )
        record_event(actor=actor, action="message.resend", obj=locked, before=before, after={"status": "queued"}, at=now)
        if locked.customer_id is not None:
            customers_changed([locked.customer_id], kind="message")
        send_after_commit([locked.pk])
    locked.refresh_from_db()
    return locked


# --- the outbox page -----------------------------------------------------------------------------


def listing(*, status: str | None = None, query: str = "") -> QuerySet[Message]:
    """Messages newest first, optionally of one status or matching a customer, address or subject."""
    found = Message.objects.select_related("customer", "recipient").order_by("-created_at", "-pk")
    if status:
        found = found.filter(status=status)
    if query:
        found = found.filter(
            Q(customer__name__icontains=query)
            | Q(recipient__email__icontains=query)
            | Q(customer__customer_ref__iexact=query)
            | Q(to_address__icontains=query)
            | Q(subject__icontains=query)
        )
    return found


def status_counts() -> dict[str, int]:
    counts = dict(Message.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    return {value: counts.get(value, 0) for value in MessageStatus.values}


def smtp_configured() -> bool:
    return delivery.smtp_server() is not None


def can_resend(message: Message, *, now: dt.datetime) -> bool:
    if message.status != MessageStatus.QUEUED:
        return True
    return message.next_attempt_at is not None and not (message.claimed_until and message.claimed_until > now)


def tone_flags(message: Message) -> list[tone.ToneFlag]:
    """The tone check of what the customer reads (before a manager sends it again)."""
    return list(tone.check(f"{message.subject}\n{message.body_text}"))
