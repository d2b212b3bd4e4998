"""How the JSON API knows who calls: the browser's session, or a personal token sent as
``Authorization: Bearer rcp_…``. A token acts as its owner, with the owner's role; its scopes
only narrow that (a read token cannot write)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer, django_auth

from recoup.accounts import tokens
from recoup.accounts.models import ApiToken


class TokenAuth(HttpBearer):
    """A bearer token; ``scope`` is what the endpoint needs (``write`` on every write)."""

    def __init__(self, scope: str = ApiToken.Scope.READ) -> None:
        self.scope = scope
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = tokens.authenticate(token, now=timezone.now())
        if found is None:
            # A token was sent and is wrong, revoked or its owner gone: say so, do not fall back
            # to the session (which would hide the mistake from a script's author).
            raise HttpError(401, "The API token is unknown or revoked")
        if self.scope not in found.scope_list:
            raise HttpError(403, f"This token has no {self.scope} scope")
        request.user = found.user
        request.api_token = found  # type: ignore[attr-defined]
        return found.user


# The bearer first: ninja's session check refuses a POST without a CSRF token before any
# other method is tried, and a script sends no CSRF token.
READ = [TokenAuth(ApiToken.Scope.READ), django_auth]
WRITE = [TokenAuth(ApiToken.Scope.WRITE), django_auth]


class Error(Schema):
    """What went wrong, in words: ``detail`` is a sentence, or the list of invalid fields (422)."""

    detail: str | list[dict[str, Any]]


def responses(ok: Any, *codes: int, status: int = 200) -> dict[int, Any]:
    """The documented responses of an endpoint: ``ok`` and the errors every endpoint can give
    (401 no or bad credentials, 403 not allowed, 422 invalid input) plus ``codes`` (400 a body that
    is no JSON, 404 …)."""
    return {status: ok, **dict.fromkeys(sorted({401, 403, 422, *codes}), Error)}
