"""Fault injection of the follow-up run and the sending worker (run by test_fault_injection.py).

``python -m tests.dunning.fault_driver OUT.json`` in a fresh data directory (SQLite) or with
RECOUP_DATABASE_URL naming an empty PostgreSQL database:

1. migrates, builds a ledger of customers whose items reach sequence steps on successive
   business days, and starts a real SMTP server (aiosmtpd) that records every Message-ID;
2. for each day: asks a dry run what is due, then forks the run and kills it with SIGKILL (inside
   the decision loop at the n-th message composed, just before its transaction commits, just
   after the commit but before anything is handed to the worker, or after a random delay) until
   the kills are spent and then lets one run finish; then forks the sending worker and kills it
   (right after the server accepted the n-th message and before its status is written, right
   after the status write, or after a random delay);
3. after 50 kills, lets the worker finish and writes what was lost and what was delivered twice.

Forking a warmed-up process (Django imported) makes a kill-and-restart cost milliseconds, so the
50 rounds take seconds rather than the minutes that 50 interpreter starts would. The parent never
runs a decision itself: Polars' thread pool does not survive a fork, so every decision (the dry
runs too) happens in a child.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import random
import signal
import sys
import time
import traceback
from collections import Counter
from typing import Any

KILLS = int(os.environ.get("FAULT_KILLS", "50"))
SEED = int(os.environ.get("FAULT_SEED", "13"))
CUSTOMERS = 48
# A run costs far more than a worker's batch (a decision over every customer), so each day has one
# killed run and up to eight killed workers; the kill points take turns, so each is hit.
RUN_KILLS_PER_DAY = 1
SEND_KILLS_PER_DAY = 8
MAX_DAYS = 250
# Business days at 11:00 in New York (the customers' zone): each reaches new steps for some items.
FIRST_DAY = dt.datetime(2026, 3, 11, 15, 0, tzinfo=dt.UTC)
RUN_MODES = ("compose", "commit-before", "commit-after", "delay")
SEND_MODES = ("accepted", "status_written", "delay")


def business_days(count: int) -> list[dt.datetime]:
    days: list[dt.datetime] = []
    at = FIRST_DAY
    while len(days) < count:
        if at.weekday() < 5:
            days.append(at)
        at += dt.timedelta(days=1)
    return days


def add_fresh_invoices(at: dt.datetime, day_number: int) -> None:
    """New invoices every business day, due in three days (what a daily ERP import brings): the
    run always has reminders to send, so the 50 kills never wait for a ledger that has run dry,
    however the kills' timing fell on this machine."""
    from recoup.ledger.models import Customer, Invoice

    customers = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    for k in range(3):
        customer_id = customers[(day_number * 3 + k) % len(customers)]
        due = at.date() + dt.timedelta(days=3)
        Invoice.objects.create(
            customer_id=customer_id,
            invoice_ref=f"N-{day_number:03d}-{k}",
            issue_date=due - dt.timedelta(days=30),
            due_date=due,
            currency="USD",
            amount=50_000 + 1_000 * k,
            open_amount=50_000 + 1_000 * k,
        )


def build_ledger() -> None:
    from recoup.ledger.models import Contact, Customer, Invoice

    rng = random.Random(SEED)
    for n in range(CUSTOMERS):
        customer = Customer.objects.create(
            customer_ref=f"F-{n:03d}", name=f"Fault Customer {n}", timezone="America/New_York", country="US", currency="USD"
        )
        Contact.objects.create(customer=customer, name=f"Payables {n}", email=f"ap{n}@faults.example", is_primary=True, role="AP")
        for k in range(rng.choice((1, 1, 2))):
            # Due dates from 6 days ahead to 40 days ago on the first day: over the days the
            # items pass the reminder, the overdue notice, the second notice and the final letter.
            due = FIRST_DAY.date() + dt.timedelta(days=rng.randint(-40, 6))
            Invoice.objects.create(
                customer=customer,
                invoice_ref=f"F-{n:03d}-{k}",
                issue_date=due - dt.timedelta(days=30),
                due_date=due,
                currency="USD",
                amount=(amount := rng.randint(5_000, 900_000)),
                open_amount=amount,
            )


