"""Import use cases: a file (or a frame) of customers, contacts, invoices or payments → the ledger.

Each import runs in one transaction and is all-or-nothing: any bad row rejects the whole file,
every bad row reported, unless `skip_invalid`, which applies the good rows and writes the bad
ones to an error file. Rows are matched to the ledger by their ref, so importing the same file
again changes nothing, and a changed row updates its record. Work is columnar (Polars) and
writes go through `ledger.bulk`; the ORM is not used per row.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from recoup.database.bulk import fetch_frame
from recoup.imports import entities
from recoup.imports.canonical import ENTITIES, LINE
from recoup.imports.errors import FileFormatError, ImportRejected, RowError
from recoup.imports.mapping import CANONICAL, Mapping, load_mapping
from recoup.imports.models import ImportRun
from recoup.imports.reading import drop_unwanted_rows, file_checksum, read_table
from recoup.imports.transform import to_canonical
from recoup.ledger.events import customers_changed

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


@dataclass
class ImportResult:
    entity: str
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    invalid: int = 0
    dry_run: bool = False
    run_id: int | None = None
    checksum: str = ""
    errors: list[RowError] = field(default_factory=list)
    error_file: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)  # per stage: read, prepare, plan, write, commit

    def as_dict(self) -> dict[str, Any]:
        return {
            "entity": self.entity,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "invalid": self.invalid,
            "dry_run": self.dry_run,
            "run_id": self.run_id,
            "checksum": self.checksum,
            "error_file": self.error_file,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
            "errors": [_error_dict(e) for e in self.errors[:1000]],
        }


def _error_dict(error: RowError) -> dict[str, Any]:
    return {"line": error.line, "column": error.column, "value": error.value, "reason": error.reason}


def import_file(
    entity: str,
    path: str | Path,
    *,
    mapping: str | Path | None = None,
    user: Any = None,
    actor_label: str | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    error_file: str | Path | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import one file. Raises ImportRejected (nothing written) when any row is bad."""
    spec = _spec(entity)
    path = Path(path)
    if not path.exists():
        raise FileFormatError(f"{path}: no such file")
    chosen = load_mapping(mapping, entity=entity)
    started = time.perf_counter()
    checksum = file_checksum(path)
    frame = drop_unwanted_rows(read_table(path, chosen.read), chosen.read)
    canonical = to_canonical(frame, chosen, spec)
    read_seconds = time.perf_counter() - started
    if skip_invalid and error_file is None:
        error_file = path.with_name(f"{path.stem}.errors.csv")
    return _run(
        entity,
        canonical.frame,
        canonical.source_names,
        canonical.extra_columns,
        chosen,
        filename=str(path),
        checksum=checksum,
        user=user,
        actor_label=actor_label,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        error_file=Path(error_file) if error_file else None,
        progress=progress,
        read_seconds=read_seconds,
    )


def import_frame(
    entity: str,
    frame: pl.DataFrame,
    *,
    actor_label: str,
    user: Any = None,
    filename: str = "<frame>",
    mapping: Mapping | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Progress | bool | None = None,
) -> ImportResult:
    """Import a frame of text columns in the canonical format (what a CSV file would hold).

    Used by the demo company and by tests; it takes exactly the path a file takes.
    """
    spec = _spec(entity)
    chosen = mapping or CANONICAL
    text = frame.with_columns([pl.col(c).cast(pl.String) for c in frame.columns if c != LINE])
    text = text.with_columns(
        [
            pl.when(pl.col(c).str.strip_chars() == "").then(None).otherwise(pl.col(c).str.strip_chars()).alias(c)
            for c in text.columns
            if c != LINE
        ]
    )
    if LINE not in text.columns:
        text = text.with_columns(pl.int_range(2, text.height + 2, dtype=pl.Int64).alias(LINE))
    canonical = to_canonical(text, chosen, spec)
    digest = str(abs(hash(tuple(frame.hash_rows().to_list()[:1000]))))
    return _run(
        entity,
        canonical.frame,
        canonical.source_names,
        canonical.extra_columns,
        chosen,
        filename=filename,
        checksum=digest,
        user=user,
        actor_label=actor_label,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        error_file=None,
        progress=_console_progress() if progress is True else (progress or None),
    )


