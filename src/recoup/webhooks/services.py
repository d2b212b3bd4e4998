"""Webhooks: endpoints a manager sets up; deliveries made from the audit trail, signed, retried.

Decoupled from the apps whose events they report: promises, disputes and the ledger write their
audit events and say "customer changed" as they always do; the receiver here then queues
``collect``, which reads the new audit events (including those written in bulk) and makes one
delivery per endpoint and event. Nothing below imports this app.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import urllib.error
import urllib.request
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from recoup.accounts.permissions import require_manager
from recoup.audit.models import AuditEvent
from recoup.audit.services import record_event
from recoup.webhooks import rules
from recoup.webhooks.models import Delivery, Endpoint, ScanMark

# Audit ids are taken before their transactions commit, so a later id can commit first: each scan
# reads this far back again; the unique (endpoint, event) constraint drops what was already seen.
LOOKBACK = 1000
TIMEOUT_SECONDS = 10
# A retry a worker runs a little early (clocks, rounding) still counts as due.
EARLY = dt.timedelta(seconds=5)


class WebhookError(ValueError):
    """What is wrong with an endpoint, in words for the form."""


def create_endpoint(*, actor: Any, url: str, events: Iterable[str], now: dt.datetime) -> Endpoint:
    """A new endpoint with a fresh secret (shown on the page once, as ``endpoint.secret``)."""
    require_manager(actor, "set up webhooks")
    url = url.strip()
    if not url.startswith(("https://", "http://")) or len(url) > 500:
        raise WebhookError("The URL must start with https:// (or http:// on a private network)")
    chosen = [e for e in rules.EVENTS if e in set(events)]
    if not chosen:
        raise WebhookError(f"Choose at least one event: {', '.join(rules.EVENTS)}")
    with transaction.atomic():
        endpoint = Endpoint.objects.create(
            url=url, secret=f"whsec_{secrets.token_urlsafe(32)}", events=",".join(chosen), created_by=actor, created_at=now
        )
        record_event(actor=actor, action="webhook.create", obj=endpoint, after={"url": url, "events": chosen}, at=now)
    return endpoint


def disable_endpoint(*, actor: Any, endpoint: Endpoint, now: dt.datetime) -> Endpoint:
    require_manager(actor, "set up webhooks")
    with transaction.atomic():
        endpoint.is_active = False
        endpoint.save(update_fields=["is_active"])
        record_event(actor=actor, action="webhook.disable", obj=endpoint, after={"url": endpoint.url}, at=now)
    return endpoint


def _payload(event: str, audit: AuditEvent) -> str:
    after = audit.after
    if isinstance(after, str):  # rows written in bulk keep their JSON as text
        try:
            after = json.loads(after)
        except ValueError:
            after = {"text": after}
    return json.dumps(
        {
            "id": f"evt_{audit.pk}",
            "type": event,
            "created_at": audit.at.isoformat(),
            "data": {
                "object_type": audit.object_type,
                "object_id": audit.object_id,
                "object_ref": audit.object_ref,
                "actor": audit.actor_label,
                "details": after,
            },
        },
        separators=(",", ":"),
        sort_keys=True,
    )


def collect(*, now: dt.datetime) -> list[int]:
    """Deliveries for the audit events written since the last scan: the ids of new ones."""
    with transaction.atomic():
        mark, _ = ScanMark.objects.select_for_update().get_or_create(pk=1)
        endpoints = list(Endpoint.objects.filter(is_active=True))
        audits = AuditEvent.objects.filter(pk__gt=max(0, mark.last_audit_id - LOOKBACK), action__in=rules.WATCHED_ACTIONS)
        rows = []
        for audit in audits.order_by("pk"):
            event = rules.event_for(audit.action)
            for endpoint in endpoints:
                if event in endpoint.event_list and audit.at >= endpoint.created_at:
                    rows.append(
                        Delivery(
                            endpoint=endpoint, event=event, audit_event_id=audit.pk, body=_payload(event, audit), created_at=now
                        )
                    )
        seen = set(
            Delivery.objects.filter(audit_event_id__in={r.audit_event_id for r in rows}).values_list(
                "endpoint_id", "audit_event_id"
            )
        )
        fresh = [r for r in rows if (r.endpoint_id, r.audit_event_id) not in seen]
        Delivery.objects.bulk_create(fresh, ignore_conflicts=True)
        top = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        mark.last_audit_id = max(mark.last_audit_id, top)
        mark.save(update_fields=["last_audit_id"])
        # Every delivery never tried: these, and any a crash left before its first attempt.
        return list(Delivery.objects.filter(status=Delivery.Status.PENDING, attempts=0).values_list("pk", flat=True))


def _post(endpoint: Endpoint, delivery: Delivery, *, now: dt.datetime) -> tuple[int | None, str]:
    body = delivery.body.encode()
    stamp = int(now.timestamp())
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked when the endpoint is made
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "recoup-webhooks/1",
            "X-Recoup-Event": delivery.event,
            "X-Recoup-Delivery": str(delivery.pk),
            "X-Recoup-Timestamp": str(stamp),
            "X-Recoup-Signature": rules.signature(endpoint.secret, stamp, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return int(response.status), ""
    except urllib.error.HTTPError as exc:
        return int(exc.code), f"HTTP {exc.code} {exc.reason}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:300]


def attempt(delivery_id: int, *, now: dt.datetime) -> Delivery | None:
    """Send one delivery now; on failure it waits for its next attempt, or gives up after the last."""
    delivery = Delivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status in (Delivery.Status.DELIVERED, Delivery.Status.GAVE_UP):
        return delivery
    if delivery.next_attempt_at is not None and delivery.next_attempt_at > now + EARLY:
        return delivery  # not due yet: its own scheduled retry will send it
    code, error = _post(delivery.endpoint, delivery, now=now)
    delivery.attempts += 1
    delivery.response_code = code
    delivery.last_error = "" if rules.succeeded(code) else error or f"HTTP {code}"
    if rules.succeeded(code):
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = Delivery.Status.DELIVERED, now, None
    else:
        wait = rules.next_delay(delivery.attempts)
        delivery.status = Delivery.Status.RETRYING if wait else Delivery.Status.GAVE_UP
        delivery.next_attempt_at = now + wait if wait else None
    delivery.save(update_fields=["attempts", "response_code", "last_error", "status", "delivered_at", "next_attempt_at"])
    return delivery


def due_for_retry(*, now: dt.datetime) -> list[int]:
    return list(
        Delivery.objects.filter(status=Delivery.Status.RETRYING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:500]
    )
