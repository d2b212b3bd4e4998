"""Personal API tokens made and revoked with an audit event (the page and `recoup token`).

recoup.accounts.tokens does the work; it sits below the audit trail, so the trail is written here,
in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from recoup.accounts import tokens
from recoup.accounts.models import ApiToken, User
from recoup.audit.services import record_event


def create_token(*, actor: Any, user: User, scopes: Iterable[str], name: str, now: dt.datetime) -> tokens.IssuedToken:
    with transaction.atomic():
        issued = tokens.issue(user=user, scopes=scopes, name=name, now=now)
        record_event(
            actor=actor,
            action="api_token.create",
            obj=issued.token,
            after={"user": user.email, "scopes": issued.token.scopes, "name": issued.token.name},
            at=now,
        )
    return issued


def revoke_token(*, actor: Any, token: ApiToken, now: dt.datetime) -> ApiToken:
    with transaction.atomic():
        already = token.revoked_at is not None
        tokens.revoke(token=token, by=actor, now=now)
        if not already:
            record_event(actor=actor, action="api_token.revoke", obj=token, after={"user": token.user.email}, at=now)
    return token
