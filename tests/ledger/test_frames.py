"""The column-wise paths (a reader process on SQLite, ADBC on PostgreSQL) and the cursor read the same frames."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import polars as pl
import pytest
from django.db import connection, transaction

from recoup.analytics.frames import Ledger
from recoup.database import columnar
from recoup.ledger import frames as loading
from recoup.ledger.models import Allocation, Customer, FxRate, Invoice, Payment
from tests.reports.conftest import write_books

SORT_KEYS = {
    "invoices": ["id"],
    "allocations": ["invoice_id", "payment_id", "credit_note_id"],
    "payments": ["id"],
    "customers": ["id"],
    "fx_rates": ["currency", "on"],
}


def _sorted(frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    return {name: frame.sort(SORT_KEYS[name], nulls_last=True) for name, frame in frames.items()}


def _arrow_frames(tmp_path: Path, as_of: dt.date | None) -> dict[str, pl.DataFrame]:
    """Read column-wise. The SQLite test database lives in memory, where the reader process
    cannot see it, so a copy goes to a file first (the same rows, committed)."""
    if connection.vendor == "sqlite":
        target = tmp_path / "copy.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(target) as copy:
            connection.connection.backup(copy)
        with columnar.SqliteChild(str(target)) as child:
            return loading.read_frames(child.read, loading.statements(as_of, day_numbers=True))
    read, close = columnar.postgres_reader(connection.settings_dict)
    try:
        return loading.read_frames(read, loading.statements(as_of))
    finally:
        close()


def _add_rates() -> None:
    FxRate.objects.create(currency="EUR", on=dt.date(2025, 1, 1), rate="1.084300000")
    FxRate.objects.create(currency="JPY", on=dt.date(2025, 1, 1), rate="0.006712345")
    FxRate.objects.create(currency="BHD", on=dt.date(2026, 1, 1), rate="2.659574468")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("as_of", [None, dt.date(2025, 9, 30)])
def test_arrow_and_cursor_paths_return_identical_frames(tmp_path: Path, as_of: dt.date | None) -> None:
    write_books(tmp_path, customers=8, invoices=80)
    _add_rates()
    arrow = _sorted(_arrow_frames(tmp_path, as_of))
    cursor = _sorted(loading.read_frames(columnar.cursor_reader(connection), loading.statements(as_of)))
    for name, frame in arrow.items():
        assert frame.schema == cursor[name].schema, name
        assert frame.equals(cursor[name]), name
    assert arrow["invoices"].height == Invoice.objects.filter(**({"issue_date__lte": as_of} if as_of else {})).count()
    assert arrow["customers"].height == Customer.objects.count()
    assert arrow["allocations"].height == Allocation.objects.filter(**({"applied_on__lte": as_of} if as_of else {})).count()
    assert arrow["payments"].height == Payment.objects.filter(**({"received_on__lte": as_of} if as_of else {})).count()
    # Rates leave as exact integer parts per billion, on both databases.
    rates = dict(zip(arrow["fx_rates"]["currency"], arrow["fx_rates"]["rate_ppb"], strict=True))
    assert rates == (
        {"EUR": 1_084_300_000, "JPY": 6_712_345} if as_of else {"EUR": 1_084_300_000, "JPY": 6_712_345, "BHD": 2_659_574_468}
    )


@pytest.mark.django_db(transaction=True)
def test_committed_data_on_a_server_database_goes_through_arrow(tmp_path: Path) -> None:
    write_books(tmp_path, customers=4, invoices=20)
    frames, path = loading.load_frames()
    # pytest-django's SQLite test database is in memory: only the cursor can see it.
    assert path == ("cursor" if connection.vendor == "sqlite" else "adbc")
    assert frames["invoices"].height == Invoice.objects.count()
    ledger = loading.load_ledger(home_currency="EUR")
    assert isinstance(ledger, Ledger) and ledger.home_currency == "EUR"
    ledger.validate()


@pytest.mark.django_db
def test_inside_a_transaction_the_cursor_sees_uncommitted_rows(tmp_path: Path) -> None:
    write_books(tmp_path, customers=4, invoices=20)
    assert connection.in_atomic_block
    frames, path = loading.load_frames()
    assert path == "cursor"
    assert frames["invoices"].height == Invoice.objects.count() > 0
    with transaction.atomic():
        Customer.objects.create(customer_ref="NEW", name="Fresh Co", currency="USD")
        assert loading.load_frames()[0]["customers"].height == Customer.objects.count()


def test_postgres_uri_for_django_settings() -> None:
    pg = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "recoup",
        "USER": "app",
        "PASSWORD": "p@ss/word",
        "HOST": "db",
        "PORT": 5433,
    }
    assert columnar.postgres_uri(pg) == "postgresql://app:p%40ss%2Fword@db:5433/recoup"
    sock = {**pg, "PASSWORD": "", "HOST": "/run/postgresql", "PORT": "", "OPTIONS": {"sslmode": "disable"}}
    assert columnar.postgres_uri(sock) == "postgresql://app@/recoup?sslmode=disable&host=%2Frun%2Fpostgresql"


def test_statements_only_splice_dates() -> None:
    sql = loading.statements(dt.date(2025, 1, 31))["invoices"][0]
    assert sql.endswith("WHERE issue_date <= '2025-01-31'")
    with pytest.raises(TypeError):
        loading.statements("2025-01-31' OR 1=1 --")  # type: ignore[arg-type]


@pytest.mark.django_db(transaction=True)
def test_a_change_during_a_parallel_read_makes_the_loader_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("the SQLite test database is in memory: only the cursor path can read it")
    from django.utils import timezone

    from recoup.audit.models import AuditEvent

    write_books(tmp_path, customers=4, invoices=20)
    original = loading._read_parallel

    def read_then_change(*args, **kwargs):  # type: ignore[no-untyped-def]
        frames = original(*args, **kwargs)
        # Another session changes the ledger while the tables are being read.
        Customer.objects.create(customer_ref="LATE", name="Late Co", currency="USD")
        AuditEvent.objects.create(at=timezone.now(), actor_label="test", action="create", object_type="ledger.customer")
        return frames

    monkeypatch.setattr(loading, "_read_parallel", read_then_change)
    frames, path = loading.load_frames()
    assert path == "adbc"
    assert "LATE" in frames["customers"]["customer_ref"].to_list()  # read again, after the change