def _spec(entity: str) -> Any:
    if entity not in ENTITIES:
        raise FileFormatError(f"unknown import {entity!r}; choose one of {', '.join(ENTITIES)}")
    return ENTITIES[entity]


def _console_progress() -> Progress:
    from rich.console import Console

    console = Console(stderr=True)

    def report(stage: str, done: int, total: int) -> None:
        console.print(f"  {stage}: {done:,}/{total:,}")

    return report


def _run(
    entity: str,
    frame: pl.DataFrame,
    source_names: dict[str, str],
    extra_columns: tuple[str, ...],
    mapping: Mapping,
    *,
    filename: str,
    checksum: str,
    user: Any,
    actor_label: str | None,
    dry_run: bool,
    skip_invalid: bool,
    error_file: Path | None,
    progress: Progress | None,
    read_seconds: float = 0.0,
) -> ImportResult:
    spec = ENTITIES[entity]
    missing = [c for c in spec.required if c not in frame.columns]
    if missing:
        have = ", ".join(c for c in frame.columns if c != LINE and not c.startswith("__"))
        raise FileFormatError(
            f"the file has no column {', '.join(repr(m) for m in missing)} (required for {entity}); it has: {have}"
        )
    label = actor_label or (getattr(user, "email", None) or "system")
    started = timezone.now()
    result = ImportResult(entity=entity, rows=frame.height, dry_run=dry_run, checksum=checksum)
    result.seconds["read"] = read_seconds
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        result.seconds[stage] = now - clock
        clock = now

    handler = entities.HANDLERS[entity]
    try:
        with transaction.atomic():
            job = entities.Job(
                frame=frame,
                source_names=source_names,
                extra_columns=extra_columns,
                mapping=mapping,
                connection=connection,
                now=started,
                actor_id=getattr(user, "pk", None),
                actor_label=label,
                progress=progress,
            )
            prepared = handler.prepare(job)
            lap("prepare")
            if prepared.check and not skip_invalid:
                raise ImportRejected(prepared.check.errors(), rows=frame.height)
            plan = handler.plan(job, prepared)  # may find more errors, against the ledger
            result.errors = prepared.check.errors()
            result.invalid = int(prepared.check.bad_lines.len())
            if result.errors and not skip_invalid:
                raise ImportRejected(result.errors, rows=frame.height)
            result.created, result.updated, result.unchanged = plan.counts()
            lap("plan")
            if dry_run:
                transaction.set_rollback(True)
                return result
            run = _new_run(entity, filename, checksum, mapping, user, label, started, frame.height, ImportRun.Status.APPLIED)
            run.created, run.updated, run.unchanged, run.invalid = (
                result.created,
                result.updated,
                result.unchanged,
                result.invalid,
            )
            run.error_file = str(error_file or "") if result.errors else ""
            run.save()
            job.run_id = run.pk
            handler.write(job, prepared, plan)
            run.finished_at = timezone.now()
            run.save(update_fields=["finished_at"])
            result.run_id = run.pk
            # The worklist and predictions follow on commit, once for the whole file.
            customers_changed(_customers_in(entity, frame), kind=CHANGE_KIND[entity])
            lap("write")
        lap("commit")
        if not dry_run and result.created + result.updated >= ANALYZE_MIN_ROWS:
            _analyze(ANALYZED_AFTER[entity])
            lap("analyze")
    except ImportRejected as rejection:
        result.invalid = len({e.line for e in rejection.errors})
        _record_rejection(entity, filename, checksum, mapping, user, label, started, frame.height, result)
        raise
    except IntegrityError as exc:
        # The services check every invariant first; reaching the database's own constraints
        # means a rule the checks missed, so say which one rather than show a stack trace.
        refused = ImportRejected(
            [RowError(line=0, column="", value="", reason=f"the database refused the import: {exc}")], rows=frame.height
        )
        _record_rejection(entity, filename, checksum, mapping, user, label, started, frame.height, result)
        raise refused from exc
    if result.errors and error_file is not None:
        result.error_file = str(error_file)
        _write_error_file(error_file, result.errors)
    return result


