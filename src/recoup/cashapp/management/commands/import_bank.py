"""`recoup import bank FILE [--dry-run] [--json]`: a bank statement, matched and applied."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from recoup.cashapp.formats import BankFileError
from recoup.cashapp.formats.tabular import load_mapping
from recoup.cashapp.services import import_statement


class Command(BaseCommand):
    help = "Import a bank statement (camt.052/053/054, BAI2, MT940, OFX/QFX, NACHA, CSV) and apply its payments."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--mapping", type=Path, help="a mapping file (.toml) for a CSV statement")
        parser.add_argument("--dry-run", action="store_true", help="read and match, write nothing")
        parser.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
        parser.add_argument("--user", help="e-mail of the recoup user the import is recorded against")

    def handle(self, *args: Any, **opts: Any) -> None:
        user = None
        if opts["user"]:
            from recoup.accounts.models import User

            user = User.objects.filter(email__iexact=opts["user"]).first()
            if user is None:
                raise CommandError(f"no user with e-mail {opts['user']!r}")
        path: Path = opts["file"]
        try:
            data = path.read_bytes()
            mapping = load_mapping(opts["mapping"].read_text(), str(opts["mapping"])) if opts["mapping"] else None
            outcome = import_statement(
                data, path.name, actor=user, now=timezone.now(), dry_run=opts["dry_run"], csv_mapping=mapping
            )
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from exc
        except BankFileError as exc:
            raise CommandError(f"{path}: rejected, nothing imported: {exc}") from exc
        if opts["json"]:
            self.stdout.write(json.dumps(outcome.as_json()))
            return
        verb = "would import" if outcome.dry_run else "imported"
        counts = ", ".join(f"{n} {status}" for status, n in sorted(outcome.counts().items())) or "no lines"
        self.stdout.write(f"{verb} {outcome.bank_file.format} statement from {path}: {len(outcome.lines)} lines — {counts}")
        if outcome.already_imported:
            self.stdout.write(f"{outcome.already_imported} line(s) were imported before and are left as they are")
        for warning in outcome.bank_file.warnings:
            self.stdout.write(f"warning: {warning}")
