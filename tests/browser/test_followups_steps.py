"""A manager opens a strategy's follow-up sequence from the strategy editor, sees every problem of
an edit named, saves it; and lifts a customer's credit hold from the customer page."""

from __future__ import annotations

import importlib
import os
import re
from pathlib import Path

import pytest
from django.utils import timezone

from recoup.accounts.models import Role, User
from recoup.dunning.models import CreditHold, SequenceStep
from recoup.ledger.models import Customer
from recoup.worklist import services as worklist
from recoup.worklist.strategy import strategy_to_data
from tests.dunning.ledger_builders import ensure_templates

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "browser-test-password-2"
SAMPLE = importlib.import_module("recoup.dunning.migrations.0002_default_sequence").DEFAULT_SEQUENCE


@pytest.fixture
def strategy():  # type: ignore[no-untyped-def]
    now = timezone.now()
    User.objects.create_user(email="mona@demo.example", password=PASSWORD, role=Role.MANAGER)
    made = worklist.save_strategy(
        actor=None, name="Standard", definition=strategy_to_data(worklist.BUILT_IN), segments=[], is_default=True, now=now
    )
    for key, label, offset, channel, template in SAMPLE:
        SequenceStep.objects.create(
            strategy=made, key=key, label=label, offset_days=offset, channel=channel, template_key=template
        )
    ensure_templates()
    return made


def _login(page, live_server) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill("mona@demo.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()


def test_a_manager_edits_the_sequence_and_sees_each_problem(page, live_server, strategy, tmp_path) -> None:  # type: ignore[no-untyped-def]
    shots = DOCS_SCREENSHOTS if os.environ.get("RECOUP_WRITE_SCREENSHOTS") else tmp_path
    _login(page, live_server)
    page.goto(f"{live_server.url}/worklist/strategies/{strategy.pk}/")
    page.get_by_role("link", name=re.compile("Follow-up sequence")).click()
    assert page.get_by_label("Step 7 key").input_value() == "credit-hold"

    page.get_by_label("Step 2 offset in days").fill("ten")
    page.get_by_label("Step 3 key").fill("friendly-reminder")
    page.get_by_role("button", name="Save sequence").click()
    alert = page.get_by_role("alert").inner_text()
    assert "step 2, offset: 'ten' is not a whole number of days" in alert
    assert "step 3, key: 'friendly-reminder' is already used by step 1" in alert
    page.screenshot(path=str(shots / "followup-steps.png"), full_page=True)
    assert SequenceStep.objects.get(strategy=strategy, key="overdue-notice").offset_days == 1

    page.get_by_label("Step 2 offset in days").fill("2")
    page.get_by_label("Step 3 key").fill("call")
    page.get_by_role("button", name="Save sequence").click()
    assert "saved: 7 steps" in page.locator("main").inner_text()
    assert SequenceStep.objects.get(strategy=strategy, key="overdue-notice").offset_days == 2


def test_a_manager_lifts_a_credit_hold(page, live_server, strategy) -> None:  # type: ignore[no-untyped-def]
    held = Customer.objects.create(customer_ref="HOLD-1", name="Held Ltd", currency="USD")
    CreditHold.objects.create(customer=held, step_key="credit-hold", placed_at=timezone.now())
    _login(page, live_server)
    page.goto(f"{live_server.url}/customers/{held.pk}/")
    assert "On hold (credit hold)" in page.locator("h1").inner_text()
    page.get_by_role("button", name="Lift the credit hold").click()
    assert "Credit hold on Held Ltd lifted." in page.locator("main").inner_text() or "lifted" in page.content()
    assert "On hold (credit hold)" not in page.locator("h1").inner_text()
