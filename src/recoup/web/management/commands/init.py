"""`recoup init`: create or upgrade the database; with --demo, load the demo company into an empty one."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Create or migrate the database; --demo loads the demo company when the ledger is empty."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--demo", action="store_true", help="load the demo company if there are no customers yet")
        parser.add_argument("--customers", type=int, default=None)
        parser.add_argument("--invoices", type=int, default=None)

    def handle(self, *args: Any, **opts: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        # Collected and compressed here, once per release, rather than while a server starts.
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write("database ready")
        if not opts["demo"]:
            return
        from recoup.ledger.models import Customer

        if Customer.objects.exists():
            self.stdout.write("the ledger already has customers; the demo company was not loaded")
            return
        extra: dict[str, Any] = {}
        if opts["customers"]:
            extra["customers"] = opts["customers"]
        if opts["invoices"]:
            extra["invoices"] = opts["invoices"]
        from recoup.ledger.clock import today as company_today

        today = company_today()
        call_command("demo", as_of=today.isoformat(), **extra)
        # Today's calls from the first login, rather than after the first scheduled build.
        call_command("worklist", "--rebuild", "--all-day", stdout=_Quiet())
        self.stdout.write("today's worklist built")
        queue_first_training()
        self.stdout.write(
            "the payment-prediction model is queued: the background worker (`recoup serve` starts one) trains it,"
            ' scores every open item and rebuilds the worklist; until then pages say "predictions pending"'
        )


def queue_first_training() -> None:
    """Training takes a minute or more on the demo company; the server need not wait for it.

    The nightly retrain's job, queued now: it trains, scores every open item, and the scoring's
    "customer changed" notice queues a worklist rebuild, so that today's list carries the
    predicted pay dates as soon as they exist.
    """
    from recoup.prediction.tasks import retrain_task

    retrain_task()


class _Quiet:
    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass
