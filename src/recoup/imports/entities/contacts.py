"""Contacts: a contacts file, and the primary contact a customers file names by its phone and e-mail."""

from __future__ import annotations

import polars as pl

from recoup.database.bulk import fetch_frame, insert_frame, reserve_ids, update_frame
from recoup.imports.entities.base import (
    EMAIL,
    Job,
    Plan,
    Prepared,
    attributes,
    audit,
    ensure_columns,
    fingerprint,
    known_customers,
    split_existing,
    stamp,
    update_events,
)
from recoup.imports.parsing import Checker, duplicates, max_length, parse_bool, require_present
from recoup.kernel.phone import InvalidPhone, normalize_phone
from recoup.ledger.canonical import CONTACTS, LINE

DIALABLE = "__dialable"
UNDIALABLE_MAX = 100  # Contact.undialable_phone

# The ledger_contact columns an import writes (besides id, the timestamps and the run).
CONTACT_COLUMNS = [
    "customer_id",
    "name",
    "role",
    "phone",
    "undialable_phone",
    "email",
    "is_primary",
    "do_not_call",
    "preferred_channel",
    "preferred_hours",
    "attributes",
    "import_hash",
]


def normalise_phones(frame: pl.DataFrame, check: Checker, column: str, region_column: str) -> pl.DataFrame:
    """Phones to E.164, read in the customer's country when written without a country code.

    A number that is not valid there does not set its row aside: it is kept as written and
    marked not dialable (`__dialable`), with a warning naming its line and column.
    """
    if column not in frame.columns or frame[column].null_count() == frame.height:
        return frame.with_columns(pl.lit("").alias(column), pl.lit(True).alias(DIALABLE))
    max_length(frame, check, {column: UNDIALABLE_MAX})
    recorded: list[str] = []
    dialable: list[bool] = []
    problems: list[tuple[int, str, str]] = []
    for raw, region, line in frame.select(pl.col(column), pl.col(region_column), pl.col(LINE)).iter_rows():
        if raw is None:
            recorded.append("")
            dialable.append(True)
            continue
        try:
            recorded.append(normalize_phone(raw, region or None))
            dialable.append(True)
        except InvalidPhone as exc:
            recorded.append(raw)
            dialable.append(False)
            problems.append((line, raw, f"{exc.reason}; imported as written, marked not dialable"))
    if problems:
        check.warn(
            pl.DataFrame(problems, schema={LINE: pl.Int64, "value": pl.String, "reason": pl.String}, orient="row"),
            pl.lit(True),
            column,
            pl.col("reason"),
            value=pl.col("value"),
        )
    return frame.with_columns(pl.Series(column, recorded, dtype=pl.String), pl.Series(DIALABLE, dialable, dtype=pl.Boolean))


def dialable_columns(column: str = "phone") -> list[pl.Expr]:
    """The phone as the ledger keeps it: E.164 in `phone` when it can be dialled, else as
    written in `undialable_phone` (the fingerprint and the audit see the number as recorded)."""
    dialable = pl.col(DIALABLE)
    return [
        pl.when(dialable).then(pl.col(column)).otherwise(pl.lit("")).alias("phone"),
        pl.when(dialable).then(pl.lit("")).otherwise(pl.col(column)).alias("undialable_phone"),
    ]


