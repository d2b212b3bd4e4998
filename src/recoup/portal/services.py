"""The customer's link: made, handed out, opened, checked on every request, withdrawn; every use audited.

``link_for(customer, now=...)`` is what every outgoing e-mail and statement calls: it returns the
customer's current link (or makes one), so one customer gets one address until it nears its
expiry. The address puts the token after ``#`` (``/portal/open#<token>``): browsers never send
that part, so it cannot reach an access log or a Referer header; the page posts it once and the
session remembers the link (the approach of the disputes app's stakeholder links). The
customer's actions themselves are in ``actions.py``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.crypto import salted_hmac

from recoup.audit.services import record_event
from recoup.ledger.models import Customer
from recoup.portal.models import PortalLink

_KEY_SALT = "recoup.portal.PortalLink"


class LinkRefused(PermissionError):
    """A token that opens nothing: unknown, expired or withdrawn. The page says no more than that."""


@dataclass(frozen=True)
class CustomerActor:
    """The customer acting through their link, as the services' ``actor``: no user (``pk`` None,
    so nothing is credited to a member of the team), named in the audit trail by the link."""

    link: PortalLink
    pk: None = None
    email: None = None

    def __str__(self) -> str:
        return self.link.label


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _token(salt: str) -> str:
    """The link's token: an HMAC of its salt under the server's secret key, 43 URL-safe characters."""
    digest = salted_hmac(_KEY_SALT, salt, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def link_days() -> int:
    return int(settings.RECOUP_PORTAL_LINK_DAYS)


def address(token: str, *, base_url: str | None = None) -> str:
    """The address to send: the public base URL, the opening page, the token after ``#``."""
    base = (base_url or settings.RECOUP_PUBLIC_URL).rstrip("/")
    return f"{base}{reverse('portal-open')}#{token}"


def _create(customer: Customer, *, actor: Any, now: dt.datetime, source: str) -> tuple[PortalLink, str]:
    salt = secrets.token_hex(16)
    token = _token(salt)
    link = PortalLink.objects.create(
        customer=customer,
        salt=salt,
        token_hash=token_hash(token),
        source=source,
        created_at=now,
        created_by=actor if getattr(actor, "pk", None) else None,
        expires_at=now + dt.timedelta(days=link_days()),
    )
    record_event(
        actor=actor,
        action="portal.link_create",
        obj=link,
        after={"customer": customer.customer_ref, "source": source, "expires_at": link.expires_at.isoformat()},
        at=now,
    )
    return link, token


def current_link(customer: Customer, *, now: dt.datetime) -> tuple[PortalLink, str] | None:
    """The customer's link still good for at least half its life, with its token; None if none.

    A link made under another secret key (the key was changed) cannot be made again: it still
    opens until it expires, but is not handed out any more.
    """
    keep_until = now + dt.timedelta(days=link_days() / 2)
    live = PortalLink.objects.filter(customer=customer, revoked_at__isnull=True, expires_at__gt=keep_until)
    for link in live.order_by("-expires_at", "-pk"):
        token = _token(link.salt)
        if secrets.compare_digest(token_hash(token), link.token_hash):
            return link, token
    return None


def link_for(
    customer: Customer,
    *,
    now: dt.datetime,
    actor: Any = None,
    source: str = PortalLink.Source.MESSAGE,
    base_url: str | None = None,
) -> str:
    """The address of ``customer``'s portal, for an e-mail, a letter or a statement (made when the
    customer has no link good for at least half its life). Call it inside the transaction that
    writes the message: a link made for a message that is rolled back is rolled back with it."""
    with transaction.atomic():
        found = current_link(customer, now=now)
        token = found[1] if found else _create(customer, actor=actor, now=now, source=source)[1]
    return address(token, base_url=base_url)


def copy_for_collector(customer: Customer, *, actor: Any, now: dt.datetime, base_url: str | None = None) -> str:
    """The link a collector copies during a call (made if needed); audited as handed out by them."""
    with transaction.atomic():
        found = current_link(customer, now=now)
        link, token = found if found else _create(customer, actor=actor, now=now, source=PortalLink.Source.COLLECTOR)
        record_event(actor=actor, action="portal.link_copy", obj=link, after={"customer": customer.customer_ref}, at=now)
    return address(token, base_url=base_url)


def revoke_links(customer: Customer, *, actor: Any, now: dt.datetime) -> int:
    """Withdraw every live link of ``customer`` at once; returns how many. A new link made
    afterwards (the next e-mail, a collector) is a new token."""
    with transaction.atomic():
        live = list(PortalLink.objects.select_for_update().filter(customer=customer, revoked_at__isnull=True, expires_at__gt=now))
        for link in live:
            link.revoked_at = now
            link.revoked_by = actor if getattr(actor, "pk", None) else None
            link.save(update_fields=["revoked_at", "revoked_by"])
            record_event(actor=actor, action="portal.link_revoke", obj=link, after={"customer": customer.customer_ref}, at=now)
    return len(live)


def why_not(link: PortalLink, now: dt.datetime) -> str | None:
    if link.revoked_at is not None:
        return "withdrawn"
    if link.expires_at <= now:
        return "expired"
    return None


def open_by_token(token: str, *, now: dt.datetime) -> PortalLink:
    """The link a token belongs to, if it still works; audited either way when the link is known."""
    link = PortalLink.objects.select_related("customer").filter(token_hash=token_hash(token.strip())).first()
    if link is None:
        raise LinkRefused("unknown link")
    why = why_not(link, now)
    with transaction.atomic():
        if why is None:
            link.last_used_at = now
            link.save(update_fields=["last_used_at"])
        record_use(link, action="refused" if why else "open", now=now, after={"why": why} if why else None)
    if why is not None:
        raise LinkRefused(why)
    return link


def still_valid(link_id: int, *, now: dt.datetime) -> PortalLink:
    """A link opened earlier in this session, checked again: withdrawal and expiry act at once."""
    link = PortalLink.objects.select_related("customer").filter(pk=link_id).first()
    if link is None or why_not(link, now) is not None:
        raise LinkRefused("not valid")
    return link


def record_use(link: PortalLink, *, action: str, now: dt.datetime, after: dict[str, Any] | None = None) -> None:
    """One use of the link (opened, page read, statement downloaded, an action sent): audited on
    the link. Reading changes nothing about the customer, so nobody is told "customer changed"."""
    record_event(
        actor=None,
        actor_label=link.label,
        action=f"portal.{action}",
        obj=link,
        after={"customer": link.customer.customer_ref, **(after or {})},
        at=now,
    )