# --- children ------------------------------------------------------------------------------------


def _kill_self() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def child_run(at: dt.datetime, mode: str, n: int) -> None:
    from django.db.backends.base.base import BaseDatabaseWrapper

    from recoup.dunning import composing, services

    if mode == "compose":
        real = composing.compose
        calls = [0]

        def compose(**kwargs: Any) -> Any:
            calls[0] += 1
            if calls[0] >= n:
                _kill_self()
            return real(**kwargs)

        composing.compose = compose  # type: ignore[assignment]
    elif mode in ("commit-before", "commit-after"):
        real_commit = BaseDatabaseWrapper._commit  # type: ignore[attr-defined]

        def _commit(self: Any) -> None:
            if mode == "commit-before":
                _kill_self()
            real_commit(self)
            _kill_self()  # committed; nothing handed to the worker yet

        BaseDatabaseWrapper._commit = _commit  # type: ignore[attr-defined]
    services.run_followups(at=at, dry_run=False)


def child_dry_run(at: dt.datetime, path: str) -> None:
    from recoup.dunning import services

    with open(path, "w") as fh:
        json.dump(services.run_followups(at=at, dry_run=True).as_json(), fh)


def child_send(mode: str, n: int) -> None:
    from django.utils import timezone

    from recoup.dunning import sending

    if mode in ("accepted", "status_written"):
        os.environ["RECOUP_FAULT_POINT"] = f"{mode}:{n}"
    sending.send_now(None, now=timezone.now())


def fork(target: Any, *args: Any, delay: float | None = None) -> bool:
    """Run ``target`` in a child; True when the child was killed (by itself or after ``delay``)."""
    from django.db import connections

    if os.environ.get("FAULT_VERBOSE"):
        print(f"{time.monotonic():.1f} fork {target.__name__}{args} delay={delay}", file=sys.stderr, flush=True)

    connections.close_all()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            target(*args)
            connections.close_all()
        except BaseException:  # the child reports and leaves; the parent judges
            traceback.print_exc()
            code = 1
        os._exit(code)
    if delay is not None:
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline:
            done, _status = os.waitpid(pid, os.WNOHANG)
            if done:
                return False
            time.sleep(0.002)
        os.kill(pid, signal.SIGKILL)
    _pid, status = os.waitpid(pid, 0)
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) != 0:
        raise RuntimeError(f"a child failed without being killed ({target.__name__}{args})")
    return os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


# --- the experiment ------------------------------------------------------------------------------


