""" "Customer changed": heard once per committed transaction, never for a rollback, batched."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction

from recoup.ledger.events import CustomersChanged, customer_changed, customers_changed, listen

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def heard():
    got: list[CustomersChanged] = []

    def record(sender: object, change: CustomersChanged, **_: object) -> None:
        got.append(change)

    customer_changed.connect(record, dispatch_uid="test-heard", weak=False)
    yield got
    customer_changed.disconnect(dispatch_uid="test-heard")


def test_one_transaction_is_heard_once_after_commit(heard) -> None:
    with transaction.atomic():
        customers_changed([1], kind="activity")
        customers_changed([1, None], kind="promise")
        customers_changed([2], kind="ledger")
        assert heard == []  # nothing before the commit
    assert heard == [CustomersChanged(frozenset({1, 2}), frozenset({"activity", "promise", "ledger"}))]


def test_a_rollback_is_never_heard_and_the_next_transaction_is(heard) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        customers_changed([1], kind="activity")
        raise RuntimeError("the call could not be saved")
    assert heard == []
    with transaction.atomic():
        customers_changed([3], kind="dispute")
    assert [c.customer_ids for c in heard] == [frozenset({3})]


def test_a_batch_begun_in_a_rolled_back_savepoint_does_not_swallow_later_changes(heard) -> None:
    with transaction.atomic():
        try:
            with transaction.atomic():
                customers_changed([1], kind="promise")
                raise ValueError("the promise was refused")
        except ValueError:
            pass
        customers_changed([2], kind="activity")
    assert [c.customer_ids for c in heard] == [frozenset({2})]


def test_outside_a_transaction_it_is_heard_at_once(heard) -> None:
    customers_changed([5], kind="contact")
    assert heard == [CustomersChanged(frozenset({5}), frozenset({"contact"}))]


def test_nothing_is_sent_for_no_customer(heard) -> None:
    customers_changed([None], kind="ledger")
    with transaction.atomic():
        customers_changed([], kind="ledger")
    assert heard == []


def test_unknown_kinds_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown change kind 'payment'"):
        customers_changed([1], kind="payment")


def test_a_failing_receiver_is_logged_and_the_others_still_hear(heard, caplog: pytest.LogCaptureFixture) -> None:
    def broken(change: CustomersChanged) -> None:
        raise RuntimeError("receiver bug")

    listen(broken, name="test.broken")
    try:
        with caplog.at_level(logging.ERROR, logger="recoup.ledger.events"):
            customers_changed([7], kind="ledger")
    finally:
        customer_changed.disconnect(dispatch_uid="test.broken")
    assert [c.customer_ids for c in heard] == [frozenset({7})]
    assert "test.broken failed for 1 customer(s)" in caplog.text
