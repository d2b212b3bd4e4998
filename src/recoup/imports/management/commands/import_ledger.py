"""`recoup import customers|contacts|invoices|payments FILE`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recoup.imports.errors import FileFormatError, ImportRejected, MappingError
from recoup.imports.mapping import list_presets
from recoup.imports.services import MAX_LISTED, ImportResult, import_file
from recoup.ledger.canonical import ENTITIES

MAX_ERRORS_SHOWN = 50


class Command(BaseCommand):
    help = "Import a CSV or XLSX file of customers, contacts, invoices or payments (all rows or none)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("entity", choices=sorted(ENTITIES))
        parser.add_argument("file", type=Path)
        parser.add_argument("--mapping", help=f"a preset ({', '.join(list_presets())}) or a mapping file (.toml)")
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="import the good rows; write the bad ones to an error file"
        )
        parser.add_argument("--error-file", type=Path, help="where --skip-invalid writes bad rows (default: FILE.errors.csv)")
        parser.add_argument("--user", help="e-mail of the recoup user the import is recorded against")
        parser.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        user = None
        if opts["user"]:
            from recoup.accounts.models import User

            user = User.objects.filter(email__iexact=opts["user"]).first()
            if user is None:
                raise CommandError(f"no user with e-mail {opts['user']!r}")
        progress = None if (opts["no_progress"] or opts["json"]) else _progress(self.stderr)
        try:
            result = import_file(
                opts["entity"],
                opts["file"],
                mapping=opts["mapping"],
                user=user,
                actor_label=None if user else "cli",
                dry_run=opts["dry_run"],
                skip_invalid=opts["skip_invalid"],
                error_file=opts["error_file"],
                progress=progress,
            )
        except ImportRejected as exc:
            if opts["json"]:
                self.stdout.write(json.dumps({"rejected": True, "errors": [e.__str__() for e in exc.errors]}))
            for error in exc.errors[:MAX_ERRORS_SHOWN]:
                self.stderr.write(str(error))
            more = len(exc.errors) - MAX_ERRORS_SHOWN
            if more > 0:
                self.stderr.write(f"... and {more} more")
            raise CommandError(
                f"{opts['file']}: rejected, nothing imported ({len(exc.errors)} problem(s)). "
                "Fix the rows above, or use --skip-invalid to import the good rows."
            ) from exc
        except (FileFormatError, MappingError) as exc:
            raise CommandError(str(exc)) from exc
        self._report(result, opts)

    def _report(self, result: ImportResult, opts: dict[str, Any]) -> None:
        if opts["json"]:
            self.stdout.write(json.dumps(result.as_dict(), default=str))
            return
        verb = "would import" if result.dry_run else "imported"
        rows = f"{result.rows:,} row{'' if result.rows == 1 else 's'}"
        self.stdout.write(f"{verb} {result.entity} from {opts['file']}: {rows} — {result.counts_text()}")
        for warning in result.warnings[:MAX_ERRORS_SHOWN]:
            self.stdout.write(f"warning: {warning}")
        more = len(result.warnings) - MAX_ERRORS_SHOWN
        if more > 0:
            self.stdout.write(f"... and {more} more warnings (--json lists the first {MAX_LISTED:,})")
        if result.errors:
            for error in result.errors[:MAX_ERRORS_SHOWN]:
                self.stderr.write(str(error))
            if result.error_file:
                self.stderr.write(f"bad rows written to {result.error_file}")


def _progress(stream: Any) -> Any:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), transient=True)
    tasks: dict[str, Any] = {}

    def report(stage: str, done: int, total: int) -> None:
        if not bar.live.is_started:
            bar.start()
        if stage not in tasks:
            tasks[stage] = bar.add_task(f"writing {stage}", total=max(total, 1))
        bar.update(tasks[stage], completed=done, total=max(total, 1))
        if done >= total:
            bar.stop()

    return report
