"""`recoup demo`: build the demo company (users, customers, contacts, invoices, payments)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recoup.demo.services import DEFAULT_CUSTOMERS, DEFAULT_INVOICES, DEFAULT_SEED, load_demo_company
from recoup.imports.errors import ImportRejected
from recoup.ledger import clock


class Command(BaseCommand):
    help = "Build a deterministic demo company: collectors, customers worldwide, two years of invoices and payments."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--customers", type=int, default=DEFAULT_CUSTOMERS, help=f"number of customers (default {DEFAULT_CUSTOMERS})"
        )
        parser.add_argument(
            "--invoices",
            type=int,
            default=DEFAULT_INVOICES,
            help=f"invoices and debit notes; credit notes come on top (default {DEFAULT_INVOICES})",
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help=f"random seed; same seed, same company (default {DEFAULT_SEED})"
        )
        parser.add_argument(
            "--as-of", type=date.fromisoformat, default=None, help="the company's today, YYYY-MM-DD (default: today)"
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON on stdout")

    def handle(self, *args: Any, **opts: Any) -> None:
        as_of = opts["as_of"]
        if isinstance(as_of, str):  # call_command passes options through without parsing them
            as_of = date.fromisoformat(as_of)
        if as_of is None:
            as_of = clock.today()
        if opts["customers"] < 1 or opts["invoices"] < 1:
            raise CommandError("--customers and --invoices must be at least 1")
        try:
            summary = load_demo_company(
                customers=opts["customers"],
                invoices=opts["invoices"],
                seed=opts["seed"],
                as_of=as_of,
                progress=not opts["json"] and opts["verbosity"] > 0,
            )
        except ImportRejected as exc:
            for error in exc.errors[:20]:
                self.stderr.write(str(error))
            raise CommandError(f"the demo company was rejected by the importer: {exc}") from exc
        if opts["json"]:
            self.stdout.write(json.dumps(summary))
            return
        self.stdout.write(f"demo company as of {summary['as_of']} (seed {summary['seed']}):")
        for entity, counts in summary["imports"].items():
            self.stdout.write(
                f"  {entity:<10} {counts['rows']:>9,} rows: {counts['created']:,} created, "
                f"{counts['updated']:,} updated, {counts['unchanged']:,} unchanged"
            )
        seconds = summary["seconds"]
        self.stdout.write(f"  generated in {seconds['generate']}s, imported in {seconds['import']}s")
        self.stdout.write(f"logins (password {summary['password']}, for the demo only):")
        for user in summary["users"]:
            self.stdout.write(f"  {user['email']:<36} {user['role']}")
