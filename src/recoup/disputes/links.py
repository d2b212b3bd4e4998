"""Links for outside stakeholders: one case each, secret, expiring, revocable, every use audited.

The token is 32 random bytes, sent once by e-mail and never stored: the database keeps its
SHA-256, so a copy of the database opens nothing. The e-mailed address puts the token after
``#`` (``/shared/open#<token>``): browsers never send that part to the server, so it cannot
reach an access log or a Referer header; the page posts it once and the session remembers
which links were opened. Every later request checks the link again, so a revoked or expired
link stops working at once, and every view, comment, upload and download is audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction

from recoup.audit.services import record_event
from recoup.disputes.models import Dispute, StakeholderLink
from recoup.disputes.services import DisputeError, record, require_open, require_work

MAX_DAYS = 90


class LinkRefused(PermissionError):
    """A token that opens nothing: unknown, expired or revoked. The page says no more than that."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(
    *,
    actor: Any,
    case: Dispute,
    email: str,
    name: str,
    role: str,
    days: int,
    now: dt.datetime,
    open_url: str,
) -> tuple[StakeholderLink, str]:
    """Invite someone outside the team to ``case``; e-mails them ``open_url#token`` once the
    transaction commits. Returns the link and the token (shown once to the inviter)."""
    require_work(actor, case, "invite stakeholders")
    require_open(case)
    email = email.strip()
    name = name.strip() or email
    try:
        validate_email(email)
    except Exception:
        raise DisputeError(f"{email!r} is not an e-mail address") from None
    if role not in StakeholderLink.Role.values:
        raise DisputeError(f"unknown role {role!r}")
    if not 1 <= days <= MAX_DAYS:
        raise DisputeError(f"a link is valid for 1 to {MAX_DAYS} days, not {days}")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        link = StakeholderLink.objects.create(
            dispute=case,
            email=email,
            name=name[:200],
            role=role,
            token_hash=token_hash(token),
            created_by=actor if getattr(actor, "pk", None) else None,
            created_at=now,
            expires_at=now + dt.timedelta(days=days),
        )
        record(
            case,
            actor=actor,
            action="dispute.invite",
            now=now,
            after={
                "link_id": link.pk,
                "email": email,
                "name": link.name,
                "role": link.get_role_display(),
                "expires_at": link.expires_at.isoformat(),
            },
        )
        address = f"{open_url}#{token}"
        transaction.on_commit(lambda: _send_invitation(link, case, address), robust=True)
    return link, token


def _send_invitation(link: StakeholderLink, case: Dispute, address: str) -> None:
    company = settings.RECOUP_COMPANY_NAME
    body = (
        f"Hello {link.name},\n\n"
        f"{company}'s accounts receivable team asks for your help with a disputed invoice of "
        f"{case.customer.name} ({case.get_reason_display().lower()}).\n\n"
        f"You can read the case, add a comment and attach files (delivery notes, photos, PDFs) here:\n{address}\n\n"
        f"The link is for you only and works until {link.expires_at:%d %B %Y}. Do not forward it.\n"
    )
    send_mail(f"{company}: please help with a disputed invoice of {case.customer.name}", body, None, [link.email])


def revoke(*, actor: Any, link: StakeholderLink, now: dt.datetime) -> StakeholderLink:
    case = link.dispute
    require_work(actor, case, "withdraw links")
    with transaction.atomic():
        link = StakeholderLink.objects.select_for_update().get(pk=link.pk)
        if link.revoked_at is not None:
            return link
        link.revoked_at = now
        link.revoked_by = actor if getattr(actor, "pk", None) else None
        link.save(update_fields=["revoked_at", "revoked_by"])
        record(
            case,
            actor=actor,
            action="dispute.revoke",
            now=now,
            after={"link_id": link.pk, "email": link.email, "name": link.name},
        )
    return link


def _why_not(link: StakeholderLink, now: dt.datetime) -> str | None:
    if link.revoked_at is not None:
        return "withdrawn"
    if link.expires_at <= now:
        return "expired"
    return None


def open_by_token(token: str, *, now: dt.datetime) -> StakeholderLink:
    """The link a token belongs to, if it still works; audited either way when the link is known."""
    link = StakeholderLink.objects.select_related("dispute__customer").filter(token_hash=token_hash(token.strip())).first()
    if link is None:
        raise LinkRefused("unknown link")
    why = _why_not(link, now)
    with transaction.atomic():
        if why is None:
            link.last_opened_at = now
            link.save(update_fields=["last_opened_at"])
        record_access(
            link, action="dispute.link_refused" if why else "dispute.link_open", now=now, after={"why": why} if why else None
        )
    if why is not None:
        raise LinkRefused(why)
    return link


def still_valid(link_id: int, *, now: dt.datetime) -> StakeholderLink:
    """A link opened earlier in this session, checked again (revocation and expiry act at once)."""
    link = StakeholderLink.objects.select_related("dispute__customer").filter(pk=link_id).first()
    if link is None or _why_not(link, now) is not None:
        raise LinkRefused("not valid")
    return link


def record_access(link: StakeholderLink, *, action: str, now: dt.datetime, after: dict[str, Any] | None = None) -> None:
    """A stakeholder opened or read the case or downloaded a file: audited on the case. Reading
    changes nothing about the customer, so nobody is told "customer changed"."""
    record_event(
        actor=None, actor_label=link.label, action=action, obj=link.dispute, at=now, after={"link_id": link.pk, **(after or {})}
    )
