"""One handler per importable entity: prepare (parse and check), plan (diff with the ledger), write.

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
from functools import lru_cache
from typing import Any, Protocol

import polars as pl
from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper

from recoup.audit.services import bulk_insert_frame
from recoup.database.bulk import bulk_load, delete_ids, fetch_frame, insert_frame, is_postgres, reserve_ids, update_frame
from recoup.imports.canonical import LINE
from recoup.imports.mapping import Mapping
from recoup.imports.parsing import (
    Checker,
    duplicates,
    known_timezones,
    max_length,
    parse_bool,
    parse_dates,
    parse_int,
    parse_minor,
    require_present,
)
from recoup.imports.transform import CREDIT_FLAG, DUE_BASELINE, DUE_DAYS
from recoup.kernel.money import UnknownCurrency, currency_exponent
from recoup.kernel.phone import InvalidPhone, normalize_phone
from recoup.ledger.balances import recompute_balances

_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
DEFAULT_TERMS_DAYS = 30
CUSTOMER_STATUSES = ["active", "on_hold", "with_agency"]
INVOICE_KINDS = ["invoice", "credit_note", "debit_note"]
PAYMENT_METHODS = ["ach", "wire", "check", "card", "cash", "other"]


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

    def report(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)


@dataclass
class Prepared:
    rows: pl.DataFrame  # valid rows only, typed
    check: Checker


@dataclass
class Plan:
    created: pl.DataFrame
    updated: pl.DataFrame
    unchanged: int
    extra: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> tuple[int, int, int]:
        return self.created.height, self.updated.height, self.unchanged


class Handler(Protocol):
    def prepare(self, job: Job) -> Prepared: ...
    def plan(self, job: Job, prepared: Prepared) -> Plan: ...
    def write(self, job: Job, prepared: Prepared, plan: Plan) -> None: ...


# ---------------------------------------------------------------------------------------
# Shared pieces


def _text(frame: pl.DataFrame, column: str) -> pl.Expr:
    return pl.col(column) if column in frame.columns else pl.lit(None, dtype=pl.String)


def _ensure(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    missing = [c for c in columns if c not in frame.columns]
    return frame.with_columns([pl.lit(None, dtype=pl.String).alias(c) for c in missing]) if missing else frame


def _attributes(frame: pl.DataFrame, extra: tuple[str, ...]) -> pl.Series:
    """Every column recoup does not know, kept as JSON on the record (empty cells left out,
    so adding an empty column to an export does not count as a change)."""
    if not extra:
        return pl.Series("attributes", ["{}"] * frame.height, dtype=pl.String)
    encoded = [
        json.dumps({k: v for k, v in row.items() if v is not None}, ensure_ascii=False, sort_keys=True)
        for row in frame.select(extra).iter_rows(named=True)
    ]
    return pl.Series("attributes", encoded, dtype=pl.String)


def _fingerprint(frame: pl.DataFrame, columns: list[str]) -> pl.Series:
    """A stable digest of a row's meaningful values (Polars' own hash may change between versions).

    Each value is written as its length and its text, so no two different rows can encode alike.
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


def _exponents(frame: pl.DataFrame, check: Checker, column: str) -> pl.DataFrame:
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


def _customers(job: Job) -> pl.DataFrame:
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


