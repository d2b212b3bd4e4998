"""`database.bulk.insert_frame` writes exactly the rows it is given, whatever the batch shapes.

On SQLite rows go many to a statement and values shared by every row go into the statement
text, so the sizes here straddle the batch and statement boundaries on purpose.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from django.db import connection, transaction

from recoup.database import bulk
from recoup.ledger.models import Customer

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=dt.UTC)


def _customers(count: int, *, name: str | None = None, segment: str = "smb") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": list(range(1, count + 1)),
            "customer_ref": [f"C-{i}" for i in range(count)],
            "name": [name if name is not None else f'Müller\'s "Söhne" {i}' for i in range(count)],
            "country": ["DE"] * count,
            "region": [""] * count,
            "timezone": [""] * count,
            "currency": ["EUR" if i % 3 else "JPY" for i in range(count)],
            "payment_terms_days": [None if i % 4 == 0 else 30 for i in range(count)],
            "credit_limit": [None] * count,
            "segment": [segment] * count,
            "is_consumer": [i % 2 == 0 for i in range(count)],
            "status": ["active"] * count,
            "attributes": ['{"k": "it\'s"}'] * count,
            "import_hash": [""] * count,
            "created_at": [NOW] * count,
            "updated_at": [NOW + dt.timedelta(seconds=i % 2) for i in range(count)],
        },
        schema_overrides={"payment_terms_days": pl.Int64, "credit_limit": pl.Int64},
    )


def _stored() -> list[tuple[object, ...]]:
    return list(
        Customer.objects.order_by("id").values_list(
            "id",
            "customer_ref",
            "name",
            "currency",
            "payment_terms_days",
            "credit_limit",
            "segment",
            "is_consumer",
            "attributes",
            "created_at",
            "updated_at",
        )
    )


def _expected(frame: pl.DataFrame) -> list[tuple[object, ...]]:
    return [
        (
            r["id"],
            r["customer_ref"],
            r["name"],
            r["currency"],
            r["payment_terms_days"],
            r["credit_limit"],
            r["segment"],
            r["is_consumer"],
            {"k": "it's"},
            r["created_at"],
            r["updated_at"],
        )
        for r in frame.iter_rows(named=True)
    ]


@pytest.mark.parametrize("count", [1, 2, 99, 100, 101, 250, 333])
def test_every_row_arrives_intact(monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    # Batches of 120 rows: full statements of 100 and remainders inside every batch.
    monkeypatch.setattr(bulk, "BATCH", 120)
    frame = _customers(count)
    with transaction.atomic():
        assert bulk.insert_frame(connection, "ledger_customer", frame) == count
    assert _stored() == _expected(frame)


def test_a_frame_whose_every_column_is_the_same_on_every_row() -> None:
    frame = _customers(150).with_columns(
        pl.lit(1).alias("payment_terms_days"), pl.lit(True).alias("is_consumer"), pl.lit("EUR").alias("currency")
    )
    frame = frame.with_columns(pl.lit(NOW).alias("updated_at"))
    # Only id and customer_ref vary; the rest is written once into the statement.
    with transaction.atomic():
        bulk.insert_frame(connection, "ledger_customer", frame)
    assert _stored() == _expected(frame)


def test_shared_text_that_cannot_be_a_literal_is_still_written() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL text cannot hold NUL at all")
    frame = _customers(5, name="nul\x00inside")
    with transaction.atomic():
        bulk.insert_frame(connection, "ledger_customer", frame)
    assert [c.name for c in Customer.objects.order_by("id")] == ["nul\x00inside"] * 5


def test_a_bulk_load_leaves_the_page_cache_as_it_found_it() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's page cache")

    def cache_size() -> int:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            return int(cursor.fetchone()[0])

    before = cache_size()
    with transaction.atomic(), bulk.bulk_load(connection, "ledger_customer", bulk.BULK_LOAD_MIN_ROWS):
        assert cache_size() == -bulk.LOAD_CACHE_KIB
        bulk.insert_frame(connection, "ledger_customer", _customers(3))
    assert cache_size() == before


def test_reserved_ids_never_reuse_the_id_of_a_deleted_row() -> None:
    with transaction.atomic():
        frame = _customers(3).with_columns(bulk.reserve_ids(connection, "ledger_customer", 3))
        bulk.insert_frame(connection, "ledger_customer", frame)
    Customer.objects.create(customer_ref="LAST", name="Last")
    last = Customer.objects.get(customer_ref="LAST").pk
    Customer.objects.filter(pk=last).delete()
    with transaction.atomic():
        ids = bulk.reserve_ids(connection, "ledger_customer", 2).to_list()
    assert ids == [last + 1, last + 2]
