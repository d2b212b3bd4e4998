"""A manager edits a strategy's follow-up sequence (every problem named) and lifts a credit hold;
the hold shows wherever the customer is shown."""

from __future__ import annotations

from typing import Any

import pytest

from recoup.accounts.models import Role, User
from recoup.dunning.models import CreditHold, SequenceStep
from recoup.worklist.models import Strategy

from .ledger_builders import AT, customer, ensure_templates, invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager() -> User:
    return User.objects.create_user(email="mia@example.com", password="x" * 12, role=Role.MANAGER)


def _form(rows: list[dict[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {"rows": str(len(rows))}
    for i, row in enumerate(rows):
        for name, value in row.items():
            data[f"step-{i}-{name}"] = value
    return data


def test_the_default_strategy_ships_the_sample_sequence() -> None:
    strategy = Strategy.objects.get(is_default=True)
    steps = [
        (s.offset_days, s.channel, s.template_key)
        for s in SequenceStep.objects.filter(strategy=strategy).order_by("offset_days", "id")
    ]
    assert steps == [
        (-3, "email", "friendly-reminder"),
        (1, "email", "overdue-notice"),
        (7, "call_task", ""),
        (14, "email", "second-notice"),
        (30, "letter", "final-notice"),
        (30, "escalate", ""),
        (45, "credit_hold", ""),
    ]


def test_a_manager_edits_steps_and_sees_every_problem_named(client: Any, manager: User) -> None:
    ensure_templates()
    strategy = Strategy.objects.get(is_default=True)
    client.force_login(manager)
    page = client.get(f"/followups/strategies/{strategy.pk}/steps/")
    assert page.status_code == 200 and "friendly-reminder" in page.content.decode()
    assert f"/followups/strategies/{strategy.pk}/steps/" in client.get(f"/worklist/strategies/{strategy.pk}/").content.decode()

    bad = _form(
        [
            {
                "key": "overdue-notice",
                "label": "Overdue",
                "offset_days": "2",
                "channel": "email",
                "template_key": "overdue-notice",
                "active": "on",
            },
            {"key": "late", "label": "", "offset_days": "ten", "channel": "email", "template_key": "missing", "active": "on"},
        ]
    )
    answer = client.post(f"/followups/strategies/{strategy.pk}/steps/", bad)
    text = answer.content.decode()
    assert answer.status_code == 400
    assert (
        "step 2, label" in text
        and "&#x27;ten&#x27; is not a whole number of days" in text
        and "no template &#x27;missing&#x27;" in text
    )
    assert SequenceStep.objects.filter(strategy=strategy).count() == 7  # nothing half-written

    good = _form(
        [
            {
                "key": "overdue-notice",
                "label": "Overdue notice",
                "offset_days": "2",
                "channel": "email",
                "template_key": "overdue-notice",
                "active": "on",
            },
            {"key": "call", "label": "Call", "offset_days": "10", "channel": "call_task", "active": "on"},
        ]
    )
    assert client.post(f"/followups/strategies/{strategy.pk}/steps/", good).status_code == 302
    assert [(s.key, s.offset_days) for s in SequenceStep.objects.filter(strategy=strategy).order_by("offset_days")] == [
        ("overdue-notice", 2),
        ("call", 10),
    ]


def test_a_collector_may_not_edit_steps(client: Any) -> None:
    collector = User.objects.create_user(email="col@example.com", password="x" * 12, role=Role.COLLECTOR)
    client.force_login(collector)
    strategy = Strategy.objects.get(is_default=True)
    assert client.get(f"/followups/strategies/{strategy.pk}/steps/").status_code == 403


def test_a_credit_hold_shows_on_the_customer_pages_and_a_manager_lifts_it(client: Any, manager: User) -> None:
    held = customer("HELD-1")
    invoice(held, "HELD-INV", days_overdue=50)
    CreditHold.objects.create(customer=held, step_key="credit-hold", placed_at=AT)
    client.force_login(manager)
    assert "On hold (credit hold)" in client.get(f"/customers/{held.pk}/").content.decode()
    assert "On hold (credit hold)" in client.get("/customers/").content.decode()
    assert "On hold (credit hold)" in client.get("/reports/aging/?by=customer").content.decode()
    assert client.post(f"/followups/customers/{held.pk}/lift-hold/").status_code == 302
    hold = CreditHold.objects.get(customer=held)
    assert hold.lifted_at is not None and hold.lifted_by == manager
    assert "On hold (credit hold)" not in client.get(f"/customers/{held.pk}/").content.decode()
