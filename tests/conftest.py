"""Test set-up shared by the whole suite.

The suite runs once on SQLite and once on PostgreSQL (see the Makefile): which one is chosen
by RECOUP_DATABASE_URL before Django starts, so every database test runs on both.
"""

from __future__ import annotations

import os
import tempfile

import pytest

# Each test session gets its own data directory so nothing touches a developer's ./var.
os.environ.setdefault("RECOUP_DATA_DIR", tempfile.mkdtemp(prefix="recoup-test-"))
os.environ.setdefault("RECOUP_SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
# Background tasks (huey) run inline, in memory, when they are enqueued: no worker, no queue
# file. The variable reaches processes the tests start; this process's huey is switched by the
# fixture below, since pytest-django may have read the settings before this file runs.
os.environ.setdefault("RECOUP_HUEY_IMMEDIATE", "1")


@pytest.fixture(autouse=True, scope="session")
def _huey_runs_tasks_inline() -> None:
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
