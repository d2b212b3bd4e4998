"""Jobs survive a busy database: transient errors are retried with backoff, bugs fail at once,
and every attempt leaves a record that `recoup jobs` and the jobs page show."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import OperationalError
from huey.contrib.djhuey import HUEY

from recoup.jobs.durable import DEFAULT_RETRIES, durable_task, is_transient
from recoup.jobs.models import JobRun, JobStatus

pytestmark = pytest.mark.django_db

calls: list[str] = []
script: list[BaseException | None] = []


@durable_task()
def flaky_job(label: str) -> str:
    calls.append(label)
    outcome = script.pop(0) if script else None
    if outcome is not None:
        raise outcome
    return label


@pytest.fixture(autouse=True)
def _clean() -> None:
    calls.clear()
    script.clear()
    HUEY.flush()


def _run_scheduled() -> int:
    """What the worker does when a retry's time has come."""
    later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=1)
    due = HUEY.read_schedule(later)
    for task in due:
        HUEY.execute(task, timestamp=later)
    return len(due)


@pytest.mark.parametrize(
    "exc",
    [
        OperationalError("database is locked"),
        sqlite3.OperationalError("database is locked"),
        OperationalError("server closed the connection unexpectedly"),
    ],
)
def test_busy_or_lost_database_is_transient(exc: BaseException) -> None:
    assert is_transient(exc)


def test_a_transient_error_wrapped_in_another_is_still_seen() -> None:
    try:
        try:
            raise sqlite3.OperationalError("database is locked")
        except sqlite3.OperationalError as inner:
            raise RuntimeError("reading the ledger failed") from inner
    except RuntimeError as outer:
        assert is_transient(outer)


@pytest.mark.parametrize("exc", [OperationalError("no such table: ledger_invoice"), ValueError("database is locked")])
def test_bugs_are_not_transient(exc: BaseException) -> None:
    assert not is_transient(exc)


def test_locked_database_is_retried_later_and_then_done() -> None:
    script.append(OperationalError("database is locked"))
    flaky_job("a")
    run = JobRun.objects.get()
    assert (run.status, run.attempts) == (JobStatus.RETRYING, 1)
    assert "database is locked" in run.error
    # Not retried at once: the retry waits in the schedule with a delay.
    assert calls == ["a"]
    assert _run_scheduled() == 1
    run.refresh_from_db()
    assert (run.status, run.attempts, run.error) == (JobStatus.DONE, 2, "")
    assert calls == ["a", "a"]


def test_retries_back_off() -> None:
    script.extend([OperationalError("database is locked")] * 2)
    flaky_job("b")
    failed_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    first = HUEY.scheduled()[0]
    assert dt.timedelta(seconds=1) < first.eta - failed_at < dt.timedelta(seconds=3)
    _run_scheduled()
    second = HUEY.scheduled()[0]
    # Each wait is twice the one before (huey keeps the next delay on the task).
    assert second.retry_delay == first.retry_delay * 2


def test_a_bug_fails_at_once_and_is_not_retried() -> None:
    script.append(KeyError("customer_ref"))
    flaky_job("c")
    run = JobRun.objects.get()
    assert (run.status, run.attempts) == (JobStatus.FAILED, 1)
    assert "KeyError" in run.error
    assert HUEY.scheduled() == []


def test_a_job_still_locked_after_every_retry_is_failed_visibly() -> None:
    script.extend([OperationalError("database is locked")] * (DEFAULT_RETRIES + 1))
    flaky_job("d")
    while _run_scheduled():
        pass
    run = JobRun.objects.get()
    assert (run.status, run.attempts) == (JobStatus.FAILED, DEFAULT_RETRIES + 1)
    out = StringIO()
    call_command("jobs", "--failed", "--json", stdout=out)
    listed = json.loads(out.getvalue())["jobs"]
    assert [(j["task"], j["status"], j["attempts"]) for j in listed] == [("flaky_job", "failed", DEFAULT_RETRIES + 1)]


def test_jobs_page_is_for_managers(client, django_user_model) -> None:
    script.append(KeyError("boom"))
    flaky_job("e")
    collector = django_user_model.objects.create_user(email="c@example.com", password="pw-123456789", role="collector")
    manager = django_user_model.objects.create_user(email="m@example.com", password="pw-123456789", role="manager")
    client.force_login(collector)
    assert client.get("/jobs/").status_code == 403
    client.force_login(manager)
    page = client.get("/jobs/?status=failed").content.decode()
    assert "flaky_job" in page and "KeyError" in page
