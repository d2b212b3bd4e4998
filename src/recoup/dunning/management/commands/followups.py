"""`recoup followups run [--at ISO-DATETIME] [--dry-run] [--json]`: send what the sequences say is due."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from recoup.dunning import services
from recoup.dunning.composing import ComposeError
from recoup.dunning.rules import SKIP_REASONS


def _instant(text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"--at {text!r} is not an ISO 8601 date-time (e.g. 2026-11-23T15:00:00Z)") from exc
    if value.tzinfo is None:
        raise CommandError(f"--at {text!r} needs a UTC offset or Z, so the instant is unambiguous")
    return value.astimezone(dt.UTC)


class Command(BaseCommand):
    help = (
        "Follow-ups: for each customer, the items that have reached a step of their strategy's sequence and have "
        "not had it; one message (or call task, escalation, credit hold) per customer and step."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["run"], help="run: decide and send what is due")
        parser.add_argument("--at", help="ISO 8601 instant with offset, e.g. 2026-11-23T15:00:00Z (default: now)")
        parser.add_argument("--dry-run", action="store_true", help="print what a run at that instant would send; write nothing")
        parser.add_argument("--json", action="store_true", help='print {"at", "messages", "actions", "skipped"}')

    def handle(self, *args: Any, **options: Any) -> None:
        at = _instant(options["at"]) if options["at"] else timezone.now()
        try:
            result = services.run_followups(at=at, dry_run=options["dry_run"])
        except ComposeError as exc:
            raise CommandError(f"nothing was sent: {exc}") from exc
        except services.RunConflict as exc:
            raise CommandError(str(exc)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(), indent=2))
            return
        verb = "would send" if options["dry_run"] else "sent"
        self.stdout.write(
            f"{at:%Y-%m-%d %H:%M %Z}: {verb} {len(result.messages)} message(s), "
            f"{len(result.actions)} action(s); {len(result.skipped)} customer(s) skipped"
        )
        for m in result.messages:
            refs = ", ".join(m["invoice_refs"])
            to = m["to"] or "-"
            self.stdout.write(
                f"  {m['customer_ref']:<14} {m['step']:<18} {m['channel']:<7} {to}: {refs} ({m['total']} {m['currency']})"
            )
        for a in result.actions:
            self.stdout.write(f"  {a['customer_ref']:<14} {a['step']:<18} {a['kind']}")
        for s in result.skipped:
            self.stdout.write(f"  skipped {s['customer_ref']}: {SKIP_REASONS.get(s['reason'], s['reason'])}")
