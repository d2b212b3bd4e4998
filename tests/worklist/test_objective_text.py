"""Objectives in words: every amount in a sentence in one currency, the items' own when they share one."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from recoup.kernel.money import money_formatter
from recoup.worklist.listing import objective_text
from recoup.worklist.rules import StrategySpec, valuate

from .builders import customer, customers_frame, item, items_frame

AS_OF = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
HOME = "USD"


def money(minor: int, currency: str | None = None) -> str:
    return money_formatter(currency or HOME)(minor)


def _row(items: list[dict[str, Any]]) -> dict[str, Any]:
    """The customer row the words read, as valuate aggregates it from the items."""
    frame = valuate(items_frame(items), customers_frame([customer(1)]), StrategySpec(rules=()), as_of=AS_OF, now=NOW)
    row = frame.row(0, named=True)
    row["overdue_refs"] = [i["invoice_ref"] for i in items if i["due_date"] < AS_OF and not i["disputed"]]
    return row


def _in(currency: str, ref: str, own: int, home: int, due_in: int, *, disputed: bool = False) -> dict[str, Any]:
    row = item(1, ref, home, AS_OF + dt.timedelta(days=due_in), disputed=disputed)
    row.update(open_amount=own, currency=currency)
    return row


def test_a_dispute_of_a_eur_customer_is_written_in_eur() -> None:
    # €70,000.00 disputed (≈ $75,922.61 at home), €1,000.00 overdue and undisputed.
    row = _row(
        [
            _in("EUR", "E-1", 7_000_000, 7_592_261, -40, disputed=True),
            _in("EUR", "E-2", 100_000, 108_460, -10),
        ]
    )
    text = objective_text("dispute_blocker", row, money)
    assert text == "Resolve the dispute blocking €70,000.00; €1,000.00 undisputed overdue"


def test_a_dispute_with_nothing_else_overdue_stays_in_the_items_currency() -> None:
    row = _row([_in("GBP", "G-1", 31_000, 39_260, -40, disputed=True)])
    assert objective_text("dispute_blocker", row, money) == "Resolve the dispute blocking £310.00; £0.00 undisputed overdue"


def test_mixed_currencies_write_every_amount_in_the_home_currency() -> None:
    # Disputed in USD, overdue in GBP: one sentence must not mix $ and £.
    row = _row(
        [
            _in("USD", "U-1", 39_260, 39_260, -40, disputed=True),
            _in("GBP", "G-2", 1_163_395, 1_473_300, -20),
        ]
    )
    assert objective_text("dispute_blocker", row, money) == "Resolve the dispute blocking $392.60; $14,733.00 undisputed overdue"


@pytest.mark.parametrize(
    ("objective", "expected"),
    [
        ("secure_date", "Secure a payment date for J-1, ¥859,000, 30 days overdue"),
        ("broken_promise", "Follow up the promise broken on Fri 20 Nov: ¥859,000 overdue"),
    ],
)
def test_overdue_in_one_currency_is_written_in_it(objective: str, expected: str) -> None:
    row = _row([_in("JPY", "J-1", 859_000, 575_530, -30)])
    row["last_broken_on"] = dt.date(2026, 11, 20)
    assert objective_text(objective, row, money) == expected
