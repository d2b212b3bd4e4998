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
        # Predictions from the first page view, rather than after the first nightly retrain.
        self.stdout.write("training the payment-prediction model on the demo company ...")
        try:
            call_command("train", stdout=self.stdout)
        except Exception as exc:  # the demo is usable without predictions; say why they are missing
            self.stderr.write(f"warning: the prediction model was not trained ({exc}); run `recoup train` later")
        # Today's calls from the first login, rather than after the first scheduled build.
        call_command("worklist", "--rebuild", "--all-day", stdout=_Quiet())
        self.stdout.write("today's worklist built")


class _Quiet:
    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass
