"""RF creditor references (ISO 11649) per invoice, as the portal and statements print them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import iso11649

from recoup.kernel.references import creditor_reference, printed, reference_body


def test_the_reference_carries_the_invoice_number_with_check_digits() -> None:
    assert creditor_reference("INV-1042") == "RF63INV1042"
    assert printed("RF63INV1042") == "RF63 INV1 042"
    # The standard's own example body (ISO 11649 Annex).
    assert creditor_reference("539007547034") == "RF18539007547034"


def test_a_number_written_differently_gives_the_same_reference() -> None:
    assert creditor_reference("inv-000123") == creditor_reference("INV 123") == "RF94INV123"


@pytest.mark.parametrize("ref", ["", "---", "X" * 22])
def test_a_number_an_rf_reference_cannot_carry_gets_none(ref: str) -> None:
    assert creditor_reference(ref) is None


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-/ ", min_size=1, max_size=30))
def test_every_reference_made_is_valid_and_leads_back_to_its_invoice(ref: str) -> None:
    reference = creditor_reference(ref)
    if reference is None:
        assert not reference_body(ref) or len(reference_body(ref)) > 21
        return
    assert iso11649.is_valid(reference)
    assert reference[4:] == reference_body(ref)
