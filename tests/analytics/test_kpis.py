"""Worked examples for every KPI formula (DESIGN §4), computed by hand in the comments."""

from __future__ import annotations

from decimal import Decimal

import pytest

from recoup.analytics import (
    add,
    best_possible_dso,
    cei,
    cei_percent,
    countback_days,
    dso_countback,
    dso_days,
    dso_standard,
    kpi_trend,
)
from recoup.analytics.frames import MissingRate

from .builders import D, alloc, inv, ledger, pay


def test_countback_issue_example() -> None:
    # AR 405. Dec: 205 of 405 covered in 31 days → 200 left. Nov: 158 in 30 days → 42 left.
    # Oct: 31 × 42 / 167 = 7.796 days, truncated to 7 whole days → 31 + 30 + 7 = 68 (issue #3).
    assert countback_days(405, [(205, 31), (158, 30), (167, 31)]) == Decimal("68.0")


def test_countback_edges() -> None:
    assert countback_days(0, [(100, 31)]) == Decimal("0.0")
    assert countback_days(100, [(200, 31)]) == Decimal("15.0")  # 31 × 100/200 = 15.5 → 15
    assert countback_days(100, [(100, 31)]) == Decimal("31.0")
    # A month without sales is counted whole and does not reduce AR.
    assert countback_days(50, [(0, 31), (100, 30)]) == Decimal("46.0")  # 31 + ⌊30 × 50/100⌋
    # History runs out: every month counted, the rest cannot be explained.
    assert countback_days(500, [(100, 31), (100, 30)]) == Decimal("61.0")


def q4_ledger():
    # Sales: Oct 167, Nov 158, Dec 205 (530 in Q4). Oct invoice paid 125 on Nov 5 → 42 open.
    return ledger(
        [
            inv(1, 167, D(2024, 10, 10), D(2024, 11, 9)),
            inv(2, 158, D(2024, 11, 15), D(2024, 12, 15)),
            inv(3, 205, D(2024, 12, 20), D(2025, 1, 19)),
        ],
        [alloc(1, 125, D(2024, 11, 5), payment_id=10)],
        [pay(10, 125, D(2024, 11, 5))],
    )


def test_countback_from_ledger() -> None:
    # AR at Dec 31 = 42 + 158 + 205 = 405: the issue's example, from frames.
    assert dso_countback(q4_ledger(), D(2024, 12, 31)) == {"USD": Decimal("68.0")}


def test_dso_standard_bpdso_add() -> None:
    led = q4_ledger()
    start, end = D(2024, 10, 1), D(2024, 12, 31)  # 92 days
    # DSO = 405 / 530 × 92 = 70.30 → 70.3
    assert dso_standard(led, start, end) == {"USD": Decimal("70.3")}
    # Current AR at Dec 31: only invoice 3 (due Jan 19) = 205 → 205 / 530 × 92 = 35.58 → 35.6
    assert best_possible_dso(led, start, end) == {"USD": Decimal("35.6")}
    assert add(led, start, end) == {"USD": Decimal("34.7")}
    assert dso_days(405, 530, 92) == Decimal("70.3")
    assert dso_days(1, 0, 30) is None


def test_credit_notes_reduce_credit_sales() -> None:
    led = ledger(
        [
            inv(1, 1000, D(2024, 6, 1), D(2024, 7, 1)),
            inv(2, 200, D(2024, 6, 10), kind="credit_note"),
            inv(3, 100, D(2024, 6, 12), D(2024, 7, 12), kind="debit_note"),
        ]
    )
    # Sales = 1000 + 100 − 200 = 900 over 30 days; AR = 1000 + 100 − 200 (unused credit) = 900 → 30.0
    assert dso_standard(led, D(2024, 6, 1), D(2024, 6, 30)) == {"USD": Decimal("30.0")}


def cei_ledger():
    # Beginning AR (end of Sep 30): invoice 1, 500. October sales: 400 + 600 = 1000.
    # October cash: 500 on invoice 1, 400 on invoice 3 → Oct 31: invoice 2 400 current, invoice 3 200 overdue.
    return ledger(
        [
            inv(1, 500, D(2024, 9, 5), D(2024, 10, 5)),
            inv(2, 400, D(2024, 10, 20), D(2024, 11, 19)),
            inv(3, 600, D(2024, 10, 1), D(2024, 10, 15)),
        ],
        [alloc(1, 500, D(2024, 10, 6), payment_id=10), alloc(3, 400, D(2024, 10, 16), payment_id=11)],
        [pay(10, 500, D(2024, 10, 6)), pay(11, 400, D(2024, 10, 16))],
    )


def test_cei_example() -> None:
    # CEI = (500 + 1000 − 600) / (500 + 1000 − 400) × 100 = 900 / 1100 × 100 = 81.818 → 81.8
    assert cei_percent(500, 1000, 600, 400) == Decimal("81.8")
    assert cei(cei_ledger(), D(2024, 10, 1), D(2024, 10, 31)) == {"USD": Decimal("81.8")}
    assert cei_percent(0, 0, 0, 0) is None


def test_kpis_per_currency_and_home() -> None:
    led = ledger(
        [inv(1, 300, D(2024, 6, 1), D(2024, 7, 1)), inv(2, 1000, D(2024, 6, 1), D(2024, 6, 5), currency="EUR")],
        fx=[("EUR", D(2024, 1, 1), 1_100_000_000)],
    )
    start, end = D(2024, 6, 1), D(2024, 6, 30)
    assert dso_standard(led, start, end) == {"EUR": Decimal("30.0"), "USD": Decimal("30.0")}
    # Home: AR 300 + 1100 = 1400, sales 1400 → 30.0; current 300 → 300/1400 × 30 = 6.4
    assert dso_standard(led, start, end, home=True) == {"USD": Decimal("30.0")}
    assert best_possible_dso(led, start, end, home=True) == {"USD": Decimal("6.4")}
    no_rates = ledger([inv(1, 1000, D(2024, 6, 1), currency="EUR")])
    with pytest.raises(MissingRate, match="EUR"):
        dso_standard(no_rates, start, end, home=True)


def test_kpi_trend_matches_scalar_kpis() -> None:
    led = cei_ledger()
    trend = kpi_trend(led, D(2024, 10, 31), months=2)
    assert trend["month_end"].to_list() == [D(2024, 9, 30), D(2024, 10, 31)]
    october = trend.row(1, named=True)
    assert october["cei"] == 81.8
    assert Decimal(str(october["dso"])) == dso_standard(led, D(2024, 10, 1), D(2024, 10, 31))["USD"]
    # Oct 31: open debits 600, overdue 200 → 33.3 %
    assert october["overdue_share"] == 33.3
    assert october["add"] == pytest.approx(october["dso"] - october["bpdso"])


def test_kpi_trend_marks_the_month_to_date_as_partial() -> None:
    led = cei_ledger()
    trend = kpi_trend(led, D(2024, 11, 2), months=3)
    assert trend["month_end"].to_list() == [D(2024, 9, 30), D(2024, 10, 31), D(2024, 11, 2)]
    assert trend["days"].to_list() == [30, 31, 2]
    assert trend["partial"].to_list() == [False, False, True]
    assert kpi_trend(led, D(2024, 10, 31), months=1)["partial"].to_list() == [False]
