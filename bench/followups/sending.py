"""Sending benchmark: the outbox worker against a local SMTP sink, beside a straightforward sender.

    .venv/bin/python -m bench.followups.sending [--messages 2000] [--only sqlite|postgresql]

For each database (a fresh SQLite file; PostgreSQL at RECOUP_BENCH_PG_URL, default
postgres://postgres@127.0.0.1:5432/recoup_bench_sending, created and dropped here): migrate, write
``--messages`` queued e-mails (one per customer, as a run writes them), then time

- ``outbox``: ``recoup.dunning.sending.send_now`` — claims in batches, one reused SMTP connection,
  one status UPDATE per message right after the server's answer, the activity-log entries per
  batch in one transaction;
- ``baseline``: the straightforward loop — per message a new SMTP connection
  (``smtplib.SMTP().send_message``), then ``save()`` of its status and ``log_activity`` in its own
  transaction.

The sink is aiosmtpd in a separate process (so it does not share the interpreter's lock with the
sender), accepting everything. Results: bench/results/followups-sending.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("RECOUP_BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/recoup_bench_sending")

SINK = """
import asyncio, sys
from aiosmtpd.controller import Controller
class H:
    n = 0
    async def handle_DATA(self, server, session, envelope):
        H.n += 1
        return f"250 2.0.0 Ok: queued as {H.n}"
c = Controller(H(), hostname="127.0.0.1", port=int(sys.argv[1]))
c.start()
print("ready", flush=True)
sys.stdin.read()
c.stop()
"""


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _populate(count: int, tag: str) -> list[int]:
    from django.utils import timezone

    from recoup.dunning import outbox
    from recoup.dunning.models import Message
    from recoup.ledger.models import Contact, Customer

    now = timezone.now()
    customers = Customer.objects.bulk_create(
        Customer(customer_ref=f"B{tag}-{i:06d}", name=f"Bench customer {i}", country="US", currency="USD") for i in range(count)
    )
    Contact.objects.bulk_create(
        Contact(customer=c, name="Payables", email=f"ap{i}@bench.example", is_primary=True) for i, c in enumerate(customers)
    )
    body = "Dear Payables,\n\nthe following invoice is overdue:\n\nINV-1  November 1, 2026  30  $1,000.00\n\nKind regards"
    messages = []
    for c in customers:
        key = outbox.idempotency_key(c.pk, f"bench-{tag}", [c.pk])
        messages.append(
            Message(
                customer=c,
                step_key=f"bench-{tag}",
                channel="email",
                idempotency_key=key,
                message_id=outbox.message_id_for(key),
                to_name="Payables",
                to_address=f"ap{c.pk}@bench.example",
                subject="Overdue invoice",
                body_text=body,
                body_html="<p>" + body.replace("\n", "<br>") + "</p>",
                totals={"USD": 100_000},
                created_at=now,
            )
        )
    return [m.pk for m in Message.objects.bulk_create(messages)]


def _outbox(ids: list[int]) -> dict[str, Any]:
    from django.utils import timezone

    from recoup.dunning import sending

    started = time.perf_counter()
    done = sending.send_now(None, now=timezone.now())
    seconds = time.perf_counter() - started
    assert len(done.sent) == len(ids), (len(done.sent), len(ids))
    return {"messages": len(ids), "seconds": round(seconds, 3), "messages_per_second": round(len(ids) / seconds, 1)}


def _baseline(ids: list[int], url: str) -> dict[str, Any]:
    import smtplib

    from django.db import transaction
    from django.utils import timezone

    from recoup.activities.services import log_activity
    from recoup.dunning import delivery
    from recoup.dunning.models import Message

    server = delivery.smtp_server(url)
    assert server is not None
    started = time.perf_counter()
    for message in Message.objects.filter(pk__in=ids).select_related("customer").order_by("pk"):
        with smtplib.SMTP(server.host, server.port) as smtp:
            smtp.send_message(delivery.as_email(message))
        with transaction.atomic():
            message.status, message.sent_at, message.attempts = "sent", timezone.now(), message.attempts + 1
            message.save(update_fields=["status", "sent_at", "attempts"])
            customer = message.customer
            assert customer is not None
            message.activity = log_activity(
                actor=None, customer=customer, at=timezone.now(), channel="email", outcome="sent", notes=message.subject
            )
            message.save(update_fields=["activity"])
    seconds = time.perf_counter() - started
    return {"messages": len(ids), "seconds": round(seconds, 3), "messages_per_second": round(len(ids) / seconds, 1)}


def child(count: int) -> dict[str, Any]:
    """In a process whose environment names the database: migrate, populate, time both."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    port = _free_port()
    sink = subprocess.Popen([sys.executable, "-c", SINK, str(port)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert sink.stdout is not None and sink.stdout.readline().strip() == "ready"
        url = f"smtp://127.0.0.1:{port}"
        from django.conf import settings

        settings.RECOUP_SMTP_URL = url
        outbox_ids = _populate(count, "o")
        measured = {"outbox": _outbox(outbox_ids)}
        baseline_ids = _populate(count, "b")
        measured["baseline"] = _baseline(baseline_ids, url)
    finally:
        if sink.stdin:
            sink.stdin.close()
        sink.wait(timeout=30)
    measured["speed-up"] = round(measured["outbox"]["messages_per_second"] / measured["baseline"]["messages_per_second"], 1)
    return measured


def _postgres(create: bool) -> None:
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(PG_URL)
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "followups-sending.json")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.messages)))
        return
    from bench.machine import describe

    results = []
    for name in ("sqlite", "postgresql"):
        if args.only and args.only != name:
            continue
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "recoup.settings", "RECOUP_HUEY_IMMEDIATE": "1"}
        env.pop("RECOUP_SMTP_URL", None)
        with tempfile.TemporaryDirectory(prefix=f"recoup-sending-{name}-") as scratch:
            env["RECOUP_DATA_DIR"] = scratch
            if name == "postgresql":
                _postgres(create=True)
                env["RECOUP_DATABASE_URL"] = PG_URL
            else:
                env.pop("RECOUP_DATABASE_URL", None)
            try:
                out = subprocess.run(
                    [sys.executable, "-m", "bench.followups.sending", "--child", "--messages", str(args.messages)],
                    cwd=ROOT,
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                )
            finally:
                if name == "postgresql":
                    _postgres(create=False)
        result = {"database": name, **json.loads(out.stdout.strip().splitlines()[-1])}
        print(json.dumps(result), flush=True)
        results.append(result)
    report = {
        "benchmark": "followups-sending",
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": describe(),
        "load_average": os.getloadavg(),
        "notes": [
            "outbox: recoup.dunning.sending.send_now over every queued message: claim (conditional UPDATE per batch of 500),"
            " one SMTP connection for the batch, one status UPDATE per message after the server's answer, activity-log"
            " entries per batch in one transaction.",
            "baseline: per message a new SMTP connection and smtplib's send_message, then save() and log_activity in its"
            " own transaction.",
            "The SMTP sink is aiosmtpd in its own process on 127.0.0.1, accepting everything.",
        ],
        "results": results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
