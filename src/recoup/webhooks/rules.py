"""Pure decisions for webhooks: which audit actions are which events, how a body is signed, and
how long to wait before the next attempt."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

# Event type → the audit actions (recoup.audit) that mean it.
EVENTS: dict[str, tuple[str, ...]] = {
    "promise.broken": ("promise.broken",),
    "payment.applied": ("allocate", "cash.receive"),
    "dispute.opened": ("dispute.open",),
    "dispute.resolved": ("dispute.resolve", "dispute.reject"),
}
BY_ACTION = {action: event for event, actions in EVENTS.items() for action in actions}
WATCHED_ACTIONS = tuple(BY_ACTION)

MAX_ATTEMPTS = 8
FIRST_DELAY = dt.timedelta(seconds=30)
LONGEST_DELAY = dt.timedelta(hours=6)
# A receiver should refuse a signature older than this (docs/api.md): a replayed request is old.
TOLERANCE_SECONDS = 300


def event_for(action: str) -> str | None:
    return BY_ACTION.get(action)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256 over ``<timestamp>.<body>``: the timestamp is signed too, so
    an old request cannot be sent again with a new time."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify(secret: str, timestamp: int, body: bytes, header: str, *, now: int) -> bool:
    """What a receiver does (and the tests): the signature matches and is recent."""
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), header)


def next_delay(attempts: int) -> dt.timedelta | None:
    """Wait before attempt ``attempts + 1``: 30 s, 1 min, 2 min … up to 6 h; None: give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return min(FIRST_DELAY * 2 ** max(0, attempts - 1), LONGEST_DELAY)


def succeeded(status: int | None) -> bool:
    return status is not None and 200 <= status < 300
