"""API tokens and webhooks in the browser: a collector makes a token from the user menu, sees it
once, a script uses it, the collector revokes it; a manager adds a webhook endpoint."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from recoup.accounts.models import Role, User
from recoup.ledger.models import Customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "browser-test-password-7"


def _login(page, url: str, email: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()


def test_a_token_is_made_shown_once_used_and_revoked(page, live_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    shots = DOCS_SCREENSHOTS if os.environ.get("RECOUP_WRITE_SCREENSHOTS") else tmp_path
    collector = User.objects.create_user(email="cleo@demo.example", password=PASSWORD, first_name="Cleo", role=Role.COLLECTOR)
    Customer.objects.create(customer_ref="MINE", name="Mine GmbH", currency="EUR", collector=collector)
    _login(page, live_server.url, "cleo@demo.example")
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("ERP sync")
    page.get_by_label("Write").check()
    page.get_by_role("button", name="Create token").click()
    secret = page.locator(".token-secret").inner_text().strip()
    assert secret.startswith("rcp_") and "shown only once" in page.locator("#new-token").inner_text()
    page.screenshot(path=str(shots / "api-tokens.png"), full_page=True)

    api = page.context.request
    answer = api.get(f"{live_server.url}/api/customers", headers={"Authorization": f"Bearer {secret}"})
    assert answer.status == 200 and [c["customer_ref"] for c in answer.json()["items"]] == ["MINE"]

    page.goto(f"{live_server.url}/account/api-tokens/")
    page.reload()  # a reload makes no second token
    assert secret not in page.content() and page.get_by_role("button", name="Revoke").count() == 1
    page.get_by_role("button", name="Revoke").click()
    assert "revoked" in page.locator(".messages").inner_text()
    again = api.get(f"{live_server.url}/api/customers", headers={"Authorization": f"Bearer {secret}"})
    assert again.status == 401


def test_a_manager_adds_a_webhook_endpoint(page, live_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    shots = DOCS_SCREENSHOTS if os.environ.get("RECOUP_WRITE_SCREENSHOTS") else tmp_path
    User.objects.create_user(email="mona@demo.example", password=PASSWORD, first_name="Mona", role=Role.MANAGER)
    _login(page, live_server.url, "mona@demo.example")
    page.get_by_role("link", name="API tokens").click()
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_label("URL").fill("https://erp.example.com/recoup-events")
    page.get_by_role("button", name="Add endpoint").click()
    assert "whsec_" in page.locator("#new-secret").inner_text()
    assert "https://erp.example.com/recoup-events" in page.locator("table").first.inner_text()
    page.screenshot(path=str(shots / "webhooks.png"), full_page=True)
