"""Personal API tokens: shown once, stored hashed, revocable, scoped, made on a page and by a command."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.management import call_command
from django.test import Client

from recoup.accounts.models import ApiToken
from recoup.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_the_token_is_shown_once_on_the_page_and_only_its_hash_is_kept(team) -> None:
    client = Client()
    client.force_login(team["collector"])
    page = client.post("/account/api-tokens/", {"name": "ERP sync", "scopes": ["read", "write"]}, follow=True).content.decode()
    token = ApiToken.objects.get(user=team["collector"])
    secret = page.split('<code class="token-secret">')[1].split("</code>")[0]
    assert secret.startswith(f"rcp_{token.prefix}_") and token.scope_list == ["read", "write"]
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = " ".join(str(v) for v in ApiToken.objects.values_list().get())
    assert secret not in stored and secret.split("_", 2)[2] not in stored
    again = client.get("/account/api-tokens/").content.decode()
    assert secret not in again and f"rcp_{token.prefix}_" in again and "ERP sync" in again
    assert AuditEvent.objects.filter(action="api_token.create", object_id=token.pk).exists()


def test_the_token_calls_the_api_as_its_owner_and_records_its_use(team, books, token_for) -> None:
    secret = token_for(team["collector"], "read")
    response = Client().get("/api/customers", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    assert ApiToken.objects.get().last_used_at is not None


def test_a_revoked_or_unknown_token_is_refused_with_401(team, books, token_for) -> None:
    client = Client()
    client.force_login(team["collector"])
    secret = token_for(team["collector"], "read")
    token = ApiToken.objects.get()
    client.post(f"/account/api-tokens/{token.pk}/revoke/")
    assert ApiToken.objects.get().revoked_at is not None
    assert Client().get("/api/customers", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
    assert Client().get("/api/customers", HTTP_AUTHORIZATION="Bearer rcp_00000000_nothing").status_code == 401
    assert Client().get("/api/customers").status_code == 401


def test_nobody_revokes_another_users_token(team, token_for) -> None:
    token_for(team["other"], "read")
    client = Client()
    client.force_login(team["collector"])
    token = ApiToken.objects.get()
    assert client.post(f"/account/api-tokens/{token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get().revoked_at is None


def test_the_command_prints_the_token_once_and_refuses_unknown_scopes(team) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("token", "create", "senior@example.com", "--scopes", "read,write", stdout=out, stderr=err)
    secret = out.getvalue().strip()
    assert secret.startswith("rcp_") and "shown once" in err.getvalue()
    assert ApiToken.objects.get().scope_list == ["read", "write"]
    response = Client().get("/api/customers", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    with pytest.raises(Exception, match="unknown scope admin"):
        call_command("token", "create", "senior@example.com", "--scopes", "admin", stdout=out)
    listing = io.StringIO()
    call_command("token", "list", "senior@example.com", stdout=listing)
    assert secret not in listing.getvalue() and "read,write" in listing.getvalue()
