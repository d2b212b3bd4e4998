"""The 15-minute job runs the follow-ups (the worker's periodic task)."""

from __future__ import annotations

from typing import Any

import pytest

from recoup.dunning import tasks
from recoup.dunning.models import Message

from .ledger_builders import AT, eight_customers

pytestmark = pytest.mark.django_db


def test_the_periodic_job_runs_the_follow_ups_every_15_minutes(monkeypatch: Any) -> None:
    eight_customers()
    monkeypatch.setattr(tasks.timezone, "now", lambda: AT)
    job = tasks.followups_task.task_class()
    assert job.validate_datetime(AT.replace(minute=45, tzinfo=None)) and not job.validate_datetime(
        AT.replace(minute=50, tzinfo=None)
    )
    result = tasks.followups_task.call_local()
    assert result["messages"] == Message.objects.count() == 5
