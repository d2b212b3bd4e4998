"""Invoices, debit notes and credit notes."""

from __future__ import annotations

import polars as pl
from django.conf import settings

from recoup.database.bulk import bulk_load, fetch_frame, insert_frame, is_postgres, reserve_ids, update_frame
from recoup.imports.entities.base import (
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
    with_exponents,
)
from recoup.imports.entities.credits import apply_credits, check_credits
from recoup.imports.parsing import Checker, duplicates, major_text, max_length, parse_dates, parse_minor, require_present
from recoup.imports.transform import CREDIT_FLAG, DUE_BASELINE, DUE_DAYS
from recoup.ledger.canonical import INVOICES, LINE, schema_of

DEFAULT_TERMS_DAYS = 30
INVOICE_KINDS = ["invoice", "credit_note", "debit_note"]
CHUNK = 200_000
LINES = "__lines"  # when a mapping groups invoice lines: the file lines each invoice is made of

# The ledger_invoice columns an import reads to compare a changed row with (and the audit
# shows as "before"); the refs, id and fingerprint are read first, on their own.
INVOICE_TABLE = schema_of("customer_id", "kind", "issue_date", "due_date", "currency", "amount")
_REFS: dict[str, type[pl.DataType]] = {"id": pl.Int64, "source": pl.String, "invoice_ref": pl.String, "import_hash": pl.String}


