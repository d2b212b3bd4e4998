"""What every entity handler shares: the job, its plan, and the columnar pieces they are built of.

Everything here is columnar. `prepare` never touches the database except to read the refs
rows point at; `plan` reads what exists; `write` is the only step that writes, and it runs in
the transaction the service opened.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import polars as pl
from django.db.backends.base.base import BaseDatabaseWrapper

from recoup.audit.services import bulk_insert_frame
from recoup.database.bulk import fetch_frame
from recoup.imports.errors import RowError
from recoup.imports.mapping import Mapping
from recoup.imports.parsing import Checker
from recoup.kernel.money import UnknownCurrency, currency_exponent

EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


@dataclass
class Job:
    frame: pl.DataFrame
    source_names: dict[str, str]
    extra_columns: tuple[str, ...]
    mapping: Mapping
    connection: BaseDatabaseWrapper
    now: dt.datetime
    actor_id: int | None
    actor_label: str
    progress: Callable[[str, int, int], None] | None = None
    run_id: int | None = None
    # Cells the reader could not take as values (an XLSX formula without a cached value).
    read_errors: list[RowError] = field(default_factory=list)

    def checker(self) -> Checker:
        return Checker(self.source_names, self.read_errors)

    def report(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)


@dataclass
class Prepared:
    rows: pl.DataFrame  # valid rows only, typed
    check: Checker


@dataclass
class Plan:
    """Records (not rows) to create and update, and how many are unchanged. `merged`: rows of
    the file that went into the record of an earlier row (the further invoices one payment
    settles, the further lines of one invoice), so that every row is counted exactly once."""

    created: pl.DataFrame
    updated: pl.DataFrame
    unchanged: int
    merged: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> tuple[int, int, int, int]:
        return self.created.height, self.updated.height, self.unchanged, self.merged


class Handler(Protocol):
    def prepare(self, job: Job) -> Prepared: ...
    def plan(self, job: Job, prepared: Prepared) -> Plan: ...
    def write(self, job: Job, prepared: Prepared, plan: Plan) -> None: ...


def ensure_columns(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """Optional columns the file left out, as empty text columns."""
    missing = [c for c in columns if c not in frame.columns]
    return frame.with_columns([pl.lit(None, dtype=pl.String).alias(c) for c in missing]) if missing else frame


def attributes(frame: pl.DataFrame, extra: tuple[str, ...]) -> pl.Series:
    """Every column recoup does not know, kept as JSON on the record (empty cells left out,
    so adding an empty column to an export does not count as a change)."""
    if not extra:
        return pl.Series("attributes", ["{}"] * frame.height, dtype=pl.String)
    encoded = [
        json.dumps({k: v for k, v in row.items() if v is not None}, ensure_ascii=False, sort_keys=True)
        for row in frame.select(extra).iter_rows(named=True)
    ]
    return pl.Series("attributes", encoded, dtype=pl.String)


def fingerprint(frame: pl.DataFrame, columns: list[str]) -> pl.Series:
    """A stable digest of a row's meaningful values (Polars' own hash may change between versions).

    Each value is written as its length and its text, so no two different rows can encode alike.
    The digest is stored: the columns and their order are part of what the next import compares.
    """
    parts = []
    for column in columns:
        dtype = frame.schema[column]
        text = (
            pl.col(column).struct.json_encode()
            if isinstance(dtype, pl.Struct)
            else (
                pl.col(column).list.eval(pl.element().struct.json_encode()).list.join(",")
                if isinstance(dtype, pl.List)
                else pl.col(column).cast(pl.String)
            )
        )
        # concat_str is null when any part is: a null value becomes "-".
        parts.append(pl.concat_str([text.str.len_bytes().cast(pl.String), pl.lit(":"), text]).fill_null("-"))
    encoded = frame.select(pl.concat_str(parts, separator="|").cast(pl.Binary).alias("j"))["j"].to_list()
    blake = hashlib.blake2b
    digests = pl.Series("import_hash", [blake(b, digest_size=16).digest() for b in encoded], dtype=pl.Binary)
    return digests.bin.encode("hex")


def with_exponents(frame: pl.DataFrame, check: Checker, column: str) -> pl.DataFrame:
    """Validate currency codes and attach each row's minor-unit exponent as `__exp`."""
    frame = frame.with_columns(pl.col(column).str.to_uppercase())
    table: dict[str, int] = {}
    for code in frame[column].drop_nulls().unique().to_list():
        try:
            table[code] = currency_exponent(code)
        except UnknownCurrency:
            continue
    check.flag(frame, pl.col(column).is_not_null() & ~pl.col(column).is_in(list(table)), column, "not an ISO 4217 currency code")
    return frame.with_columns(pl.col(column).replace_strict(table, default=None, return_dtype=pl.Int64).alias("__exp"))