# After a large import PostgreSQL's planner still has the statistics of the tables before it
# until autovacuum comes round: the first pages would then scan whole tables (a prep sheet read
# all 600k allocations instead of using the index). ANALYZE samples, so it costs about a second.
ANALYZE_MIN_ROWS = 10_000
ANALYZED_AFTER: dict[str, tuple[str, ...]] = {
    "customers": ("ledger_customer", "ledger_contact"),
    "contacts": ("ledger_contact",),
    "invoices": ("ledger_invoice", "ledger_allocation"),
    "payments": ("ledger_payment", "ledger_allocation", "ledger_invoice"),
}


def _analyze(tables: tuple[str, ...]) -> None:
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {qn(table)}")


# What an import changes, for "customer changed" (recoup.ledger.events).
CHANGE_KIND = {"customers": "customer", "contacts": "contact", "invoices": "ledger", "payments": "ledger"}


def _customers_in(entity: str, frame: pl.DataFrame) -> list[int]:
    """The customers a file's rows belong to: by customer_ref, and for payments that name only
    their invoice, by the invoice's customer. Matched as columns, not a query per row."""
    refs = frame["customer_ref"].cast(pl.String).str.strip_chars() if "customer_ref" in frame.columns else None
    customers = fetch_frame(
        connection, "SELECT id, customer_ref FROM ledger_customer", schema={"id": pl.Int64, "customer_ref": pl.String}
    )
    ids = pl.Series("id", [], dtype=pl.Int64)
    if refs is not None:
        wanted = refs.drop_nulls().unique().to_frame("customer_ref")
        ids = customers.join(wanted, on="customer_ref", how="semi")["id"]
    unnamed = frame if refs is None else frame.filter(refs.is_null() | (refs == ""))
    if entity == "payments" and "invoice_ref" in frame.columns and unnamed.height:
        invoice_refs = unnamed["invoice_ref"].cast(pl.String).str.strip_chars().drop_nulls().unique().to_frame("invoice_ref")
        invoices = fetch_frame(
            connection,
            "SELECT customer_id, invoice_ref FROM ledger_invoice",
            schema={"customer_id": pl.Int64, "invoice_ref": pl.String},
        )
        ids = pl.concat([ids, invoices.join(invoice_refs, on="invoice_ref", how="semi")["customer_id"].alias("id")])
    return ids.unique().to_list()


def _new_run(
    entity: str,
    filename: str,
    checksum: str,
    mapping: Mapping,
    user: Any,
    label: str,
    started: dt.datetime,
    rows: int,
    status: str,
) -> ImportRun:
    return ImportRun.objects.create(
        entity=entity,
        filename=filename[:500],
        checksum=checksum,
        mapping=mapping.name,
        user=user if getattr(user, "pk", None) else None,
        actor_label=label,
        started_at=started,
        status=status,
        rows=rows,
    )


def _record_rejection(
    entity: str,
    filename: str,
    checksum: str,
    mapping: Mapping,
    user: Any,
    label: str,
    started: dt.datetime,
    rows: int,
    result: ImportResult,
) -> None:
    run = _new_run(entity, filename, checksum, mapping, user, label, started, rows, ImportRun.Status.REJECTED)
    run.finished_at = timezone.now()
    run.invalid = result.invalid
    run.save(update_fields=["finished_at", "invalid"])


def _write_error_file(path: Path, errors: list[RowError]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["line", "column", "value", "reason"])
        for e in errors:
            writer.writerow([e.line, e.column, _neutralise(e.value), e.reason])


def _neutralise(value: str) -> str:
    """A cell that a spreadsheet would run as a formula is written as text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def summary_json(result: ImportResult) -> str:
    return json.dumps(result.as_dict(), default=str)
