"""Test set-up shared by the whole suite.

The suite runs once on SQLite and once on PostgreSQL (see the Makefile): which one is chosen
by RECOUP_DATABASE_URL before Django starts, so every database test runs on both.
"""

from __future__ import annotations

import os
import tempfile

# Each test session gets its own data directory so nothing touches a developer's ./var.
os.environ.setdefault("RECOUP_DATA_DIR", tempfile.mkdtemp(prefix="recoup-test-"))
os.environ.setdefault("RECOUP_SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
