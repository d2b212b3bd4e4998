"""Write-offs within the user's limit are booked at once; above it they wait for a senior or
manager whose own limit covers them (RECOUP_WRITE_OFF_LIMITS, home currency)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from recoup.disputes import history, resolution, selectors, services
from recoup.disputes.models import Dispute, WriteOffRequest
from recoup.ledger.models import FxRate

from .conftest import invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(team, acme, now, as_of, settings) -> Dispute:
    settings.RECOUP_HOME_CURRENCY = "USD"
    settings.RECOUP_WRITE_OFF_LIMITS = {"collector": 10_000, "senior": 100_000, "manager": 1_000_000, "admin": None}
    FxRate.objects.create(currency="EUR", on=as_of - dt.timedelta(days=3), rate=Decimal("1.1"))
    return services.open_dispute(actor=team["collector"], customer=acme, invoices=[invoice("INV-1")], reason="quality", now=now)


def test_above_the_limit_the_write_off_waits_for_approval(team, case, now) -> None:
    made = resolution.propose_write_off(
        actor=team["collector"], case=case, amounts={invoice("INV-1").pk: 50_000}, now=now, note="Damaged in transit"
    )
    assert isinstance(made, WriteOffRequest) and made.status == "pending" and made.total == 50_000
    case.refresh_from_db()
    assert case.status == "in_review" and case.is_open
    assert invoice("INV-1").open_amount == 1_200_000  # nothing booked yet
    assert list(selectors.write_offs_awaiting_approval()) == [made]
    with pytest.raises(services.DisputeError, match="awaits approval"):
        resolution.propose_write_off(actor=team["collector"], case=case, amounts={invoice("INV-1").pk: 1_000}, now=now)
    with pytest.raises(services.DisputeError, match="awaits approval"):
        resolution.resolve_with_credit_notes(actor=team["collector"], case=case, amounts={invoice("INV-1").pk: 1_000}, now=now)
    with pytest.raises(services.NotAllowed):
        resolution.decide_write_off(actor=team["collector"], request=made, approve=True, now=now)

    resolution.decide_write_off(actor=team["senior"], request=made, approve=True, now=now)
    assert invoice("INV-1").open_amount == 1_200_000 - 50_000
    case.refresh_from_db()
    assert (case.status, case.resolution) == ("resolved", "write_off")
    assert selectors.settled_amounts(case) == {"credited": 0, "written_off": 50_000}
    assert history.case_history(case)[-1].text.endswith("approved by Senior Tester; Damaged in transit")
    assert not selectors.write_offs_awaiting_approval().exists()


def test_within_the_limit_it_is_booked_at_once(team, case, now) -> None:
    # €50.00 is $55.00 at 1.1: within the collector's $100.00.
    made = resolution.propose_write_off(actor=team["collector"], case=case, amounts={invoice("INV-1").pk: 5_000}, now=now)
    assert isinstance(made, Dispute) and made.resolution == "write_off"
    assert invoice("INV-1").open_amount == 1_195_000
    assert invoice("WO-INV-1-1").attributes == {"write_off": True}


def test_an_approver_needs_a_limit_that_covers_it(team, case, now) -> None:
    made = resolution.propose_write_off(actor=team["collector"], case=case, amounts={invoice("INV-1").pk: 200_000}, now=now)
    with pytest.raises(services.DisputeError, match="beyond your own approval limit"):
        resolution.decide_write_off(actor=team["senior"], request=made, approve=True, now=now)
    resolution.decide_write_off(actor=team["manager"], request=made, approve=True, now=now)
    assert invoice("INV-1").open_amount == 1_000_000


def test_a_rejected_write_off_leaves_the_case_in_review(team, case, now) -> None:
    made = resolution.propose_write_off(actor=team["collector"], case=case, amounts={invoice("INV-1").pk: 50_000}, now=now)
    resolution.decide_write_off(actor=team["senior"], request=made, approve=False, now=now)
    made.refresh_from_db()
    case.refresh_from_db()
    assert (made.status, made.decided_by, case.status) == ("rejected", team["senior"], "in_review")
    assert invoice("INV-1").open_amount == 1_200_000
    assert history.case_history(case)[-1].text == "Write-off of €500.00 not approved"


def test_without_an_exchange_rate_no_write_off_is_within_a_limit(team, case, now) -> None:
    FxRate.objects.all().delete()
    made = resolution.propose_write_off(actor=team["senior"], case=case, amounts={invoice("INV-1").pk: 100}, now=now)
    assert isinstance(made, WriteOffRequest)
