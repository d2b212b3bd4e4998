"""The "API tokens" page: a user makes and revokes their own personal tokens (docs/api.md)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from recoup.accounts import tokens
from recoup.accounts.models import ApiToken
from recoup.web.tokens import create_token, revoke_token

NEW_TOKEN = "new_api_token"


@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    context: dict[str, Any] = {"nav": "api-tokens", "scopes": ApiToken.Scope.choices}
    status = 200
    if request.method == "POST":
        wanted = request.POST.getlist("scopes")
        try:
            issued = create_token(actor=user, user=user, scopes=wanted, name=request.POST.get("name", ""), now=timezone.now())
        except tokens.TokenError as exc:
            context["error"], status = str(exc), 422
        else:
            # Post/redirect/get, so that reloading the page makes no second token. The secret
            # crosses the redirect in the session and is taken out of it by the next page: shown once.
            request.session[NEW_TOKEN] = [issued.token.pk, issued.secret]
            return redirect("api-tokens")
    shown = request.session.pop(NEW_TOKEN, None)
    if shown:
        context["new_token"] = tokens.tokens_of(user).filter(pk=shown[0]).first()
        context["new_secret"] = shown[1] if context["new_token"] else None
    context["tokens"] = tokens.tokens_of(user)
    return render(request, "web/api_tokens.html", context, status=status)


@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    revoke_token(actor=request.user, token=token, now=timezone.now())
    messages.success(request, f"Token rcp_{token.prefix}… revoked: it no longer works.")
    return redirect("api-tokens")