def _audit(job: Job, object_type: str, changes: pl.DataFrame, *, created: pl.Series | None = None) -> None:
    """Audit an import: one event per changed row (before/after), one for all the rows it created.

    Created rows point at the import run (actor, time, file checksum), so a creation is traced
    without writing a second row for each of a million invoices; every later change to them
    gets an event of its own.
    """
    if created is not None and created.len():
        changes = pl.concat(
            [
                changes,
                pl.DataFrame(
                    {
                        "object_id": [None],
                        "object_ref": [f"{created.len()} rows"],
                        "action": ["import.create"],
                        "before": [None],
                        "after": [
                            json.dumps(
                                {"created": created.len(), "first": created[0], "last": created[-1], "import_run": job.run_id}
                            )
                        ],
                    },
                    schema=changes.schema,
                ),
            ]
        )
    if changes.height == 0:
        return
    frame = changes.select(
        _now(job).alias("at"),
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


def _update_events(updated: pl.DataFrame, *, ref: pl.Expr | str, before: pl.Expr, after: Any) -> pl.DataFrame:
    """Audit rows for updated records: each with its values before and after the import."""
    return updated.select(
        pl.col("id").alias("object_id"),
        (pl.col(ref) if isinstance(ref, str) else ref).alias("object_ref"),
        pl.lit("import.update").alias("action"),
        before.struct.json_encode().alias("before"),
        pl.struct(after).struct.json_encode().alias("after"),
    )


def _now(job: Job) -> pl.Expr:
    return pl.lit(job.now.astimezone(dt.UTC).replace(tzinfo=None)).dt.replace_time_zone("UTC")


def _stamp(job: Job, frame: pl.DataFrame, *, created: bool) -> pl.DataFrame:
    now = _now(job)
    cols = [now.alias("updated_at")]
    if created:
        cols.append(now.alias("created_at"))
        cols.append(pl.lit(job.run_id, dtype=pl.Int64).alias("import_run_id"))
    return frame.with_columns(cols)


def _split(rows: pl.DataFrame, existing: pl.DataFrame, keys: list[str]) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """New rows, changed rows (with the existing id and `before`), and how many are unchanged."""
    joined = rows.join(existing, on=keys, how="left", suffix="_old", nulls_equal=True)
    created = joined.filter(pl.col("id").is_null()).drop([c for c in joined.columns if c.endswith("_old")] + ["id"])
    matched = joined.filter(pl.col("id").is_not_null())
    updated = matched.filter(pl.col("import_hash") != pl.col("import_hash_old"))
    return created, updated, matched.height - updated.height


# ---------------------------------------------------------------------------------------
# Customers


@lru_cache(maxsize=1)
def _country_codes() -> frozenset[str]:
    from babel import Locale

    return frozenset(
        str(code) for code in Locale("en").territories if isinstance(code, str) and len(code) == 2 and code.isalpha()
    )


def _normalise_phones(frame: pl.DataFrame, check: Checker, column: str, region_column: str) -> pl.DataFrame:
    """Phones to E.164, read in the customer's country when written without a country code."""
    if column not in frame.columns:
        return frame.with_columns(pl.lit("").alias(column))
    values = frame.select(pl.col(column), pl.col(region_column), pl.col(LINE)).to_dicts()
    normalised: list[str | None] = []
    problems: list[tuple[int, str, str]] = []
    for row in values:
        raw = row[column]
        if raw is None:
            normalised.append("")
            continue
        try:
            normalised.append(normalize_phone(raw, row[region_column] or None))
        except InvalidPhone as exc:
            normalised.append(None)
            problems.append((row[LINE], raw, getattr(exc, "reason", None) or str(exc)))
    if problems:
        check.add(
            pl.DataFrame(
                {
                    "line": [p[0] for p in problems],
                    "column": [check.name(column)] * len(problems),
                    "value": [p[1] for p in problems],
                    "reason": [p[2] for p in problems],
                }
            )
        )
    return frame.with_columns(pl.Series(column, normalised, dtype=pl.String))


class CustomersHandler:
    fields = [
        "name",
        "country",
        "region",
        "timezone",
        "currency",
        "payment_terms_days",
        "credit_limit",
        "segment",
        "is_consumer",
        "collector_id",
        "parent_ref",
        "status",
        "attributes",
        "phone",
        "email",
        "contact_name",
    ]

    def prepare(self, job: Job) -> Prepared:
        check = Checker(job.source_names)
        f = _ensure(
            job.frame,
            "country",
            "region",
            "timezone",
            "currency",
            "segment",
            "collector",
            "email",
            "parent_ref",
            "contact_name",
            "status",
            "credit_limit",
        )
        require_present(f, check, ["customer_ref", "name"])
        max_length(f, check, {"customer_ref": 100, "name": 300, "segment": 60, "contact_name": 200, "email": 254})
        duplicates(f, check, ["customer_ref"], "customer_ref")
        f = f.with_columns(
            pl.col("country").str.to_uppercase(),
            pl.col("region").str.to_uppercase(),
            pl.col("currency").str.to_uppercase().fill_null(getattr(settings, "RECOUP_HOME_CURRENCY", "USD")),
            pl.col("status").str.to_lowercase().fill_null("active"),
            pl.col("collector").str.to_lowercase(),
            pl.col("contact_name").fill_null("Accounts Payable"),
            pl.col("segment").fill_null(""),
        )
        check.flag(
            f,
            pl.col("country").is_not_null() & ~pl.col("country").is_in(list(_country_codes())),
            "country",
            "not an ISO 3166-1 country code",
        )
        check.flag(
            f,
            pl.col("region").is_not_null() & ~pl.col("region").str.contains(r"^[A-Z]{2}-[A-Z0-9]{1,3}$"),
            "region",
            "not an ISO 3166-2 code like US-IL",
        )
        check.flag(
            f,
            pl.col("region").is_not_null()
            & pl.col("country").is_not_null()
            & (pl.col("region").str.slice(0, 2) != pl.col("country")),
            "region",
            "belongs to another country than the customer's",
        )
        check.flag(
            f,
            pl.col("timezone").is_not_null() & ~pl.col("timezone").is_in(list(known_timezones())),
            "timezone",
            "not an IANA time zone like Europe/Berlin",
        )
        check.flag(f, ~pl.col("status").is_in(CUSTOMER_STATUSES), "status", f"must be one of {', '.join(CUSTOMER_STATUSES)}")
        check.flag(f, pl.col("email").is_not_null() & ~pl.col("email").str.contains(_EMAIL), "email", "not an e-mail address")
        f = _exponents(f, check, "currency")
        f = parse_int(f, check, "payment_terms_days", minimum=0, maximum=3650)
        f = parse_minor(
            f,
            check,
            "credit_limit",
            exponent="__exp",
            currency="currency",
            decimal_sep=job.mapping.decimal_separator,
            thousands_sep=job.mapping.thousands_separator,
        )
        check.flag(f, pl.col("credit_limit") < 0, "credit_limit", "must not be negative")
        f = parse_bool(f, check, "is_consumer")
        f = _normalise_phones(f, check, "phone", "country")

        users = fetch_frame(
            job.connection,
            "SELECT id, LOWER(email) FROM accounts_user",
            schema={"collector_id": pl.Int64, "collector": pl.String},
        )
        f = f.join(users, on="collector", how="left")
        check.flag(
            f, pl.col("collector").is_not_null() & pl.col("collector_id").is_null(), "collector", "no recoup user has this e-mail"
        )

        existing_refs = fetch_frame(
            job.connection, "SELECT customer_ref FROM ledger_customer", schema={"customer_ref": pl.String}
        )["customer_ref"]
        known_refs = pl.concat([existing_refs, f["customer_ref"].drop_nulls()]).unique()
        check.flag(
            f,
            pl.col("parent_ref").is_not_null() & ~pl.col("parent_ref").is_in(known_refs.to_list()),
            "parent_ref",
            "no customer has this ref",
        )
        check.flag(f, pl.col("parent_ref") == pl.col("customer_ref"), "parent_ref", "a customer cannot be its own parent")

        f = f.with_columns(
            _attributes(f, job.extra_columns),
            pl.col("region").fill_null(""),
            pl.col("country").fill_null(""),
            pl.col("timezone").fill_null(""),
            pl.col("email").fill_null(""),
        )
        rows = f.filter(~pl.col(LINE).is_in(check.bad_lines.to_list()))
        rows = rows.with_columns(_fingerprint(rows, self.fields))
        return Prepared(rows=rows, check=check)

    def plan(self, job: Job, prepared: Prepared) -> Plan:
        existing = fetch_frame(
            job.connection,
            "SELECT id, customer_ref, import_hash, name, country, region, timezone, currency, payment_terms_days, credit_limit,"
            " segment, is_consumer, collector_id, status FROM ledger_customer",
            schema={
                "id": pl.Int64,
                "customer_ref": pl.String,
                "import_hash": pl.String,
                "name": pl.String,
                "country": pl.String,
                "region": pl.String,
                "timezone": pl.String,
                "currency": pl.String,
                "payment_terms_days": pl.Int64,
                "credit_limit": pl.Int64,
                "segment": pl.String,
                "is_consumer": pl.Boolean,
                "collector_id": pl.Int64,
                "status": pl.String,
            },
        )
        created, updated, unchanged = _split(prepared.rows, existing, ["customer_ref"])
        return Plan(created=created, updated=updated, unchanged=unchanged, extra={"existing": existing})

    def write(self, job: Job, prepared: Prepared, plan: Plan) -> None:
        conn = job.connection
        created = plan.created.with_columns(reserve_ids(conn, "ledger_customer", plan.created.height))
        ids = pl.concat([plan.extra["existing"].select("id", "customer_ref"), created.select("id", "customer_ref")]).rename(
            {"id": "parent_id", "customer_ref": "parent_ref"}
        )
        columns = [
            "id",
            "customer_ref",
            "name",
            "country",
            "region",
            "timezone",
            "currency",
            "payment_terms_days",
            "credit_limit",
            "segment",
            "is_consumer",
            "collector_id",
            "parent_id",
            "status",
            "attributes",
            "import_hash",
        ]
        new = _stamp(job, created.join(ids, on="parent_ref", how="left"), created=True).select(
            [*columns, "created_at", "updated_at", "import_run_id"]
        )
        job.report("customers", 0, new.height + plan.updated.height)
        insert_frame(conn, "ledger_customer", new)
        changed = (
            _stamp(job, plan.updated.join(ids, on="parent_ref", how="left"), created=False)
            .select([*columns, "updated_at"])
            .drop("customer_ref")
        )
        update_frame(conn, "ledger_customer", changed)
        job.report("customers", new.height + changed.height, new.height + changed.height)

        touched = pl.concat(
            [
                created.select("id", "customer_ref", "phone", "email", "contact_name"),
                plan.updated.select("id", "customer_ref", "phone", "email", "contact_name"),
            ]
        )
        self._primary_contacts(job, touched)

        after_cols = ["customer_ref", *[c for c in self.fields if c != "attributes"]]
        tracked = ["name", "country", "region", "timezone", "currency", "payment_terms_days", "credit_limit", "segment"]
        tracked += ["is_consumer", "collector_id", "status"]
        before = pl.struct([pl.col(f"{c}_old").alias(c) for c in tracked])
        audit = _update_events(plan.updated, ref="customer_ref", before=before, after=after_cols)
        _audit(job, "ledger.customer", audit, created=created["customer_ref"])

    def _primary_contacts(self, job: Job, touched: pl.DataFrame) -> None:
        """`phone`/`email` in a customers file are the primary contact's: create or update it."""
        wanted = touched.filter((pl.col("phone") != "") | (pl.col("email") != "")).rename(
            {"id": "customer_id", "contact_name": "name"}
        )
        if wanted.height == 0:
            return
        existing = fetch_frame(
            job.connection,
            "SELECT id, customer_id, name, phone, email FROM ledger_contact WHERE is_primary",
            schema={
                "id": pl.Int64,
                "customer_id": pl.Int64,
                "name_old": pl.String,
                "phone_old": pl.String,
                "email_old": pl.String,
            },
        )
        joined = wanted.join(existing, on="customer_id", how="left")
        new = joined.filter(pl.col("id").is_null()).drop("id")
        new = new.with_columns(reserve_ids(job.connection, "ledger_contact", new.height))
        rows = _stamp(job, new, created=True).select(
            "id",
            "customer_id",
            "name",
            pl.lit("accounts payable").alias("role"),
            "phone",
            "email",
            pl.lit(True).alias("is_primary"),
            pl.lit(False).alias("do_not_call"),
            pl.lit("").alias("preferred_channel"),
            pl.lit("").alias("preferred_hours"),
            pl.lit("{}").alias("attributes"),
            pl.lit("").alias("import_hash"),
            "created_at",
            "updated_at",
            "import_run_id",
        )
        insert_frame(job.connection, "ledger_contact", rows)
        changed = joined.filter(
            pl.col("id").is_not_null()
            & (
                (pl.col("name") != pl.col("name_old"))
                | (pl.col("phone") != pl.col("phone_old"))
                | (pl.col("email") != pl.col("email_old"))
            )
        )
        update_frame(
            job.connection,
            "ledger_contact",
            _stamp(job, changed, created=False).select("id", "name", "phone", "email", "updated_at"),
        )


# ---------------------------------------------------------------------------------------
# Contacts


class ContactsHandler:
    fields = ["role", "phone", "email", "is_primary", "do_not_call", "preferred_channel", "preferred_hours", "attributes"]

    def prepare(self, job: Job) -> Prepared:
        check = Checker(job.source_names)
        f = _ensure(job.frame, "role", "email", "preferred_channel", "preferred_hours")
        require_present(f, check, ["customer_ref", "name"])
        max_length(f, check, {"name": 200, "role": 100, "email": 254, "preferred_channel": 10, "preferred_hours": 100})
        duplicates(f, check, ["customer_ref", "name"], "name")
        f = f.join(_customers(job), on="customer_ref", how="left")
        check.flag(
            f,
            pl.col("customer_ref").is_not_null() & pl.col("customer_id").is_null(),
            "customer_ref",
            "no customer has this ref (import customers first)",
        )
        check.flag(f, pl.col("email").is_not_null() & ~pl.col("email").str.contains(_EMAIL), "email", "not an e-mail address")
        f = parse_bool(f, check, "is_primary")
        f = parse_bool(f, check, "do_not_call")
        f = _normalise_phones(f, check, "phone", "cust_country")
        primaries = pl.col("is_primary").cast(pl.Int32).sum().over("customer_ref")
        check.flag(
            f, pl.col("is_primary") & (primaries > 1), "is_primary", "more than one primary contact for this customer in the file"
        )
        f = f.with_columns(
            _attributes(f, job.extra_columns),
            *[pl.col(c).fill_null("") for c in ("role", "email", "preferred_channel", "preferred_hours")],
        )
        rows = f.filter(~pl.col(LINE).is_in(check.bad_lines.to_list()))
        return Prepared(rows=rows.with_columns(_fingerprint(rows, self.fields)), check=check)

    def plan(self, job: Job, prepared: Prepared) -> Plan:
        existing = fetch_frame(
            job.connection,
            "SELECT id, customer_id, name, import_hash, is_primary, phone, email FROM ledger_contact",
            schema={
                "id": pl.Int64,
                "customer_id": pl.Int64,
                "name": pl.String,
                "import_hash": pl.String,
                "is_primary_now": pl.Boolean,
                "phone_old": pl.String,
                "email_old": pl.String,
            },
        )
        created, updated, unchanged = _split(prepared.rows, existing, ["customer_id", "name"])
        return Plan(created=created, updated=updated, unchanged=unchanged, extra={"existing": existing})

    def write(self, job: Job, prepared: Prepared, plan: Plan) -> None:
        conn = job.connection
        # A new primary contact demotes the customer's previous one first (one primary each).
        promoting = pl.concat(
            [plan.created.select("customer_id", "name", "is_primary"), plan.updated.select("customer_id", "name", "is_primary")]
        )
        promoting = promoting.filter(pl.col("is_primary"))
        demote = plan.extra["existing"].filter(pl.col("is_primary_now")).join(promoting, on="customer_id", how="semi")
        demote = demote.join(promoting.select("customer_id", "name"), on=["customer_id", "name"], how="anti")
        update_frame(conn, "ledger_contact", demote.select("id", pl.lit(False).alias("is_primary")))

        created = plan.created.with_columns(reserve_ids(conn, "ledger_contact", plan.created.height))
        cols = [
            "id",
            "customer_id",
            "name",
            "role",
            "phone",
            "email",
            "is_primary",
            "do_not_call",
            "preferred_channel",
            "preferred_hours",
            "attributes",
            "import_hash",
        ]
        insert_frame(
            conn,
            "ledger_contact",
            _stamp(job, created, created=True).select([*cols, "created_at", "updated_at", "import_run_id"]),
        )
        update_frame(
            conn,
            "ledger_contact",
            _stamp(job, plan.updated, created=False).select(
                [c for c in cols if c not in ("customer_id", "name")] + ["updated_at"]
            ),
        )
        after = ["customer_ref", "name", *[c for c in self.fields if c != "attributes"]]
        _audit(
            job,
            "ledger.contact",
            _update_events(
                plan.updated,
                ref=pl.format("{} / {}", "customer_ref", "name"),
                before=pl.struct(
                    pl.col("phone_old").alias("phone"),
                    pl.col("email_old").alias("email"),
                    pl.col("is_primary_now").alias("is_primary"),
                ),
                after=after,
            ),
            created=created["name"],
        )


# ---------------------------------------------------------------------------------------
# Invoices


class InvoicesHandler:
    fields = [
        "customer_id",
        "kind",
        "issue_date",
        "due_date",
        "currency",
        "amount",
        "credits_invoice_ref",
        "po_number",
        "description",
        "attributes",
    ]

    def prepare(self, job: Job) -> Prepared:
        check = Checker(job.source_names)
        m = job.mapping
        f = _ensure(job.frame, "source", "due_date", "currency", "kind", "po_number", "description", "credits_invoice_ref")
        require_present(f, check, ["invoice_ref", "customer_ref", "issue_date", "amount"])
        max_length(f, check, {"invoice_ref": 100, "source": 40, "po_number": 100, "description": 500})
        f = f.with_columns(pl.col("source").fill_null(""), pl.col("kind").str.to_lowercase().fill_null("invoice"))
        customers = _customers(job)
        f = f.join(customers, on="customer_ref", how="left")
        if m.create_missing_customers:
            f = self._create_missing_customers(job, f, check)
        check.flag(
            f,
            pl.col("customer_ref").is_not_null() & pl.col("customer_id").is_null(),
            "customer_ref",
            "no customer has this ref (import customers first)",
        )
        f = f.with_columns(pl.col("currency").str.to_uppercase().fill_null(pl.col("cust_currency")))
        f = _exponents(f, check, "currency")
        f = parse_minor(
            f,
            check,
            "amount",
            exponent="__exp",
            currency="currency",
            decimal_sep=m.decimal_separator,
            thousands_sep=m.thousands_separator,
        )
        if m.group_lines_by:
            f = self._group_lines(f, m.sum_columns)
        if m.credit_indicator is not None:
            f = f.with_columns(
                pl.when(pl.col(CREDIT_FLAG)).then(pl.lit("credit_note")).otherwise(pl.col("kind")).alias("kind"),
                pl.col("amount").abs(),
            )
        if m.negative_amount_is_credit_note:
            f = f.with_columns(
                pl.when(pl.col("amount") < 0).then(pl.lit("credit_note")).otherwise(pl.col("kind")).alias("kind"),
                pl.col("amount").abs(),
            )
        duplicates(f, check, ["source", "invoice_ref"], "invoice_ref")
        check.flag(f, ~pl.col("kind").is_in(INVOICE_KINDS), "kind", f"must be one of {', '.join(INVOICE_KINDS)}")
        check.flag(f, pl.col("amount") < 0, "amount", "negative; a credit is imported as kind credit_note with a positive amount")
        check.flag(f, pl.col("amount") == 0, "amount", "zero; an invoice must have an amount")
        f = parse_dates(f, check, "issue_date", m.date_formats)
        f = parse_dates(f, check, "due_date", m.date_formats)
        if m.due_date_from is not None:
            f = parse_dates(f, check, DUE_BASELINE, m.date_formats, out="__baseline")
            day_cols = sorted(c for c in f.columns if c.startswith(DUE_DAYS))
            days = pl.coalesce(
                [
                    pl.when(pl.col(c).cast(pl.Int64, strict=False) > 0).then(pl.col(c).cast(pl.Int64, strict=False))
                    for c in day_cols
                ]
                + [pl.lit(0, dtype=pl.Int64)]
            )
            f = f.with_columns(pl.col("due_date").fill_null(pl.col("__baseline") + pl.duration(days=days)))
        terms = pl.col("cust_terms").fill_null(DEFAULT_TERMS_DAYS)
        f = f.with_columns(
            pl.when(pl.col("kind") == "credit_note")
            .then(pl.col("due_date").fill_null(pl.col("issue_date")))
            .otherwise(pl.col("due_date").fill_null(pl.col("issue_date") + pl.duration(days=terms)))
            .alias("due_date")
        )
        check.flag(
            f, pl.col("due_date") < pl.col("issue_date"), "due_date", pl.format("before the issue date {}", pl.col("issue_date"))
        )
        check.flag(
            f,
            pl.col("credits_invoice_ref").is_not_null() & (pl.col("kind") != "credit_note"),
            "credits_invoice_ref",
            "only a credit note credits another invoice",
        )
        f = f.with_columns(
            _attributes(f, job.extra_columns),
            pl.col("po_number").fill_null(""),
            pl.col("description").fill_null(""),
        )
        rows = f.filter(~pl.col(LINE).is_in(check.bad_lines.to_list()))
        rows = rows.with_columns(_fingerprint(rows, self.fields))
        return Prepared(rows=rows, check=check)

    def _group_lines(self, f: pl.DataFrame, sum_columns: tuple[str, ...]) -> pl.DataFrame:
        """Exports with one row per invoice line (Xero): one invoice per ref.

        Columns in `sum_columns` are added up over the lines; every other column is taken from
        the first line (Xero repeats the invoice total on each line, so it is not summed).
        """
        keys = ["source", "invoice_ref"]
        others = [c for c in f.columns if c not in (*keys, *sum_columns, LINE)]
        return f.group_by(keys, maintain_order=True).agg(
            *[pl.col(c).sum() for c in sum_columns if c in f.columns], *[pl.col(c).first() for c in others], pl.col(LINE).min()
        )

    def _create_missing_customers(self, job: Job, f: pl.DataFrame, check: Checker) -> pl.DataFrame:
        """Exports that name customers only by name (QuickBooks, Xero) make them on first sight."""
        missing = f.filter(pl.col("customer_id").is_null() & pl.col("customer_ref").is_not_null())
        if missing.height == 0:
            return f
        home = getattr(settings, "RECOUP_HOME_CURRENCY", "USD")
        new = missing.group_by("customer_ref", maintain_order=True).agg(pl.col("currency").first())
        new = new.with_columns(
            reserve_ids(job.connection, "ledger_customer", new.height).alias("customer_id"),
            pl.col("currency").str.to_uppercase().fill_null(home),
        )
        rows = _stamp(job, new, created=True).select(
            pl.col("customer_id").alias("id"),
            "customer_ref",
            pl.col("customer_ref").str.slice(0, 300).alias("name"),
            pl.lit("").alias("country"),
            pl.lit("").alias("region"),
            pl.lit("").alias("timezone"),
            "currency",
            pl.lit("").alias("segment"),
            pl.lit(False).alias("is_consumer"),
            pl.lit("active").alias("status"),
            pl.lit("{}").alias("attributes"),
            pl.lit("").alias("import_hash"),
            "created_at",
            "updated_at",
        )
        # Written in prepare: a rejected file rolls back with the whole transaction.
        insert_frame(job.connection, "ledger_customer", rows)
        _audit(
            job,
            "ledger.customer",
            new.select(
                pl.col("customer_id").alias("object_id"),
                pl.col("customer_ref").alias("object_ref"),
                pl.lit("import.create").alias("action"),
                pl.lit(None, dtype=pl.String).alias("before"),
                pl.struct("customer_ref", "currency").struct.json_encode().alias("after"),
            ),
        )
        filled = f.drop(["customer_id", "cust_currency", "cust_terms", "cust_country"]).join(
            _customers(job), on="customer_ref", how="left"
        )
        return filled.select(f.columns)

    def plan(self, job: Job, prepared: Prepared) -> Plan:
        conn = job.connection
        if is_postgres(conn):
            # Balances are computed here from what is read; nobody may allocate meanwhile.
            with conn.cursor() as cursor:
                cursor.execute("LOCK TABLE ledger_allocation IN SHARE ROW EXCLUSIVE MODE")
        keys = ["source", "invoice_ref"]
        rows = prepared.rows
        keep = [c for c in rows.columns if c != "id"]
        # Refs and fingerprints first: when nothing changed and nothing credits an invoice (a
        # file imported again), the other columns of every invoice are never needed.
        light = {"id": pl.Int64, "source": pl.String, "invoice_ref": pl.String, "import_hash": pl.String}
        details = {
            "customer_id_old": pl.Int64,
            "kind_old": pl.String,
            "issue_date_old": pl.Date,
            "due_date_old": pl.Date,
            "currency_old": pl.String,
            "amount_old": pl.Int64,
        }
        existing = fetch_frame(conn, "SELECT id, source, invoice_ref, import_hash FROM ledger_invoice", schema=light)
        created, updated, unchanged = _split(rows, existing, keys)
        if updated.height or rows["credits_invoice_ref"].is_not_null().any():
            existing = fetch_frame(
                conn,
                "SELECT id, source, invoice_ref, import_hash, customer_id, kind, issue_date, due_date, currency, amount"
                " FROM ledger_invoice",
                schema={**light, **details},
            )
            created, updated, unchanged = _split(rows, existing, keys)
        else:
            blanks = [pl.lit(None, dtype=t).alias(c) for c, t in details.items()]
            existing, updated = existing.with_columns(blanks), updated.with_columns(blanks)
        check = prepared.check
        # What is already paid or credited limits what an update may change.
        settled = fetch_frame(
            conn,
            "SELECT invoice_id, SUM(amount) FROM ledger_allocation GROUP BY invoice_id",
            schema={"id": pl.Int64, "settled": pl.Int64},
        )
        upd = updated.join(settled, on="id", how="left").with_columns(pl.col("settled").fill_null(0))
        check.flag(
            upd,
            pl.col("amount") < pl.col("settled"),
            "amount",
            pl.format("less than the {} already paid or credited on this invoice", pl.col("settled")),
        )
        check.flag(
            upd,
            (pl.col("settled") > 0)
            & ((pl.col("currency") != pl.col("currency_old")) | (pl.col("customer_id") != pl.col("customer_id_old"))),
            "currency",
            "cannot change the currency or customer of an invoice that has payments or credits",
        )

        # Credit notes: which invoice each credits, and whether that invoice can take it.
        credits = pl.concat([created.select(keep), updated.select(keep)]).filter(pl.col("credits_invoice_ref").is_not_null())
        ids = existing.select("id", "source", "invoice_ref")
        return self._finish_plan(job, prepared, created, updated, unchanged, existing, settled, credits, ids)

    def _finish_plan(
        self,
        job: Job,
        prepared: Prepared,
        created: pl.DataFrame,
        updated: pl.DataFrame,
        unchanged: int,
        existing: pl.DataFrame,
        settled: pl.DataFrame,
        credits: pl.DataFrame,
        ids: pl.DataFrame,
    ) -> Plan:
        check = prepared.check
        if credits.height == 0:
            return self._planned(created, updated, unchanged, check, credits, settled, existing)
        targets = pl.concat(
            [
                existing.select(
                    "source",
                    "invoice_ref",
                    pl.col("id").alias("target_id"),
                    pl.col("amount_old").alias("target_amount"),
                    pl.col("kind_old").alias("target_kind"),
                    pl.col("customer_id_old").alias("target_customer"),
                    pl.col("currency_old").alias("target_currency"),
                ),
            ]
        ).join(
            prepared.rows.select(
                "source",
                "invoice_ref",
                pl.col("amount").alias("new_amount"),
                pl.col("kind").alias("new_kind"),
                pl.col("customer_id").alias("new_customer"),
                pl.col("currency").alias("new_currency"),
            ),
            on=["source", "invoice_ref"],
            how="full",
            coalesce=True,
        )
        targets = targets.select(
            "source",
            pl.col("invoice_ref").alias("credits_invoice_ref"),
            "target_id",
            pl.coalesce("new_amount", "target_amount").alias("target_amount"),
            pl.coalesce("new_kind", "target_kind").alias("target_kind"),
            pl.coalesce("new_customer", "target_customer").alias("target_customer"),
            pl.coalesce("new_currency", "target_currency").alias("target_currency"),
        )
        c = credits.join(targets, on=["source", "credits_invoice_ref"], how="left")
        check.flag(c, pl.col("target_amount").is_null(), "credits_invoice_ref", "no invoice has this ref")
        check.flag(
            c, pl.col("target_kind") == "credit_note", "credits_invoice_ref", "a credit note cannot credit another credit note"
        )
        check.flag(
            c,
            pl.col("target_customer") != pl.col("customer_id"),
            "credits_invoice_ref",
            "that invoice belongs to another customer",
        )
        check.flag(
            c, pl.col("target_currency") != pl.col("currency"), "credits_invoice_ref", "that invoice is in another currency"
        )
        check.flag(
            c,
            pl.col("amount") > pl.col("target_amount"),
            "amount",
            pl.format("more than the invoice it credits ({})", pl.col("target_amount")),
        )
        return self._planned(created, updated, unchanged, check, c, settled, existing)

    def _planned(
        self,
        created: pl.DataFrame,
        updated: pl.DataFrame,
        unchanged: int,
        check: Checker,
        credits: pl.DataFrame,
        settled: pl.DataFrame,
        existing: pl.DataFrame,
    ) -> Plan:
        if check.bad_lines.len():
            bad = check.bad_lines.to_list()
            # New errors found against the ledger: the service decides reject or skip.
            created = created.filter(~pl.col(LINE).is_in(bad))
            updated = updated.filter(~pl.col(LINE).is_in(bad))
            credits = credits.filter(~pl.col(LINE).is_in(bad))
        return Plan(
            created=created,
            updated=updated,
            unchanged=unchanged,
            extra={"credits": credits, "settled": settled, "existing": existing},
        )

    def write(self, job: Job, prepared: Prepared, plan: Plan) -> None:
        conn = job.connection
        created = plan.created.with_columns(reserve_ids(conn, "ledger_invoice", plan.created.height))
        cols = [
            "id",
            "source",
            "invoice_ref",
            "customer_id",
            "kind",
            "issue_date",
            "due_date",
            "currency",
            "amount",
            "open_amount",
            "po_number",
            "description",
            "attributes",
            "import_hash",
        ]
        total = created.height + plan.updated.height
        job.report("invoices", 0, total)
        new = _stamp(job, created.with_columns(pl.col("amount").alias("open_amount")), created=True)
        with bulk_load(conn, "ledger_invoice", new.height):
            for start in range(0, max(new.height, 1), 200_000):
                chunk = new.slice(start, 200_000)
                insert_frame(conn, "ledger_invoice", chunk.select([*cols, "created_at", "updated_at", "import_run_id"]))
                job.report("invoices", min(start + chunk.height, total), total)
        upd = plan.updated.join(plan.extra["settled"], on="id", how="left").with_columns(
            (pl.col("amount") - pl.col("settled").fill_null(0)).alias("open_amount")
        )
        update_frame(
            conn,
            "ledger_invoice",
            _stamp(job, upd, created=False).select([c for c in cols if c not in ("source", "invoice_ref")] + ["updated_at"]),
        )

        self._apply_credits(job, created, plan)
        job.report("invoices", total, total)

        after = [
            "invoice_ref",
            "customer_ref",
            *[
                pl.col(c).cast(pl.String).alias(c) if c.endswith("_date") else c
                for c in self.fields
                if c not in ("attributes", "customer_id")
            ],
        ]
        before = pl.struct(
            [
                pl.col(f"{c}_old").cast(pl.String).alias(c) if c.endswith("_date") else pl.col(f"{c}_old").alias(c)
                for c in ("customer_id", "kind", "issue_date", "due_date", "currency", "amount")
            ]
        )
        _audit(
            job,
            "ledger.invoice",
            _update_events(plan.updated, ref="invoice_ref", before=before, after=after),
            created=created["invoice_ref"],
        )

    def _apply_credits(self, job: Job, created: pl.DataFrame, plan: Plan) -> None:
        """A credit note that names the invoice it credits is applied to it, on its issue date."""
        conn = job.connection
        credits: pl.DataFrame = plan.extra["credits"]
        changed_ids = plan.updated["id"].to_list()
        if changed_ids:
            old = fetch_frame(
                conn,
                "SELECT id, invoice_id FROM ledger_allocation WHERE credit_note_id IS NOT NULL",
                schema={"alloc_id": pl.Int64, "invoice_id": pl.Int64},
            )
            old_links = fetch_frame(
                conn,
                "SELECT id, credit_note_id FROM ledger_allocation WHERE credit_note_id IS NOT NULL",
                schema={"alloc_id": pl.Int64, "credit_note_id": pl.Int64},
            )
            stale = old_links.filter(pl.col("credit_note_id").is_in(changed_ids))
            affected_targets = old.join(stale.select("alloc_id"), on="alloc_id", how="semi")["invoice_id"].to_list()
            delete_ids(conn, "ledger_allocation", stale["alloc_id"].to_list())
        else:
            affected_targets = []
        if credits.height == 0 and not affected_targets:
            return
        ids = pl.concat(
            [plan.extra["existing"].select("id", "source", "invoice_ref"), created.select("id", "source", "invoice_ref")]
        )
        c = credits.join(ids, on=["source", "invoice_ref"], how="left")  # the credit note's own id
        c = c.join(
            ids.rename({"id": "target", "invoice_ref": "credits_invoice_ref"}), on=["source", "credits_invoice_ref"], how="left"
        )
        alloc = c.select(
            pl.col("target").alias("invoice_id"),
            pl.lit(None, dtype=pl.Int64).alias("payment_id"),
            pl.col("id").alias("credit_note_id"),
            "amount",
            pl.col("issue_date").alias("applied_on"),
        )
        alloc = _stamp(job, alloc, created=True).drop("updated_at", "import_run_id")
        insert_frame(conn, "ledger_allocation", alloc)
        touched = sorted(set(affected_targets) | set(c["target"].to_list()) | set(c["id"].to_list()) | set(changed_ids))
        recompute_balances(conn, invoice_ids=touched, payment_ids=[])


# ---------------------------------------------------------------------------------------
# Payments


class PaymentsHandler:
    payment_fields = ["customer_id", "received_on", "amount", "currency", "method", "reference", "attributes"]

    def prepare(self, job: Job) -> Prepared:
        check = Checker(job.source_names)
        m = job.mapping
        f = _ensure(job.frame, "source", "currency", "customer_ref", "method", "reference", "invoice_ref", "applied_amount")
        require_present(f, check, ["payment_ref", "received_on", "amount"])
        max_length(f, check, {"payment_ref": 100, "source": 40, "reference": 500})
        f = f.with_columns(pl.col("source").fill_null(""), pl.col("method").str.to_lowercase().fill_null("other"))
        check.flag(f, ~pl.col("method").is_in(PAYMENT_METHODS), "method", f"must be one of {', '.join(PAYMENT_METHODS)}")
        invoices = fetch_frame(
            job.connection,
            "SELECT i.id, i.source, i.invoice_ref, i.customer_id, i.currency, i.amount, i.kind, c.customer_ref"
            " FROM ledger_invoice i JOIN ledger_customer c ON c.id = i.customer_id",
            schema={
                "invoice_id": pl.Int64,
                "source": pl.String,
                "invoice_ref": pl.String,
                "inv_customer": pl.Int64,
                "inv_currency": pl.String,
                "inv_amount": pl.Int64,
                "inv_kind": pl.String,
                "inv_customer_ref": pl.String,
            },
        )
        f = f.join(invoices, on=["source", "invoice_ref"], how="left")
        check.flag(
            f,
            pl.col("invoice_ref").is_not_null() & pl.col("invoice_id").is_null(),
            "invoice_ref",
            "no invoice has this ref (import invoices first)",
        )
        check.flag(f, pl.col("inv_kind") == "credit_note", "invoice_ref", "a payment cannot be applied to a credit note")
        f = f.join(_customers(job), on="customer_ref", how="left")
        check.flag(
            f, pl.col("customer_ref").is_not_null() & pl.col("customer_id").is_null(), "customer_ref", "no customer has this ref"
        )
        check.flag(
            f,
            pl.col("customer_id").is_not_null()
            & pl.col("inv_customer").is_not_null()
            & (pl.col("customer_id") != pl.col("inv_customer")),
            "invoice_ref",
            pl.format("belongs to customer {}, not {}", pl.col("inv_customer_ref"), pl.col("customer_ref")),
        )
        f = f.with_columns(
            pl.col("customer_id").fill_null(pl.col("inv_customer")),
            pl.col("currency").str.to_uppercase().fill_null(pl.col("inv_currency")).fill_null(pl.col("cust_currency")),
        )
        check.flag(f, pl.col("currency").is_null(), "currency", "required when the payment names no invoice or customer")
        check.flag(
            f,
            pl.col("inv_currency").is_not_null() & (pl.col("currency") != pl.col("inv_currency")),
            "currency",
            pl.format("the invoice is in {}", pl.col("inv_currency")),
        )
        f = _exponents(f, check, "currency")
        sep = {"decimal_sep": m.decimal_separator, "thousands_sep": m.thousands_separator}
        f = parse_minor(f, check, "applied_amount", exponent="__exp", currency="currency", **sep)
        f = parse_minor(f, check, "amount", exponent="__exp", currency="currency", **sep)
        if m.payment_amount_is_sum_of_applied:
            f = f.with_columns(pl.col("applied_amount").fill_null(pl.col("amount")))
            f = f.with_columns(pl.col("applied_amount").sum().over(["source", "payment_ref"]).alias("amount"))
        check.flag(f, pl.col("amount") <= 0, "amount", "must be positive (refunds are not imported as payments)")
        f = f.with_columns(
            pl.when(pl.col("invoice_id").is_null())
            .then(pl.lit(None, dtype=pl.Int64))
            .otherwise(pl.col("applied_amount").fill_null(pl.col("amount")))
            .alias("applied_amount")
        )
        check.flag(
            f,
            pl.col("invoice_ref").is_null() & pl.col("applied_amount").is_not_null(),
            "applied_amount",
            "given without an invoice_ref",
        )
        check.flag(f, pl.col("applied_amount") <= 0, "applied_amount", "must be positive")
        f = parse_dates(f, check, "received_on", m.date_formats)
        duplicates(f, check, ["source", "payment_ref", "invoice_ref"], "invoice_ref")
        # Rows of one payment must agree on what the payment is.
        group = ["source", "payment_ref"]
        for column in ("received_on", "amount", "currency", "customer_id"):
            check.flag(f, pl.col(column).n_unique().over(group) > 1, column, "differs between rows of the same payment_ref")
        over = pl.col("applied_amount").sum().over(group) > pl.col("amount")
        check.flag(
            f, over, "applied_amount", pl.format("the rows of this payment apply more than its amount {}", pl.col("amount"))
        )
        f = f.with_columns(
            _attributes(f, job.extra_columns),
            pl.col("reference").fill_null(""),
        )
        return Prepared(rows=self._whole_payments(f, check), check=check)

    def _whole_payments(self, f: pl.DataFrame, check: Checker) -> pl.DataFrame:
        """A payment is applied whole or not at all: one bad row sets aside its siblings too."""
        bad = f.filter(pl.col(LINE).is_in(check.bad_lines.to_list())).select("source", "payment_ref").unique()
        siblings = f.join(bad, on=["source", "payment_ref"], how="semi").filter(~pl.col(LINE).is_in(check.bad_lines.to_list()))
        check.flag(siblings, pl.lit(True), "payment_ref", "another row of this payment is invalid")
        return f.join(bad, on=["source", "payment_ref"], how="anti", nulls_equal=True)

    def plan(self, job: Job, prepared: Prepared) -> Plan:
        conn = job.connection
        check = prepared.check
        if is_postgres(conn):
            with conn.cursor() as cursor:
                cursor.execute("LOCK TABLE ledger_allocation IN SHARE ROW EXCLUSIVE MODE")
        rows = prepared.rows
        allocs = rows.filter(pl.col("invoice_id").is_not_null()).select(
            "source", "payment_ref", "invoice_id", "applied_amount", "received_on", LINE
        )
        payments = rows.group_by(["source", "payment_ref"], maintain_order=True).agg(
            *[
                pl.col(c).first()
                for c in ("customer_id", "customer_ref", "received_on", "amount", "currency", "method", "reference", "attributes")
            ],
            pl.col(LINE).min(),
            pl.struct("invoice_id", "applied_amount")
            .sort_by(pl.col("invoice_id"))
            .filter(pl.col("invoice_id").sort().is_not_null())
            .alias("applied"),
        )
        payments = payments.with_columns(_fingerprint(payments, [*self.payment_fields, "applied"]))
        existing = fetch_frame(
            conn,
            "SELECT id, source, payment_ref, import_hash, customer_id, received_on, amount, currency FROM ledger_payment",
            schema={
                "id": pl.Int64,
                "source": pl.String,
                "payment_ref": pl.String,
                "import_hash": pl.String,
                "customer_id_old": pl.Int64,
                "received_on_old": pl.Date,
                "amount_old": pl.Int64,
                "currency_old": pl.String,
            },
        )
        created, updated, unchanged = _split(payments, existing, ["source", "payment_ref"])

        # Would the ledger's invoices be over-paid? Existing allocations of the payments being
        # replaced no longer count; everything else does.
        current = fetch_frame(
            conn,
            "SELECT id, invoice_id, payment_id, amount FROM ledger_allocation",
            schema={"alloc_id": pl.Int64, "invoice_id": pl.Int64, "payment_id": pl.Int64, "amount": pl.Int64},
        )
        replaced = current.filter(pl.col("payment_id").is_in(updated["id"].to_list()))
        kept = current.join(replaced.select("alloc_id"), on="alloc_id", how="anti")
        writing = allocs.join(
            pl.concat([created.select("source", "payment_ref"), updated.select("source", "payment_ref")]),
            on=["source", "payment_ref"],
            how="semi",
        )
        load = pl.concat(
            [kept.select("invoice_id", "amount"), writing.select("invoice_id", pl.col("applied_amount").alias("amount"))]
        )
        totals = load.group_by("invoice_id").agg(pl.col("amount").sum().alias("applied_total"))
        amounts = fetch_frame(
            conn, "SELECT id, amount FROM ledger_invoice", schema={"invoice_id": pl.Int64, "inv_amount": pl.Int64}
        )
        over = (
            writing.join(totals, on="invoice_id")
            .join(amounts, on="invoice_id")
            .filter(pl.col("applied_total") > pl.col("inv_amount"))
        )
        check.flag(
            over,
            pl.lit(True),
            "applied_amount",
            pl.format("would settle {} against the invoice's amount {}", pl.col("applied_total"), pl.col("inv_amount")),
            value=pl.col("applied_amount"),
        )
        if over.height:
            bad = over.select("source", "payment_ref").unique()
            created = created.join(bad, on=["source", "payment_ref"], how="anti")
            updated = updated.join(bad, on=["source", "payment_ref"], how="anti")
            writing = writing.join(bad, on=["source", "payment_ref"], how="anti")
            load = pl.concat(
                [kept.select("invoice_id", "amount"), writing.select("invoice_id", pl.col("applied_amount").alias("amount"))]
            )
            totals = load.group_by("invoice_id").agg(pl.col("amount").sum().alias("applied_total"))
        touched = pl.concat([writing.select("invoice_id"), replaced.select("invoice_id")]).unique()
        balances = (
            touched.join(amounts, on="invoice_id")
            .join(totals, on="invoice_id", how="left")
            .select(
                pl.col("invoice_id").alias("id"),
                (pl.col("inv_amount") - pl.col("applied_total").fill_null(0)).alias("open_amount"),
            )
        )
        return Plan(
            created=created,
            updated=updated,
            unchanged=unchanged,
            extra={"writing": writing, "replaced": replaced, "balances": balances},
        )

    def write(self, job: Job, prepared: Prepared, plan: Plan) -> None:
        conn = job.connection
        created = plan.created.with_columns(reserve_ids(conn, "ledger_payment", plan.created.height))
        total = created.height + plan.updated.height
        job.report("payments", 0, total)
        delete_ids(conn, "ledger_allocation", plan.extra["replaced"]["alloc_id"].to_list())
        applied = pl.col("applied").list.eval(pl.element().struct.field("applied_amount")).list.sum().fill_null(0)
        cols = [
            "id",
            "source",
            "payment_ref",
            "customer_id",
            "received_on",
            "amount",
            "currency",
            "unapplied_amount",
            "method",
            "reference",
            "attributes",
            "import_hash",
        ]
        new = _stamp(job, created.with_columns((pl.col("amount") - applied).alias("unapplied_amount")), created=True)
        with bulk_load(conn, "ledger_payment", new.height):
            for start in range(0, max(new.height, 1), 200_000):
                chunk = new.slice(start, 200_000)
                insert_frame(conn, "ledger_payment", chunk.select([*cols, "created_at", "updated_at", "import_run_id"]))
                job.report("payments", min(start + chunk.height, total), total)
        upd = _stamp(job, plan.updated.with_columns((pl.col("amount") - applied).alias("unapplied_amount")), created=False)
        update_frame(conn, "ledger_payment", upd.select([c for c in cols if c not in ("source", "payment_ref")] + ["updated_at"]))

        ids = pl.concat([created.select("id", "source", "payment_ref"), plan.updated.select("id", "source", "payment_ref")])
        alloc = (
            plan.extra["writing"]
            .join(ids, on=["source", "payment_ref"])
            .select(
                pl.col("invoice_id"),
                pl.col("id").alias("payment_id"),
                pl.lit(None, dtype=pl.Int64).alias("credit_note_id"),
                pl.col("applied_amount").alias("amount"),
                pl.col("received_on").alias("applied_on"),
            )
        )
        with bulk_load(conn, "ledger_allocation", alloc.height):
            insert_frame(conn, "ledger_allocation", _stamp(job, alloc, created=True).drop("updated_at", "import_run_id"))
        update_frame(conn, "ledger_invoice", plan.extra["balances"])
        job.report("payments", total, total)

        after = [
            "payment_ref",
            "customer_ref",
            pl.col("received_on").cast(pl.String),
            "amount",
            "currency",
            "method",
            "reference",
            pl.col("applied").alias("applied"),
        ]
        before = pl.struct(
            pl.col("customer_id_old").alias("customer_id"),
            pl.col("received_on_old").cast(pl.String).alias("received_on"),
            pl.col("amount_old").alias("amount"),
            pl.col("currency_old").alias("currency"),
        )
        _audit(
            job,
            "ledger.payment",
            _update_events(plan.updated, ref=pl.col("payment_ref"), before=before, after=after),
            created=created["payment_ref"],
        )


HANDLERS: dict[str, Handler] = {
    "customers": CustomersHandler(),
    "contacts": ContactsHandler(),
    "invoices": InvoicesHandler(),
    "payments": PaymentsHandler(),
}
