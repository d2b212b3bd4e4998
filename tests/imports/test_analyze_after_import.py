"""After a large import PostgreSQL's planner knows the new size of the tables."""

from __future__ import annotations

import polars as pl
import pytest
from django.db import connection

from recoup.imports.services import ANALYZE_MIN_ROWS, import_frame


@pytest.mark.django_db(transaction=True)
def test_a_large_import_leaves_fresh_planner_statistics() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's (SQLite plans without them)")
    n = ANALYZE_MIN_ROWS + 5
    customers = pl.DataFrame({"customer_ref": [f"A{i:06d}" for i in range(n)], "name": [f"Customer {i}" for i in range(n)]})
    import_frame("customers", customers, actor_label="test")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'ledger_customer'")
        (estimate,) = cursor.fetchone()
    # Before ANALYZE a new table's estimate is -1 (never analysed) or stale; after it, the sample's count.
    assert estimate >= n * 0.9
