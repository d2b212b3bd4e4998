"""The suite's second pass must really run on PostgreSQL, not silently fall back to SQLite."""

from __future__ import annotations

import os

import pytest
from django.db import connection


@pytest.mark.django_db
def test_the_database_is_the_one_asked_for() -> None:
    wanted = os.environ.get("RECOUP_DATABASE_URL", "sqlite://")
    expected = "postgresql" if wanted.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected
    if expected == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys")
            assert cursor.fetchone()[0] == 1
