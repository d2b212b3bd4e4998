"""Personal API tokens: made, checked and revoked here; only a SHA-256 of each token is stored.

The auditing of who made or revoked a token happens above (recoup.web.tokens), since the audit
trail sits on a layer above accounts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from recoup.accounts.models import ApiToken, User

PREFIX = "rcp"
# last_used_at is written at most this often per token: a busy client must not turn every
# read into a write.
TOUCH_EVERY = dt.timedelta(minutes=1)


class TokenError(ValueError):
    """What is wrong with a request for a token, in words for the form or the command."""


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # the whole token, as the client sends it: shown once, never stored


def parse_scopes(text: str | Iterable[str]) -> list[str]:
    """ "read,write" → ["read", "write"]; write implies read. TokenError names an unknown scope."""
    items = [s.strip().lower() for s in (text.split(",") if isinstance(text, str) else text) if s.strip()]
    unknown = [s for s in items if s not in ApiToken.Scope.values]
    if unknown:
        raise TokenError(f"unknown scope {', '.join(unknown)}; scopes are {', '.join(ApiToken.Scope.values)}")
    if not items:
        raise TokenError("name at least one scope: read, or read,write")
    chosen = set(items) | {ApiToken.Scope.READ}
    return [s for s in ApiToken.Scope.values if s in chosen]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(*, user: User, scopes: Iterable[str], name: str = "", now: dt.datetime) -> IssuedToken:
    """A new token for ``user``; the returned ``secret`` is the only copy of it."""
    if not user.is_active:
        raise TokenError(f"{user.email} is not an active user")
    chosen = parse_scopes(list(scopes))
    with transaction.atomic():
        prefix = secrets.token_hex(4)
        while ApiToken.objects.filter(prefix=prefix).exists():
            prefix = secrets.token_hex(4)
        secret = f"{PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
        token = ApiToken.objects.create(
            user=user,
            name=name.strip()[:100],
            prefix=prefix,
            secret_hash=_digest(secret),
            scopes=",".join(chosen),
            created_at=now,
        )
    return IssuedToken(token=token, secret=secret)


def revoke(*, token: ApiToken, by: Any, now: dt.datetime) -> ApiToken:
    """Revoke ``token``; only its owner (or a manager) may. Revoking twice changes nothing."""
    if token.user_id != getattr(by, "pk", None) and not getattr(by, "is_manager", False):
        raise TokenError("only the token's owner revokes it")
    if token.revoked_at is None:
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
    return token


def tokens_of(user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def authenticate(secret: str, *, now: dt.datetime) -> ApiToken | None:
    """The active token ``secret`` is, with its active user; None for anything else."""
    parts = secret.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.secret_hash, _digest(secret.strip())):
        return None
    if token.revoked_at is not None or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
