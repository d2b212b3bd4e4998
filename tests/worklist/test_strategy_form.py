"""The strategy editor's markup: times as HH:MM, checkboxes before their labels, weekdays in a row."""

from __future__ import annotations

import re

import pytest

from recoup.accounts.models import Role, User
from recoup.worklist.models import Strategy

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(client) -> str:
    client.force_login(User.objects.create_user(email="max@example.com", password="a-long-password-1", role=Role.MANAGER))
    strategy = Strategy.objects.get(name="Amount-driven")
    return str(client.get(f"/worklist/strategies/{strategy.pk}/").content.decode())


def test_calling_hours_are_shown_as_hours_and_minutes(page: str) -> None:
    assert re.search(r'name="hours_start" value="09:00"', page)
    assert re.search(r'name="hours_end" value="17:00"', page)
    assert "09:00:00" not in page and "17:00:00" not in page


def test_each_checkbox_stands_before_its_own_label(page: str) -> None:
    for name in ("is_default", "ex_open_promise", "ex_all_disputed", "ex_do_not_call", "ex_on_hold"):
        assert re.search(
            rf'<div class="field check"><input type="checkbox" name="{name}"[^>]*id="id_{name}"[^>]*> <label for="id_{name}">',
            page,
        ), name


def test_weekdays_are_one_group_in_a_row(page: str) -> None:
    assert 'role="group" aria-labelledby="weekdays-label"' in page
    assert re.search(r'<div id="id_weekdays" class="weekdays">', page)