class InvoicesHandler:
    # Order matters: the fingerprint of each row is stored (see base.fingerprint).
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
        check = job.checker()
        m = job.mapping
        f = ensure_columns(job.frame, *INVOICES.optional)
        require_present(f, check, ["invoice_ref", "customer_ref", "issue_date", "amount"])
        max_length(f, check, {"invoice_ref": 100, "source": 40, "po_number": 100, "description": 500})
        f = f.with_columns(pl.col("source").fill_null(""), pl.col("kind").str.to_lowercase().fill_null("invoice"))
        f = f.join(known_customers(job), on="customer_ref", how="left")
        if m.create_missing_customers:
            f = self._create_missing_customers(job, f)
        check.flag(
            f,
            pl.col("customer_ref").is_not_null() & pl.col("customer_id").is_null(),
            "customer_ref",
            "no customer has this ref (import customers first)",
        )
        f = self._amounts(job, f, check)
        duplicates(f, check, ["source", "invoice_ref"], "invoice_ref")
        check.flag(f, ~pl.col("kind").is_in(INVOICE_KINDS), "kind", f"must be one of {', '.join(INVOICE_KINDS)}")
        check.flag(f, pl.col("amount") < 0, "amount", "negative; a credit is imported as kind credit_note with a positive amount")
        check.flag(f, pl.col("amount") == 0, "amount", "zero; an invoice must have an amount")
        f = self._dates(job, f, check)
        check.flag(
            f,
            pl.col("credits_invoice_ref").is_not_null() & (pl.col("kind") != "credit_note"),
            "credits_invoice_ref",
            "only a credit note credits another invoice",
        )
        f = f.with_columns(
            attributes(f, job.extra_columns),
            pl.col("po_number").fill_null(""),
            pl.col("description").fill_null(""),
        )
        rows = _whole_invoices(f, check).filter(~pl.col(LINE).is_in(check.bad_lines.to_list()))
        rows = rows.with_columns(fingerprint(rows, self.fields))
        return Prepared(rows=rows, check=check)

    def _amounts(self, job: Job, f: pl.DataFrame, check: Checker) -> pl.DataFrame:
        """Currency (default the customer's), amount in minor units, invoice lines grouped, and
        the mapping's ways of marking a credit note (an indicator column, a negative amount)."""
        m = job.mapping
        f = f.with_columns(pl.col("currency").str.to_uppercase().fill_null(pl.col("cust_currency")))
        f = with_exponents(f, check, "currency")
        sep = {"decimal_sep": m.decimal_separator, "thousands_sep": m.thousands_separator}
        f = parse_minor(f, check, "amount", exponent="__exp", currency="currency", **sep)
        if m.group_lines_by:
            f = self._group_lines(f, m.sum_columns, check)
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
        return f

    def _dates(self, job: Job, f: pl.DataFrame, check: Checker) -> pl.DataFrame:
        """Issue and due dates; a missing due date comes from the mapping's baseline and days,
        else the customer's terms (a credit note's is its issue date)."""
        m = job.mapping
        f = parse_dates(f, check, "issue_date", m.date_formats)
        f = parse_dates(f, check, "due_date", m.date_formats)
        if m.due_date_from is not None:
            f = parse_dates(f, check, DUE_BASELINE, m.date_formats, out="__baseline")
            day_cols = sorted(c for c in f.columns if c.startswith(DUE_DAYS))
            as_days = [pl.col(c).cast(pl.Int64, strict=False) for c in day_cols]
            days = pl.coalesce([pl.when(d > 0).then(d) for d in as_days] + [pl.lit(0, dtype=pl.Int64)])
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
        return f

    def _group_lines(self, f: pl.DataFrame, sum_columns: tuple[str, ...], check: Checker) -> pl.DataFrame:
        """Exports with one row per invoice line (Xero): one invoice per ref, at its first line.

        Columns in `sum_columns` are added up over the lines; every other column is taken from
        the first line (Xero repeats the invoice total on each line, so it is not summed).
        """
        keys = ["source", "invoice_ref"]
        others = [c for c in f.columns if c not in (*keys, *sum_columns, LINE)]
        grouped = f.group_by(keys, maintain_order=True).agg(
            *[pl.col(c).sum() for c in sum_columns if c in f.columns],
            *[pl.col(c).first() for c in others],
            pl.col(LINE).min(),
            pl.col(LINE).alias(LINES),
        )
        if "amount" in sum_columns:
            # No line wrote the invoice's amount: messages about it show the sum.
            sums = grouped.filter(pl.col(LINES).list.len() > 1)
            check.keep_as_written("amount", sums.select(LINE, major_text(pl.col("amount"), pl.col("__exp")).alias("text")))
        return grouped

    def _create_missing_customers(self, job: Job, f: pl.DataFrame) -> pl.DataFrame:
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
        rows = stamp(job, new, created=True).select(
            pl.col("customer_id").alias("id"),
            "customer_ref",
            pl.col("customer_ref").str.slice(0, 300).alias("name"),
            *[pl.lit("").alias(c) for c in ("country", "region", "timezone")],
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
        events = new.select(
            pl.col("customer_id").alias("object_id"),
            pl.col("customer_ref").alias("object_ref"),
            pl.lit("import.create").alias("action"),
            pl.lit(None, dtype=pl.String).alias("before"),
            pl.struct("customer_ref", "currency").struct.json_encode().alias("after"),
        )
        audit(job, "ledger.customer", events)
        filled = f.drop(["customer_id", "cust_currency", "cust_terms", "cust_country"]).join(
            known_customers(job), on="customer_ref", how="left"
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
        details = {f"{c}_old": t for c, t in INVOICE_TABLE.items()}
        # Refs and fingerprints first: when nothing changed and nothing credits an invoice (a
        # file imported again), the other columns of every invoice are never needed.
        existing = fetch_frame(conn, f"SELECT {', '.join(_REFS)} FROM ledger_invoice", schema=_REFS)
        created, updated, unchanged = split_existing(rows, existing, keys)
        if updated.height or rows["credits_invoice_ref"].is_not_null().any():
            existing = fetch_frame(
                conn, f"SELECT {', '.join([*_REFS, *INVOICE_TABLE])} FROM ledger_invoice", schema={**_REFS, **details}
            )
            created, updated, unchanged = split_existing(rows, existing, keys)
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
            pl.format(
                "less than the {} already paid or credited on this invoice", major_text(pl.col("settled"), pl.col("__exp"))
            ),
        )
        check.flag(
            upd,
            (pl.col("settled") > 0)
            & ((pl.col("currency") != pl.col("currency_old")) | (pl.col("customer_id") != pl.col("customer_id_old"))),
            "currency",
            "cannot change the currency or customer of an invoice that has payments or credits",
        )
        keep = [c for c in rows.columns if c != "id"]
        credits = pl.concat([created.select(keep), updated.select(keep)]).filter(pl.col("credits_invoice_ref").is_not_null())
        if credits.height:
            credits = check_credits(check, credits, existing, rows)
        merged = 0
        if check.bad_lines.len():
            # New errors found against the ledger: the service decides reject or skip.
            bad = _whole_invoices(rows, check).filter(pl.col(LINE).is_in(check.bad_lines.to_list()))[LINE].to_list()
            created = created.filter(~pl.col(LINE).is_in(bad))
            updated = updated.filter(~pl.col(LINE).is_in(bad))
            credits = credits.filter(~pl.col(LINE).is_in(bad))
            rows = rows.filter(~pl.col(LINE).is_in(bad))
        if LINES in rows.columns:
            merged = int(rows[LINES].list.len().sum()) - rows.height
        extra = {"credits": credits, "settled": settled, "existing": existing}
        return Plan(created=created, updated=updated, unchanged=unchanged, merged=merged, extra=extra)

    def write(self, job: Job, prepared: Prepared, plan: Plan) -> None:
        conn = job.connection
        created = plan.created.with_columns(reserve_ids(conn, "ledger_invoice", plan.created.height))
        cols = ["id", "source", "invoice_ref", *INVOICE_TABLE, "open_amount", "po_number", "description", "attributes"]
        cols.append("import_hash")
        total = created.height + plan.updated.height
        job.report("invoices", 0, total)
        new = stamp(job, created.with_columns(pl.col("amount").alias("open_amount")), created=True)
        with bulk_load(conn, "ledger_invoice", new.height):
            for start in range(0, max(new.height, 1), CHUNK):
                chunk = new.slice(start, CHUNK)
                insert_frame(conn, "ledger_invoice", chunk.select([*cols, "created_at", "updated_at", "import_run_id"]))
                job.report("invoices", min(start + chunk.height, total), total)
        upd = plan.updated.join(plan.extra["settled"], on="id", how="left").with_columns(
            (pl.col("amount") - pl.col("settled").fill_null(0)).alias("open_amount")
        )
        changed = stamp(job, upd, created=False).select([c for c in cols if c not in ("source", "invoice_ref")] + ["updated_at"])
        update_frame(conn, "ledger_invoice", changed)

        apply_credits(job, created, plan)
        job.report("invoices", total, total)

        def as_text(column: str, name: str) -> pl.Expr:
            return pl.col(column).cast(pl.String).alias(name) if name.endswith("_date") else pl.col(column).alias(name)

        after = ["invoice_ref", "customer_ref", *[as_text(c, c) for c in self.fields if c not in ("attributes", "customer_id")]]
        before = pl.struct([as_text(f"{c}_old", c) for c in INVOICE_TABLE])
        events = update_events(plan.updated, ref="invoice_ref", before=before, after=after)
        audit(job, "ledger.invoice", events, created=created["invoice_ref"])


def _whole_invoices(f: pl.DataFrame, check: Checker) -> pl.DataFrame:
    """An invoice made of several lines is imported whole or not at all: a bad line sets aside
    the others too (their sum would be a wrong amount), each said so."""
    if LINES not in f.columns:
        return f
    bad = check.bad_lines.to_list()
    lines = f.select(LINE, "invoice_ref", LINES).explode(LINES)
    spoiled = lines.filter(pl.col(LINES).is_in(bad))[LINE].unique().to_list()
    siblings = lines.filter(pl.col(LINE).is_in(spoiled) & ~pl.col(LINES).is_in(bad))
    siblings = siblings.select(pl.col(LINES).alias(LINE), "invoice_ref")
    check.flag(siblings, pl.lit(True), "invoice_ref", "another line of this invoice is invalid")
    return f
