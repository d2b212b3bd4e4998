"""`recoup export customers|invoices|open-items --format csv|json|xlsx [--as-of DATE]`."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recoup.ledger import clock
from recoup.ledger.exports import EXPORTS, FORMATS, export_frame, write


class Command(BaseCommand):
    help = "Export customers, invoices or open items (as of a date) as CSV, JSON or XLSX."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=EXPORTS)
        parser.add_argument("--format", choices=FORMATS, default="csv")
        parser.add_argument("--as-of", type=dt.date.fromisoformat, help="open items as of this date (YYYY-MM-DD; default today)")
        parser.add_argument("--output", "-o", type=Path, help="file to write (default: standard output; required for xlsx)")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["format"] == "xlsx" and opts["output"] is None:
            raise CommandError("--format xlsx needs --output FILE")
        as_of = opts["as_of"] or clock.today()
        frame = export_frame(opts["kind"], as_of=as_of)
        data = write(frame, opts["format"], opts["output"])
        if opts["output"] is None:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            self.stderr.write(f"wrote {frame.height} rows to {opts['output']}")
