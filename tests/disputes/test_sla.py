"""SLA: a case due soon is on its owner's follow-ups; a breach escalates to a senior — the task
goes to them and the case shows escalated — and raises the customer in the worklist's reasons.
Closing the case closes its follow-up (the worklist hears "customer changed")."""

from __future__ import annotations

import datetime as dt

import pytest

from recoup.disputes import resolution, services
from recoup.disputes.models import Dispute
from recoup.worklist import dispute_tasks
from recoup.worklist import services as worklist
from recoup.worklist.models import Task, WorklistEntry
from recoup.worklist.tasks import dispute_sla_task

from .conftest import invoice

pytestmark = pytest.mark.django_db


def _case(team, acme, now, as_of, ref: str, sla_in_days: int) -> Dispute:
    case = services.open_dispute(actor=team["collector"], customer=acme, invoices=[invoice(ref)], reason="pricing", now=now)
    Dispute.objects.filter(pk=case.pk).update(
        opened_on=as_of - dt.timedelta(days=20), sla_due=as_of + dt.timedelta(days=sla_in_days)
    )
    case.refresh_from_db()
    return case


def _sla_tasks() -> dict[int | None, Task]:
    return {t.dispute_id: t for t in Task.objects.filter(kind=Task.Kind.DISPUTE_SLA, status=Task.Status.OPEN)}


def test_a_breach_escalates_to_a_senior_and_a_case_due_soon_is_on_its_owners_tasks(team, acme, now, as_of) -> None:
    breached = _case(team, acme, now, as_of, "INV-1", -2)
    soon = _case(team, acme, now, as_of, "INV-2", 1)
    later = _case(team, acme, now, as_of, "INV-3", 10)

    assert dispute_sla_task.call_local() == {"escalated": 1, "customers": 1}

    breached.refresh_from_db()
    assert breached.escalated_to == team["senior"] and breached.escalated_at is not None
    tasks = _sla_tasks()
    assert set(tasks) == {breached.pk, soon.pk}  # `later` is not due soon
    assert tasks[breached.pk].user == team["senior"]
    assert "SLA passed" in tasks[breached.pk].title and "escalated to you" in tasks[breached.pk].title
    assert tasks[soon.pk].user == team["collector"] and "resolve by" in tasks[soon.pk].title
    assert tasks[soon.pk].due_at >= now
    soon.refresh_from_db()
    later.refresh_from_db()
    assert soon.escalated_at is None and later.escalated_at is None

    # Idempotent: a second run escalates nothing again and makes no second task.
    assert dispute_sla_task.call_local() == {"escalated": 0, "customers": 0}
    assert Task.objects.filter(kind=Task.Kind.DISPUTE_SLA).count() == 2


def test_an_owners_task_goes_to_the_senior_when_the_case_is_escalated(team, acme, now, as_of) -> None:
    case = _case(team, acme, now, as_of, "INV-1", 0)  # due today: on the owner's list
    dispute_tasks.sync(now=now)
    assert _sla_tasks()[case.pk].user == team["collector"]
    Dispute.objects.filter(pk=case.pk).update(sla_due=as_of - dt.timedelta(days=1))
    services.escalate_breached(now=now)
    dispute_tasks.sync(now=now)
    task = _sla_tasks()[case.pk]
    assert task.user == team["senior"] and task.due_at <= now
    assert Task.objects.filter(kind=Task.Kind.DISPUTE_SLA).count() == 1  # handed over, not duplicated


def test_a_breach_raises_the_customer_in_the_worklists_reasons(team, acme, now, as_of) -> None:
    _case(team, acme, now, as_of, "INV-2", -3)
    worklist.rebuild(at=now)
    entry = WorklistEntry.objects.get(customer=acme)
    breach = [r for r in entry.reasons if r.startswith("Dispute past its SLA since")]
    assert breach and breach[0].endswith("(+25)")


def test_closing_the_case_closes_its_follow_up(team, acme, now, as_of, django_capture_on_commit_callbacks) -> None:
    case = _case(team, acme, now, as_of, "INV-1", -1)
    dispute_sla_task.call_local()
    assert case.pk in _sla_tasks()
    with django_capture_on_commit_callbacks(execute=True):
        resolution.reject(actor=team["senior"], case=case, why="Price was as quoted", now=now)
    assert case.pk not in _sla_tasks()
    assert Task.objects.get(dispute=case).status == Task.Status.DONE


def test_the_breach_rule_fires_the_day_after_the_due_date() -> None:
    from recoup.worklist.rules import RuleSpec, StrategySpec, parse_strategy, reason_text, valuate
    from tests.worklist.builders import customer, customers_frame, item, items_frame

    as_of = dt.date(2026, 11, 23)
    spec = StrategySpec(rules=(RuleSpec("dispute_sla_breached", 25, {}),))
    items = items_frame([item(c, f"I-{c}", 100_000, as_of - dt.timedelta(days=30)) for c in (1, 2, 3)])
    customers = customers_frame(
        [
            customer(1, open_dispute_sla_due=as_of - dt.timedelta(days=1)),
            customer(2, open_dispute_sla_due=as_of),  # due today: not yet breached
            customer(3),
        ]
    )
    now = dt.datetime(2026, 11, 23, 15, tzinfo=dt.UTC)
    out = valuate(items, customers, spec, as_of=as_of, now=now).sort("customer_id")
    assert out["points"].to_list() == [25, 0, 0]
    row = out.row(0, named=True)
    assert reason_text(spec.rules[0], row, str, as_of) == "Dispute past its SLA since Sun 22 Nov 2026 (+25)"
    assert parse_strategy({"rules": [{"kind": "dispute_sla_breached"}]}).rules[0].points == 25
