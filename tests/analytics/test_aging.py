"""Aging worked examples: buckets, edges, credits shown apart, groupings, home currency."""

from __future__ import annotations

import polars as pl
import pytest

from recoup.analytics import aging, bucket_names, convert_minor, open_items
from recoup.analytics.frames import MissingRate

from .builders import D, alloc, customer, inv, ledger, pay

AS_OF = D(2024, 12, 31)


def example():
    return ledger(
        [
            inv(1, 100, D(2024, 12, 1), D(2025, 1, 10)),  # not due
            inv(2, 10, D(2024, 12, 1), D(2024, 12, 31)),  # due today: 0 days past due → not_due
            inv(3, 200, D(2024, 11, 1), D(2024, 12, 1)),  # 30 dpd → d1_30
            inv(4, 300, D(2024, 10, 1), D(2024, 11, 30)),  # 31 dpd → d31_60
            inv(5, 40, D(2024, 8, 1), D(2024, 9, 2)),  # 120 dpd → d91_120
            inv(6, 50, D(2024, 7, 1), D(2024, 8, 1)),  # 152 dpd → over_120, 20 paid → 30
            inv(7, 70, D(2024, 12, 5), kind="credit_note"),  # 20 used on invoice 6 → −50 credit
            inv(8, 999, D(2025, 1, 2), D(2025, 2, 1)),  # issued after as_of: not there yet
            inv(9, 80, D(2024, 12, 1), D(2024, 12, 15), kind="debit_note"),  # 16 dpd → d1_30
            inv(10, 500, D(2024, 12, 1), D(2024, 12, 1), customer_id=2, currency="EUR"),  # 30 dpd
        ],
        [
            alloc(6, 20, D(2024, 12, 6), credit_note_id=7),
            alloc(4, 40, D(2024, 12, 10), payment_id=20),
            alloc(1, 100, D(2025, 1, 3), payment_id=21),  # after as_of: ignored
        ],
        [
            pay(20, 100, D(2024, 12, 10)),  # 40 applied → 60 unapplied cash
            pay(21, 100, D(2025, 1, 3)),
            pay(22, 25, D(2024, 12, 20), customer_id=None),  # unknown payer
        ],
        customers=[customer(1, segment="smb", collector="ann@x"), customer(2, currency="EUR", segment="smb", collector="bob@x")],
        fx=[("EUR", D(2024, 1, 1), 1_100_000_000), ("EUR", D(2024, 12, 31), 1_050_000_000), ("EUR", D(2025, 1, 1), 9)],
    )


def test_bucket_names() -> None:
    assert bucket_names((0, 30, 60, 90, 120)) == ["not_due", "d1_30", "d31_60", "d61_90", "d91_120", "over_120"]
    assert bucket_names((15, 45)) == ["upto_15", "d16_45", "over_45"]
    with pytest.raises(ValueError, match="increasing"):
        bucket_names((30, 0))


def test_open_items() -> None:
    items = open_items(example(), AS_OF).sort("kind", "id")
    rows = {(r["kind"], r["id"]): (r["open_amount"], r["days_past_due"]) for r in items.iter_rows(named=True)}
    assert rows == {
        ("credit_note", 7): (-50, None),
        ("debit_note", 9): (80, 16),
        ("invoice", 1): (100, -10),
        ("invoice", 2): (10, 0),
        ("invoice", 3): (200, 30),
        ("invoice", 4): (260, 31),
        ("invoice", 5): (40, 120),
        ("invoice", 6): (30, 152),
        ("invoice", 10): (500, 30),
        ("payment", 20): (-60, None),
        ("payment", 22): (-25, None),
    }


def test_aging_by_customer_with_credits() -> None:
    out = aging(example(), AS_OF)
    assert out.columns == [
        "customer_id",
        "customer_ref",
        "name",
        "currency",
        "not_due",
        "d1_30",
        "d31_60",
        "d61_90",
        "d91_120",
        "over_120",
        "credits",
        "total",
    ]
    rows = out.rows(named=True)
    assert rows[0] == {
        "customer_id": 1,
        "customer_ref": "C1",
        "name": "Customer 1",
        "currency": "USD",
        "not_due": 110,
        "d1_30": 280,
        "d31_60": 260,
        "d61_90": 0,
        "d91_120": 40,
        "over_120": 30,
        "credits": -110,  # credit note −50 and unapplied cash −60, apart from the buckets
        "total": 610,
    }
    assert rows[1]["customer_id"] == 2 and rows[1]["currency"] == "EUR" and rows[1]["d1_30"] == 500
    # The unknown payer's cash stays visible in a null-customer row rather than vanishing.
    assert rows[2]["customer_id"] is None and rows[2]["credits"] == -25 and rows[2]["total"] == -25


def test_aging_groupings_keep_currency_apart() -> None:
    by_collector = aging(example(), AS_OF, by="collector")
    assert by_collector.select("collector", "currency", "total").rows() == [
        ("ann@x", "USD", 610),
        ("bob@x", "EUR", 500),
        (None, "USD", -25),
    ]
    by_segment = aging(example(), AS_OF, by=["segment"])
    assert by_segment.select("segment", "currency", "total").rows() == [
        ("smb", "EUR", 500),
        ("smb", "USD", 610),
        (None, "USD", -25),
    ]
    by_currency = aging(example(), AS_OF, by="currency")
    assert by_currency.select("currency", "total").rows() == [("EUR", 500), ("USD", 585)]


def test_aging_home_currency() -> None:
    # EUR 500.00 at the rate in force on Dec 31 (1.05) → 525 USD minor units; the Jan 1 rate is ignored.
    out = aging(example(), AS_OF, by="segment", home=True)
    assert out.select("segment", "currency", "d1_30", "total").rows() == [
        ("smb", "USD", 280 + 525, 610 + 525),
        (None, "USD", 0, -25),
    ]
    assert convert_minor(500, "EUR", 1_050_000_000, "USD") == 525
    with pytest.raises(ValueError, match="home"):
        aging(example(), AS_OF, by="currency", home=True)


def test_missing_rate_names_currency_and_date() -> None:
    led = ledger([inv(1, 100, D(2024, 1, 5), currency="GBP")], fx=[("GBP", D(2024, 2, 1), 1_270_000_000)])
    with pytest.raises(MissingRate, match=r"GBP on or before 2024-01-31") as err:
        aging(led, D(2024, 1, 31), home=True)
    assert err.value.currency == "GBP" and err.value.on == D(2024, 1, 31)


def test_custom_buckets() -> None:
    out = aging(example(), AS_OF, buckets=(0, 60))
    row = out.row(0, named=True)
    assert (row["not_due"], row["d1_60"], row["over_60"], row["total"]) == (110, 540, 70, 610)


def test_validate_names_the_problem() -> None:
    led = example()
    with pytest.raises(ValueError, match="invoices: wrong dtype: amount"):
        type(led)(
            led.invoices.with_columns(pl.col("amount").cast(pl.Float64)), led.allocations, led.payments, led.customers
        ).validate()
    with pytest.raises(ValueError, match="customers: missing column"):
        type(led)(led.invoices, led.allocations, led.payments, led.customers.drop("segment")).validate()
