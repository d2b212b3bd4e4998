"""The scorecard and the bulk-reassignment filter, as pure rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recoup.team.rules import CRITERIA, MAX_POINTS, ReassignFilter, ReviewError, check_scores, parse_filter

NAMES = [name for name, _, _ in CRITERIA]


@given(st.lists(st.integers(0, 2), min_size=len(NAMES), max_size=len(NAMES)))
def test_any_score_from_0_to_2_is_accepted_and_totals_at_most_10(values: list[int]) -> None:
    scores = check_scores(dict(zip(NAMES, [str(v) for v in values], strict=True)))
    assert list(scores.values()) == values and 0 <= sum(scores.values()) <= MAX_POINTS == 10


@pytest.mark.parametrize(("value", "words"), [("3", "not 3"), ("", "not nothing"), ("-1", "not -1"), ("yes", "not yes")])
def test_a_score_out_of_range_names_the_criterion(value: str, words: str) -> None:
    raw = dict.fromkeys(NAMES, "1") | {"documented": value}
    with pytest.raises(ReviewError, match=f"Documented: score 0, 1 or 2, {words}") as caught:
        check_scores(raw)
    assert caught.value.field == "documented"


def test_the_filter_reads_the_form() -> None:
    f = parse_filter(segment=" retail ", country="de", collector="pool", min_overdue_minor=50_000)
    assert f == ReassignFilter(segment="retail", country="DE", collector_id=0, min_overdue=50_000)
    assert f.describe() == "segment retail, country DE, in the shared pool, overdue at least 50000 (minor units)"
    assert parse_filter(segment="", country="", collector="", min_overdue_minor=None).describe() == "every customer"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"country": "DEU"}, "country: a two-letter ISO code"),
        ({"collector": "anna"}, "collector: choose one from the list"),
        ({"min_overdue_minor": -1}, "minimum overdue: must be zero or more"),
    ],
)
def test_a_bad_filter_names_the_field(fields: dict[str, object], message: str) -> None:
    base: dict[str, object] = {"segment": "", "country": "", "collector": "", "min_overdue_minor": None}
    with pytest.raises(ValueError, match=message):
        parse_filter(**(base | fields))  # type: ignore[arg-type]
