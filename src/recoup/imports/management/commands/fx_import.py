"""`recoup fx_import FILE`: exchange rates (CSV `currency,on,rate`) for home-currency reports."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recoup.imports.errors import FileFormatError, ImportRejected
from recoup.imports.fx import import_fx_rates


class Command(BaseCommand):
    help = "Import FX rates from a CSV with header currency,on,rate (home-currency units per 1 unit); all rows or none."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument("--json", action="store_true", help="print the result as JSON on stdout")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            result = import_fx_rates(opts["file"], dry_run=opts["dry_run"])
        except ImportRejected as exc:
            for error in exc.errors[:50]:
                self.stderr.write(str(error))
            raise CommandError(f"{opts['file']}: rejected, nothing imported ({len(exc.errors)} problem(s))") from exc
        except FileFormatError as exc:
            raise CommandError(str(exc)) from exc
        if opts["json"]:
            self.stdout.write(json.dumps({"dry_run": opts["dry_run"], **asdict(result)}))
            return
        verb = "would import" if opts["dry_run"] else "imported"
        self.stdout.write(
            f"{verb} FX rates from {opts['file']}: {result.rows} rows — created {result.created}, updated {result.updated}"
            f" ({', '.join(result.currencies)})"
        )
