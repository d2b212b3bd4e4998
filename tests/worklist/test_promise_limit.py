"""A strategy says how far ahead customers may promise online (the portal); beyond it they get a call."""

from __future__ import annotations

import pytest

from recoup.worklist.strategy import StrategyError, parse_strategy, strategy_to_data


def test_the_limit_defaults_to_30_days_and_round_trips() -> None:
    assert parse_strategy({}).promise_max_days == 30
    spec = parse_strategy({"promise_max_days": 14})
    assert spec.promise_max_days == 14 and parse_strategy(strategy_to_data(spec)) == spec


@pytest.mark.parametrize("value", [0, 366, "two weeks", 7.5, True])
def test_a_limit_that_is_no_number_of_days_is_refused_by_name(value: object) -> None:
    with pytest.raises(StrategyError) as err:
        parse_strategy({"promise_max_days": value})
    assert [path for path, _ in err.value.problems] == ["promise_max_days"]
