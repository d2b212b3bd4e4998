"""How an audit event's before and after read on a page."""

from __future__ import annotations

from recoup.team.history import Change, changes


def test_an_update_shows_what_changed_and_context_without_an_arrow() -> None:
    shown = changes(
        {"name": "Petra", "email": "", "phone": "+1"},
        {"name": "Petra P", "email": "a@b.example", "phone": "+1", "customer": "K-7"},
    )
    assert shown == [Change("name", "Petra", "Petra P"), Change("email", "–", "a@b.example"), Change("customer", None, "K-7")]


def test_a_creation_and_a_removal_show_every_field() -> None:
    assert changes(None, {"amount": 100, "invoices": ["I-1", "I-2"]}) == [
        Change("amount", "–", "100"),
        Change("invoices", "–", "I-1, I-2"),
    ]
    assert changes({"account": "DE89"}, None) == [Change("account", "DE89", "–")]