def main(out_path: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recoup.settings")
    os.environ["RECOUP_HUEY_IMMEDIATE"] = "0"  # the run queues; the forked worker sends
    lease = float(os.environ.setdefault("RECOUP_OUTBOX_LEASE_SECONDS", "0.3"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from tests.dunning.smtp_sink import Sink, start

    started = time.monotonic()
    call_command("migrate", verbosity=0)
    migrated = time.monotonic()
    build_ledger()
    sink = Sink()
    controller = start(sink)
    from django.conf import settings

    settings.RECOUP_SMTP_URL = sink.url
    os.environ["RECOUP_SMTP_URL"] = sink.url

    from recoup.dunning.models import Message, MessageStatus

    plan_path = os.path.join(os.environ["RECOUP_DATA_DIR"], "plan.json")

    rng = random.Random(SEED)
    kills: Counter[str] = Counter()
    expected: set[tuple[str, str, tuple[str, ...]]] = set()
    windows: set[str] = set()  # accepted by the server, status not written: may go out again
    days = iter(enumerate(business_days(MAX_DAYS)))
    run_turn, send_turn = itertools.count(), itertools.count()

    def seen_since(mark: int) -> list[str]:
        return sink.message_ids()[mark:]

    def note_windows(mark: int) -> None:
        accepted = set(seen_since(mark))
        if accepted:
            unsent = Message.objects.filter(message_id__in=accepted).exclude(status=MessageStatus.SENT)
            windows.update(unsent.values_list("message_id", flat=True))
        connections.close_all()

    def queued() -> int:
        count = Message.objects.filter(status=MessageStatus.QUEUED).count()
        connections.close_all()
        return count

    while sum(kills.values()) < KILLS:
        try:
            day_number, at = next(days)
        except StopIteration:
            raise RuntimeError(f"{MAX_DAYS} business days gave only {dict(kills)} kills") from None
        add_fresh_invoices(at, day_number)
        connections.close_all()  # the children fork with no connection of the parent's
        fork(child_dry_run, at, plan_path)
        with open(plan_path) as fh:
            due_messages = json.load(fh)["messages"]
        emails = [m for m in due_messages if m["channel"] == "email"]
        expected.update((m["customer_ref"], m["step"], tuple(sorted(m["invoice_refs"]))) for m in emails)
        for _ in range(RUN_KILLS_PER_DAY):  # the run, killed
            mode = RUN_MODES[next(run_turn) % len(RUN_MODES)]
            n = rng.randint(1, max(1, len(due_messages)))
            if fork(child_run, at, mode, n, delay=rng.uniform(0.0, 0.8) if mode == "delay" else None):
                kills[f"run:{mode}"] += 1
        fork(child_run, at, "none", 0)  # and restarted: this one finishes
        for _ in range(SEND_KILLS_PER_DAY):  # the worker, killed
            pending = queued()
            if not pending:
                break
            mode = SEND_MODES[next(send_turn) % len(SEND_MODES)]
            mark = len(sink.message_ids())
            if fork(child_send, mode, rng.randint(1, pending), delay=rng.uniform(0.0, 0.3) if mode == "delay" else None):
                kills[f"send:{mode}"] += 1
            note_windows(mark)
            time.sleep(lease + 0.05)  # the dead worker's claims run out
    time.sleep(lease + 0.05)
    mark = len(sink.message_ids())
    fork(child_send, "none", 0)  # the worker, restarted for good
    note_windows(mark)

    received = Counter(sink.message_ids())
    sent = {
        (
            m.customer.customer_ref if m.customer else "",
            m.step_key,
            tuple(sorted(m.items.values_list("invoice__invoice_ref", flat=True))),
        ): m
        for m in Message.objects.filter(channel="email").select_related("customer")
    }
    lost = sorted(key for key in expected if key not in sent or received[sent[key].message_id] == 0)
    duplicates = {mid: n for mid, n in received.items() if n > 1}
    known = set(Message.objects.values_list("message_id", flat=True))
    keys = list(Message.objects.values_list("idempotency_key", flat=True))
    result = {
        "kills": sum(kills.values()),
        "kills_by_point": dict(sorted(kills.items())),
        "expected_emails": len(expected),
        "delivered_message_ids": len(received),
        "lost": [[k[0], k[1], list(k[2])] for k in lost],
        "duplicates": duplicates,
        "acceptance_windows": sorted(windows),
        "duplicates_outside_windows": sorted(set(duplicates) - windows),
        "unknown_message_ids": sorted(set(received) - known),
        "same_decision_twice": len(keys) - len(set(keys)),
        "not_sent": Message.objects.filter(channel="email").exclude(status=MessageStatus.SENT).count(),
        "seconds_migrate": round(migrated - started, 1),
        "seconds_faults": round(time.monotonic() - migrated, 1),
    }
    controller.stop()
    with open(out_path, "w") as fh:
        json.dump(result, fh, indent=2)


if __name__ == "__main__":
    main(sys.argv[1])