class ContactsHandler:
    # Order matters: the fingerprint of each row is stored (see base.fingerprint).
    fields = ["role", "phone", "email", "is_primary", "do_not_call", "preferred_channel", "preferred_hours", "attributes"]

    def prepare(self, job: Job) -> Prepared:
        check = job.checker()
        f = ensure_columns(job.frame, *CONTACTS.optional)
        require_present(f, check, ["customer_ref", "name"])
        max_length(f, check, {"name": 200, "role": 100, "email": 254, "preferred_channel": 10, "preferred_hours": 100})
        duplicates(f, check, ["customer_ref", "name"], "name")
        f = f.join(known_customers(job), on="customer_ref", how="left")
        check.flag(
            f,
            pl.col("customer_ref").is_not_null() & pl.col("customer_id").is_null(),
            "customer_ref",
            "no customer has this ref (import customers first)",
        )
        check.flag(f, pl.col("email").is_not_null() & ~pl.col("email").str.contains(EMAIL), "email", "not an e-mail address")
        f = parse_bool(f, check, "is_primary")
        f = parse_bool(f, check, "do_not_call")
        f = normalise_phones(f, check, "phone", "cust_country")
        primaries = pl.col("is_primary").cast(pl.Int32).sum().over("customer_ref")
        check.flag(
            f, pl.col("is_primary") & (primaries > 1), "is_primary", "more than one primary contact for this customer in the file"
        )
        f = f.with_columns(
            attributes(f, job.extra_columns),
            *[pl.col(c).fill_null("") for c in ("role", "email", "preferred_channel", "preferred_hours")],
        )
        rows = f.filter(~pl.col(LINE).is_in(check.bad_lines.to_list()))
        return Prepared(rows=rows.with_columns(fingerprint(rows, self.fields)), check=check)

    def plan(self, job: Job, prepared: Prepared) -> Plan:
        existing = fetch_frame(
            job.connection,
            "SELECT id, customer_id, name, import_hash, is_primary,"
            " CASE WHEN phone <> '' THEN phone ELSE undialable_phone END, email FROM ledger_contact",
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
        created, updated, unchanged = split_existing(prepared.rows, existing, ["customer_id", "name"])
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

        created = plan.created.with_columns(reserve_ids(conn, "ledger_contact", plan.created.height), *dialable_columns())
        updated = plan.updated.with_columns(dialable_columns())
        cols = ["id", *CONTACT_COLUMNS]
        insert_frame(
            conn,
            "ledger_contact",
            stamp(job, created, created=True).select([*cols, "created_at", "updated_at", "import_run_id"]),
        )
        update_frame(
            conn,
            "ledger_contact",
            stamp(job, updated, created=False).select([c for c in cols if c not in ("customer_id", "name")] + ["updated_at"]),
        )
        after = ["customer_ref", "name", *[c for c in self.fields if c != "attributes"]]
        before = pl.struct(
            pl.col("phone_old").alias("phone"), pl.col("email_old").alias("email"), pl.col("is_primary_now").alias("is_primary")
        )
        events = update_events(plan.updated, ref=pl.format("{} / {}", "customer_ref", "name"), before=before, after=after)
        audit(job, "ledger.contact", events, created=created["name"])


def write_primary_contacts(job: Job, touched: pl.DataFrame) -> None:
    """`phone`/`email` in a customers file are the primary contact's: create or update it."""
    wanted = touched.with_columns(dialable_columns()).rename({"id": "customer_id", "contact_name": "name"})
    wanted = wanted.filter((pl.col("phone") != "") | (pl.col("undialable_phone") != "") | (pl.col("email") != ""))
    if wanted.height == 0:
        return
    numbers = ["phone", "undialable_phone", "email"]
    existing = fetch_frame(
        job.connection,
        f"SELECT id, customer_id, name, {', '.join(numbers)} FROM ledger_contact WHERE is_primary",
        schema={"id": pl.Int64, "customer_id": pl.Int64, "name_old": pl.String, **{f"{c}_old": pl.String for c in numbers}},
    )
    joined = wanted.join(existing, on="customer_id", how="left")
    new = joined.filter(pl.col("id").is_null()).drop("id")
    new = new.with_columns(reserve_ids(job.connection, "ledger_contact", new.height))
    rows = stamp(job, new, created=True).select(
        "id",
        "customer_id",
        "name",
        pl.lit("accounts payable").alias("role"),
        *numbers,
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
    differs = [pl.col(c) != pl.col(f"{c}_old") for c in ("name", *numbers)]
    changed = joined.filter(pl.col("id").is_not_null() & pl.any_horizontal(differs))
    update_frame(
        job.connection,
        "ledger_contact",
        stamp(job, changed, created=False).select("id", "name", *numbers, "updated_at"),
    )
