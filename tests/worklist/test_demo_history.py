"""The demo company comes with a collections past, so its worklist shows every kind of call."""

from __future__ import annotations

import datetime as dt

import pytest

from recoup.activities.models import Activity
from recoup.demo.services import load_demo_company
from recoup.disputes.models import Dispute
from recoup.promises.models import Promise
from recoup.worklist import services
from recoup.worklist.models import WorklistEntry

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 11, 25)  # a Wednesday


def test_the_demo_worklist_has_promises_disputes_and_calls() -> None:
    summary = load_demo_company(customers=120, invoices=3000, seed=5, as_of=AS_OF)
    assert summary["history"]["activities"] > 0 and Activity.objects.count() == summary["history"]["activities"]
    assert {"open", "broken"} <= set(Promise.objects.values_list("status", flat=True))
    assert Dispute.objects.filter(status="open").exists() and Dispute.objects.filter(status="rejected").exists()
    services.rebuild(at=dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC))
    on_list = WorklistEntry.objects.filter(status__in=["scheduled", "pool"])
    objectives = set(on_list.values_list("objective", flat=True))
    assert {"secure_date", "broken_promise"} <= objectives
    assert WorklistEntry.objects.filter(exclusion="open_promise").exists()
    # Loading it again adds no second history.
    again = load_demo_company(customers=120, invoices=3000, seed=5, as_of=AS_OF)
    assert again["history"]["activities"] == 0 and again["history"]["fx_rates"] == 0
    # Rates to the home currency for every foreign demo currency, so amounts compare across currencies.
    from recoup.ledger.models import FxRate

    assert summary["history"]["fx_rates"] > 0
    assert FxRate.objects.filter(currency="EUR", on__lte=AS_OF).exists()
