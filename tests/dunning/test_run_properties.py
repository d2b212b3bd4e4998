"""Properties of a run on random ledgers: a dry run says exactly what the run then does, and a
second run at the same instant does nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recoup.dunning.models import Firing, Message
from recoup.dunning.services import run_followups

from .ledger_builders import AS_OF, AT, contact, customer, dispute, ensure_templates, invoice, plan, promise

pytestmark = pytest.mark.django_db

ITEM = st.fixed_dictionaries(
    {
        "days": st.integers(min_value=-6, max_value=60),
        "pause": st.sampled_from([None, None, None, "dispute", "promise", "plan"]),
    }
)
CUSTOMER = st.fixed_dictionaries(
    {
        "items": st.lists(ITEM, min_size=1, max_size=4),
        "zone": st.sampled_from(["America/New_York", "America/New_York", "Asia/Tokyo", "Europe/Berlin"]),
        "email": st.booleans(),
        "dnc": st.sampled_from([False, False, False, True]),
        "status": st.sampled_from(["active", "active", "active", "on_hold"]),
    }
)


def _build(customers: list[dict]) -> None:  # type: ignore[type-arg]
    ensure_templates()
    for n, spec in enumerate(customers):
        country = {"Asia/Tokyo": "JP", "Europe/Berlin": "DE"}.get(spec["zone"], "US")
        cust = customer(f"R{n}", zone=spec["zone"], country=country, status=spec["status"])
        contact(cust, "Primary", email=f"r{n}@example.com" if spec["email"] else "", primary=True, dnc=spec["dnc"])
        for m, item in enumerate(spec["items"]):
            inv = invoice(cust, f"R{n}-{m}", days_overdue=item["days"])
            if item["pause"] == "dispute":
                dispute(cust, inv)
            elif item["pause"] == "promise":
                promise(cust, inv, on=AS_OF + dt.timedelta(days=3))
            elif item["pause"] == "plan":
                plan(cust, inv)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(CUSTOMER, min_size=1, max_size=5))
def test_a_dry_run_says_exactly_what_the_run_does_and_nothing_fires_twice(customers: list[dict]) -> None:  # type: ignore[type-arg]
    with transaction.atomic():
        _build(customers)
        dry = run_followups(at=AT, dry_run=True)
        assert Message.objects.count() == 0 and Firing.objects.count() == 0
        real = run_followups(at=AT, dry_run=False)
        assert real.as_json() == dry.as_json()
        assert Message.objects.count() == len(real.messages)
        again = run_followups(at=AT, dry_run=False)
        assert again.messages == [] and again.actions == []
        # Three weeks later (a Wednesday again): items move on to later steps only.
        before = {i: o for i, o in Firing.objects.values_list("invoice_id", "offset_days")}
        run_followups(at=AT + dt.timedelta(days=21), dry_run=False)
        for invoice_id, offset in Firing.objects.filter(fired_at__gt=AT).values_list("invoice_id", "offset_days"):
            assert invoice_id not in before or offset > before[invoice_id]
        transaction.set_rollback(True)
