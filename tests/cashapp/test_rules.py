"""Matching rules, pure: references in every shape, and the property that no way of applying a
payment ever takes more than the payment or more than an item has open."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from recoup.cashapp import matching, references, rules
from recoup.cashapp.rules import Candidate, Hit, Item, MatchSettings, Payer
from recoup.ledger.rules import WRITTEN_OFF


def test_references_in_their_many_shapes() -> None:
    assert references.canonical("inv-000123") == references.canonical("INV 123") == "INV123"
    assert "INV20240042" in references.text_tokens("Pmt for inv. 2024-0042, thanks")
    assert references.reference_keys(references.rf_for("INV-2025-0101")) == ["INV20250101"]
    assert references.reference_keys("RF18539007547034") == ["539007547034"]
    assert references.reference_keys("RF19539007547034") == ["RF19539007547034"]  # bad check digits: just text
    qrr = "210000000003139471430009017"
    assert references.is_structured(qrr) and references.reference_keys(qrr) == ["21000000000313947143000901"]
    assert references.name_key("Müller & Söhne GmbH") == "MULLER SOHNE"


def test_fuzzy_numbers_one_character_off_and_only_when_unique() -> None:
    day = dt.date(2025, 1, 1)
    items = [
        Item(1, "INV-55012", 9, 100, "EUR", day),
        Item(2, "INV-55021", 9, 100, "EUR", day),
        Item(3, "INV-70001", 9, 100, "EUR", day),
    ]
    assert [h.item.invoice_id for h in matching.fuzzy_hits({"INV7001"}, items)] == [3]  # a zero missing
    assert [h.item.invoice_id for h in matching.fuzzy_hits({"INV70010"}, items)] == [3]  # one too many
    # 55012 and 55021 are one transposition apart: "INV55102" is near 55012 only, "INV5501" near both.
    assert [h.item.invoice_id for h in matching.fuzzy_hits({"INV55102"}, items)] == [1]
    assert matching.fuzzy_hits({"INV5501"}, items) == []


def test_the_polars_canonical_forms_equal_the_python_ones() -> None:
    refs = ["inv-000123", "2024/0042", "A-0-0-7", "00042", "RE 1001", "x", "RE-2025-0102", "SO/2025/00900", "0-0-1"]
    frame = pl.DataFrame({"ref": refs}).select(matching.canonical_expr("ref"), matching.part_key_expr("ref").alias("part"))
    assert frame["ref"].to_list() == [references.canonical(r) for r in refs]
    assert frame["part"].to_list() == [references.part_key(r) for r in refs]
    assert references.part_key("RE-2025-0102") == "RE2025102" and "RE2025102" in references.text_tokens("re 2025 102")


items_strategy = st.lists(
    st.tuples(st.integers(min_value=1, max_value=500_000), st.integers(min_value=0, max_value=60)), min_size=1, max_size=12
)


def _items(raw: list[tuple[int, int]], customer: int = 7) -> list[Item]:
    return [
        Item(k + 1, f"INV-{k + 1:04d}", customer, amount, "EUR", dt.date(2025, 1, 1) + dt.timedelta(days=days))
        for k, (amount, days) in enumerate(raw)
    ]


def _check(candidate: Candidate, amount: int, items: list[Item]) -> None:
    open_of = {i.invoice_id: i.open_amount for i in items}
    allocated = sum(a for _, a in candidate.allocations)
    assert allocated <= amount, candidate
    assert candidate.unapplied == 0 or candidate.unapplied == amount - allocated
    taken: dict[int, int] = {}
    for invoice_id, a in candidate.allocations:
        assert a > 0
        taken[invoice_id] = taken.get(invoice_id, 0) + a
    for invoice_id, a, why in candidate.deductions:
        assert a > 0
        if why in WRITTEN_OFF:
            taken[invoice_id] = taken.get(invoice_id, 0) + a
        else:
            assert taken.get(invoice_id, 0) + a <= open_of[invoice_id]
    for invoice_id, total in taken.items():
        assert total <= open_of[invoice_id], (candidate, open_of)


@settings(max_examples=300, deadline=None)
@given(
    raw=items_strategy,
    amount=st.integers(min_value=1, max_value=3_000_000),
    named=st.integers(min_value=0, max_value=12),
    stated=st.booleans(),
    percent=st.integers(min_value=1, max_value=5),
    tolerance=st.integers(min_value=0, max_value=5000),
)
def test_allocations_never_exceed_the_payment_or_an_items_open_amount(
    raw: list[tuple[int, int]], amount: int, named: int, stated: bool, percent: int, tolerance: int
) -> None:
    items = _items(raw)
    config = MatchSettings(tolerance=tolerance, discount_percents=(percent,))
    payer = Payer(customer_id=7, how="account", group=frozenset({7}))
    hits = [
        Hit(i, "text", (i.open_amount + 7 if k % 2 else i.open_amount // 2) if stated else None)
        for k, i in enumerate(items[: named or 1])
    ]
    for candidate in rules.by_reference(amount, hits, payer, config) + rules.by_payer(amount, "EUR", payer, {7: items}, config):
        _check(candidate, amount, items)


@settings(max_examples=40, deadline=None)
@given(
    raw=items_strategy,
    amounts=st.lists(st.integers(min_value=1, max_value=1_000_000), min_size=1, max_size=6),
    words=st.lists(st.sampled_from(["INV-0001", "inv 2", "0003", "INV-0004 INV-0005", "hello", "INV-0O06"]), max_size=3),
)
def test_the_whole_matcher_never_over_applies(raw: list[tuple[int, int]], amounts: list[int], words: list[str]) -> None:
    items = _items(raw)
    frames = matching.LedgerFrames(
        items=pl.DataFrame(
            [(i.invoice_id, i.ref, i.customer_id, i.open_amount, i.currency, i.due_date) for i in items],
            schema=matching.ITEM_SCHEMA,
            orient="row",
        ),
        customers=pl.DataFrame([(7, "Acme Trading GmbH", None)], schema=matching.CUSTOMER_SCHEMA, orient="row"),
        accounts=pl.DataFrame([("DE89370400440532013000", 7)], schema=matching.ACCOUNT_SCHEMA, orient="row"),
        aliases=pl.DataFrame(schema=matching.ALIAS_SCHEMA),
    )
    n = len(amounts)
    lines = pl.DataFrame(
        {
            "line_id": list(range(n)),
            "amount": amounts,
            "currency": ["EUR"] * n,
            "payer_name": ["Acme Trading"] * n,
            "payer_account": ["DE89370400440532013000"] * n,
            "remittance": [" ".join(words)] * n,
            "references": [[]] * n,
            "documents": [[]] * n,
        },
        schema=matching.LINE_SCHEMA,
    )
    for line_id, decision in matching.match(lines, frames, MatchSettings()).items():
        for candidate in [decision.chosen, *decision.suggestions]:
            if candidate is not None:
                _check(candidate, amounts[line_id], items)
