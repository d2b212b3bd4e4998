"""Importing exchange rates (`recoup fx_import`), for reports and rankings in the home currency.

A rates file is UTF-8 CSV with the header `currency,on,rate` (ISO 4217 code, ISO date,
home-currency units per 1 unit of the currency, `.` decimal point, at most 9 places). Like
the ledger imports, one bad row rejects the whole file and every bad row is reported; a
rate already stored for the same currency and date is replaced.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from recoup.audit.services import record_event
from recoup.imports.errors import FileFormatError, ImportRejected, RowError
from recoup.kernel.money import UnknownCurrency, currency_exponent
from recoup.ledger.models import FxRate

FX_COLUMNS = ("currency", "on", "rate")
RATE_PLACES = 9
RATE_MAX = Decimal(10) ** (24 - RATE_PLACES)


@dataclass(frozen=True, slots=True)
class FxImportResult:
    rows: int
    created: int
    updated: int
    currencies: tuple[str, ...]


def parse_fx_rows(rows: list[dict[str, str]], *, first_line: int = 2) -> tuple[list[FxRate], list[RowError]]:
    """Validated rates from CSV rows (keys as in FX_COLUMNS); errors name the file's line."""
    rates: dict[tuple[str, dt.date], FxRate] = {}
    errors: list[RowError] = []
    for line, row in enumerate(rows, start=first_line):
        problems = len(errors)
        code = (row.get("currency") or "").strip().upper()
        try:
            currency_exponent(code)
        except UnknownCurrency as exc:
            errors.append(RowError(line, "currency", row.get("currency") or "", str(exc)))
        try:
            on = dt.date.fromisoformat((row.get("on") or "").strip())
        except ValueError:
            errors.append(RowError(line, "on", row.get("on") or "", "not a date (YYYY-MM-DD)"))
        text = (row.get("rate") or "").strip()
        try:
            rate = Decimal(text)
            if not rate.is_finite() or rate <= 0 or rate >= RATE_MAX:
                raise InvalidOperation
        except InvalidOperation:
            errors.append(RowError(line, "rate", text, "not a positive decimal number"))
        else:
            # Rounding a rate would change every converted amount silently: refuse instead.
            if rate.as_tuple().exponent < -RATE_PLACES:  # type: ignore[operator]
                errors.append(RowError(line, "rate", text, f"more than {RATE_PLACES} decimal places"))
        if len(errors) == problems:
            key = (code, on)
            if key in rates:
                errors.append(RowError(line, "on", row["on"], f"a second rate for {code} on this date"))
            rates[key] = FxRate(currency=code, on=on, rate=rate)
    return list(rates.values()), errors


def read_fx_file(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip().lower() for h in reader.fieldnames or []]
            missing = [c for c in FX_COLUMNS if c not in header]
            if missing:
                raise FileFormatError(f"{path}: missing column(s) {', '.join(missing)}; the header must be currency,on,rate")
            reader.fieldnames = header
            return list(reader)
    except UnicodeDecodeError as exc:
        raise FileFormatError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except FileNotFoundError:
        raise FileFormatError(f"{path}: no such file") from None


def import_fx_rates(path: str | Path, *, user: Any = None, dry_run: bool = False) -> FxImportResult:
    """Import a rates file; raises ImportRejected (nothing written) when any row is bad."""
    path = Path(path)
    rows = read_fx_file(path)
    rates, errors = parse_fx_rows(rows)
    if errors:
        raise ImportRejected(errors, rows=len(rows))
    with transaction.atomic():
        existing = set(
            FxRate.objects.filter(currency__in={r.currency for r in rates}, on__in={r.on for r in rates}).values_list(
                "currency", "on"
            )
        )
        updated = sum((r.currency, r.on) in existing for r in rates)
        result = FxImportResult(
            rows=len(rows), created=len(rates) - updated, updated=updated, currencies=tuple(sorted({r.currency for r in rates}))
        )
        if dry_run:
            return result
        FxRate.objects.bulk_create(
            rates, update_conflicts=True, unique_fields=["currency", "on"], update_fields=["rate", "updated_at"]
        )
        # One summary event per file: rates are reference data, not customer books.
        record_event(
            actor=user,
            action="fx.import",
            obj=path.name,
            after={
                "file": str(path),
                "created": result.created,
                "updated": result.updated,
                "currencies": list(result.currencies),
            },
            at=timezone.now(),
        )
    return result