def known_customers(job: Job) -> pl.DataFrame:
    """The ledger's customers as the rows of other files name them: by ref."""
    return fetch_frame(
        job.connection,
        "SELECT id, customer_ref, currency, payment_terms_days, country FROM ledger_customer",
        schema={
            "customer_id": pl.Int64,
            "customer_ref": pl.String,
            "cust_currency": pl.String,
            "cust_terms": pl.Int64,
            "cust_country": pl.String,
        },
    )


def audit(job: Job, object_type: str, changes: pl.DataFrame, *, created: pl.Series | None = None) -> None:
    """Audit an import: one event per changed row (before/after), one for all the rows it created.

    Created rows point at the import run (actor, time, file checksum), so a creation is traced
    without writing a second row for each of a million invoices; every later change to them
    gets an event of its own.
    """
    if created is not None and created.len():
        summary = {"created": created.len(), "first": created[0], "last": created[-1], "import_run": job.run_id}
        event = {
            "object_id": [None],
            "object_ref": [f"{created.len()} rows"],
            "action": ["import.create"],
            "before": [None],
            "after": [json.dumps(summary)],
        }
        changes = pl.concat([changes, pl.DataFrame(event, schema=changes.schema)])
    if changes.height == 0:
        return
    frame = changes.select(
        now_expr(job).alias("at"),
        pl.lit(job.actor_id, dtype=pl.Int64).alias("actor_id"),
        pl.lit(job.actor_label).alias("actor_label"),
        pl.col("action"),
        pl.lit(object_type).alias("object_type"),
        pl.col("object_id").cast(pl.Int64),
        pl.col("object_ref").str.slice(0, 200),
        pl.col("before"),
        pl.col("after"),
        pl.lit(job.run_id, dtype=pl.Int64).alias("import_run_id"),
    )
    bulk_insert_frame(frame)


def update_events(updated: pl.DataFrame, *, ref: pl.Expr | str, before: pl.Expr, after: Any) -> pl.DataFrame:
    """Audit rows for updated records: each with its values before and after the import."""
    return updated.select(
        pl.col("id").alias("object_id"),
        (pl.col(ref) if isinstance(ref, str) else ref).alias("object_ref"),
        pl.lit("import.update").alias("action"),
        before.struct.json_encode().alias("before"),
        pl.struct(after).struct.json_encode().alias("after"),
    )


def now_expr(job: Job) -> pl.Expr:
    return pl.lit(job.now.astimezone(dt.UTC).replace(tzinfo=None)).dt.replace_time_zone("UTC")


def stamp(job: Job, frame: pl.DataFrame, *, created: bool) -> pl.DataFrame:
    """Timestamps (and, for new rows, the run that created them)."""
    now = now_expr(job)
    cols = [now.alias("updated_at")]
    if created:
        cols.append(now.alias("created_at"))
        cols.append(pl.lit(job.run_id, dtype=pl.Int64).alias("import_run_id"))
    return frame.with_columns(cols)


def split_existing(rows: pl.DataFrame, existing: pl.DataFrame, keys: list[str]) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """New rows, changed rows (with the existing id and `before`), and how many are unchanged."""
    joined = rows.join(existing, on=keys, how="left", suffix="_old", nulls_equal=True)
    created = joined.filter(pl.col("id").is_null()).drop([c for c in joined.columns if c.endswith("_old")] + ["id"])
    matched = joined.filter(pl.col("id").is_not_null())
    updated = matched.filter(pl.col("import_hash") != pl.col("import_hash_old"))
    return created, updated, matched.height - updated.height
