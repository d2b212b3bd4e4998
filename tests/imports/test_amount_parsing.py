"""The importer parses amounts a column at a time; it must agree with the kernel's parser on
every input: the same value where the kernel accepts, a refusal where the kernel refuses."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from recoup.imports.parsing import Checker
from recoup.imports.parsing import parse_minor as parse_column
from recoup.kernel.money import MoneyParseError, currency_exponent, parse_minor

STYLES = [(".", ""), (".", ","), (",", "."), (",", " "), (".", "'")]
CURRENCIES = ["USD", "JPY", "BHD", "EUR"]


def _column(texts: list[str], currency: str, decimal_sep: str, thousands_sep: str) -> tuple[list[int | None], set[int]]:
    frame = pl.DataFrame({"amount": texts, "currency": [currency] * len(texts)}).with_columns(
        pl.lit(currency_exponent(currency)).cast(pl.Int64).alias("exp"), pl.int_range(0, len(texts)).alias("__line")
    )
    check = Checker({})
    out = parse_column(
        frame, check, "amount", exponent="exp", currency="currency", decimal_sep=decimal_sep, thousands_sep=thousands_sep
    )
    return out["amount"].to_list(), {e.line for e in check.errors()}


def _grouped(value: int, sep: str) -> str:
    text = str(value)
    if not sep:
        return text
    groups = []
    while len(text) > 3:
        groups.insert(0, text[-3:])
        text = text[:-3]
    return sep.join([text, *groups])


amount_text = st.builds(
    lambda whole, frac, sign, grouped, style_idx: (whole, frac, sign, grouped, style_idx),
    st.integers(min_value=0, max_value=10**12),
    st.text(alphabet="0123456789", max_size=4),
    st.sampled_from(["", "-", "+", "()", "trail"]),
    st.booleans(),
    st.integers(min_value=0, max_value=len(STYLES) - 1),
)


@settings(max_examples=150, deadline=None)
@given(parts=amount_text, currency=st.sampled_from(CURRENCIES))
def test_columnar_parser_agrees_with_the_kernel_on_well_formed_amounts(parts: tuple, currency: str) -> None:
    whole, frac, sign, grouped, style_idx = parts
    decimal_sep, thousands_sep = STYLES[style_idx]
    body = _grouped(whole, thousands_sep if grouped else "") + (decimal_sep + frac if frac else "")
    text = {"": body, "-": "-" + body, "+": "+" + body, "()": f"({body})", "trail": body + "-"}[sign]
    values, bad = _column([text], currency, decimal_sep, thousands_sep)
    try:
        expected = parse_minor(text, currency, decimal_sep=decimal_sep, thousands_sep=thousands_sep)
    except MoneyParseError:
        assert bad == {0}, text
    else:
        assert values[0] == expected and not bad, text


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(alphabet="0123456789.,- ()+'x", min_size=1, max_size=14),
    currency=st.sampled_from(CURRENCIES),
    style_idx=st.integers(min_value=0, max_value=len(STYLES) - 1),
)
def test_columnar_parser_never_accepts_what_the_kernel_refuses(text: str, currency: str, style_idx: int) -> None:
    decimal_sep, thousands_sep = STYLES[style_idx]
    if not text.strip():
        return  # empty cells are "missing", handled before parsing
    values, bad = _column([text], currency, decimal_sep, thousands_sep)
    try:
        expected = parse_minor(text, currency, decimal_sep=decimal_sep, thousands_sep=thousands_sep)
    except MoneyParseError:
        assert values[0] is None and bad == {0}, text
    else:
        if len(text.strip("()+- ").split(decimal_sep)[0].replace(thousands_sep, "").lstrip("0")) <= 15:
            assert values[0] == expected, text
