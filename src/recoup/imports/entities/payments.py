"""Payments, and the allocations that apply them to invoices (one row per invoice paid)."""

from __future__ import annotations

import polars as pl

from recoup.database.bulk import bulk_load, delete_ids, fetch_frame, insert_frame, is_postgres, reserve_ids, update_frame
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
from recoup.imports.parsing import Checker, duplicates, major_text, max_length, parse_dates, parse_minor, require_present
from recoup.ledger.canonical import LINE, PAYMENTS

PAYMENT_METHODS = ["ach", "wire", "check", "card", "cash", "other"]
CHUNK = 200_000
PAYMENT = ["source", "payment_ref"]

# The ledger_payment columns an import reads to compare a changed payment with (the audit's "before").
PAYMENT_TABLE: dict[str, type[pl.DataType]] = {
    "customer_id": pl.Int64,
    "received_on": pl.Date,
    "amount": pl.Int64,
    "currency": pl.String,
}
_INVOICES = {
    "invoice_id": pl.Int64,
    "source": pl.String,
    "invoice_ref": pl.String,
    "inv_customer": pl.Int64,
    "inv_currency": pl.String,
    "inv_amount": pl.Int64,
    "inv_kind": pl.String,
    "inv_customer_ref": pl.String,
}


class PaymentsHandler:
    # Order matters: the fingerprint of each payment is stored (see base.fingerprint).
    payment_fields = ["customer_id", "received_on", "amount", "currency", "method", "reference", "attributes"]

    def prepare(self, job: Job) -> Prepared:
        check = job.checker()
        m = job.mapping
        f = ensure_columns(job.frame, *PAYMENTS.optional)
        require_present(f, check, ["payment_ref", "received_on", "amount"])
        max_length(f, check, {"payment_ref": 100, "source": 40, "reference": 500})
        f = f.with_columns(pl.col("source").fill_null(""), pl.col("method").str.to_lowercase().fill_null("other"))
        check.flag(f, ~pl.col("method").is_in(PAYMENT_METHODS), "method", f"must be one of {', '.join(PAYMENT_METHODS)}")
        f = self._invoice_and_customer(job, f, check)
        f = self._amounts(job, f, check)
        f = parse_dates(f, check, "received_on", m.date_formats)
        duplicates(f, check, ["source", "payment_ref", "invoice_ref"], "invoice_ref")
        # Rows of one payment must agree on what the payment is.
        for column in ("received_on", "amount", "currency", "customer_id"):
            check.flag(f, pl.col(column).n_unique().over(PAYMENT) > 1, column, "differs between rows of the same payment_ref")
        over = pl.col("applied_amount").sum().over(PAYMENT) > pl.col("amount")
        amount = major_text(pl.col("amount"), pl.col("__exp"))
        check.flag(f, over, "applied_amount", pl.format("the rows of this payment apply more than its amount {}", amount))
        f = f.with_columns(attributes(f, job.extra_columns), pl.col("reference").fill_null(""))
        return Prepared(rows=self._whole_payments(f, check), check=check)

    def _invoice_and_customer(self, job: Job, f: pl.DataFrame, check: Checker) -> pl.DataFrame:
        """The invoice a row pays and the payment's customer and currency (by default the invoice's)."""
        invoices = fetch_frame(
            job.connection,
            "SELECT i.id, i.source, i.invoice_ref, i.customer_id, i.currency, i.amount, i.kind, c.customer_ref"
            " FROM ledger_invoice i JOIN ledger_customer c ON c.id = i.customer_id",
            schema=_INVOICES,
        )
        f = f.join(invoices, on=["source", "invoice_ref"], how="left")
        check.flag(
            f,
            pl.col("invoice_ref").is_not_null() & pl.col("invoice_id").is_null(),
            "invoice_ref",
            "no invoice has this ref (import invoices first)",
        )
        check.flag(f, pl.col("inv_kind") == "credit_note", "invoice_ref", "a payment cannot be applied to a credit note")
        f = f.join(known_customers(job), on="customer_ref", how="left")
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
        return f

    def _amounts(self, job: Job, f: pl.DataFrame, check: Checker) -> pl.DataFrame:
        """The payment's amount and the part of it each row applies (cash on account: none)."""
        m = job.mapping
        f = with_exponents(f, check, "currency")
        sep = {"decimal_sep": m.decimal_separator, "thousands_sep": m.thousands_separator}
        f = parse_minor(f, check, "applied_amount", exponent="__exp", currency="currency", **sep)
        f = parse_minor(f, check, "amount", exponent="__exp", currency="currency", **sep)
        if m.payment_amount_is_sum_of_applied:
            f = f.with_columns(pl.col("applied_amount").fill_null(pl.col("amount")))
            f = f.with_columns(pl.col("applied_amount").sum().over(PAYMENT).alias("amount"))
            # The file wrote no amount: messages show the sum it makes.
            check.keep_as_written("amount", f.select(LINE, major_text(pl.col("amount"), pl.col("__exp")).alias("text")))
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
        return f

    def _whole_payments(self, f: pl.DataFrame, check: Checker) -> pl.DataFrame:
        """A payment is applied whole or not at all: one bad row sets aside its siblings too."""
        bad = f.filter(pl.col(LINE).is_in(check.bad_lines.to_list())).select(PAYMENT).unique()
        _flag_siblings(f, bad, check)
        return f.join(bad, on=PAYMENT, how="anti", nulls_equal=True)

    def plan(self, job: Job, prepared: Prepared) -> Plan:
        conn = job.connection
        if is_postgres(conn):
            with conn.cursor() as cursor:
                cursor.execute("LOCK TABLE ledger_allocation IN SHARE ROW EXCLUSIVE MODE")
        rows = prepared.rows
        allocs = rows.filter(pl.col("invoice_id").is_not_null()).select(
            *PAYMENT, "invoice_id", "applied_amount", "received_on", "__exp", LINE
        )
        firsts = ("customer_id", "customer_ref", "received_on", "amount", "currency", "method", "reference", "attributes")
        payments = rows.group_by(PAYMENT, maintain_order=True).agg(
            *[pl.col(c).first() for c in firsts],
            pl.col(LINE).min(),
            pl.len().alias("__rows"),
            pl.struct("invoice_id", "applied_amount")
            .sort_by(pl.col("invoice_id"))
            .filter(pl.col("invoice_id").sort().is_not_null())
            .alias("applied"),
        )
        payments = payments.with_columns(fingerprint(payments, [*self.payment_fields, "applied"]))
        before = {f"{c}_old": t for c, t in PAYMENT_TABLE.items()}
        existing = fetch_frame(
            conn,
            f"SELECT id, source, payment_ref, import_hash, {', '.join(PAYMENT_TABLE)} FROM ledger_payment",
            schema={"id": pl.Int64, "source": pl.String, "payment_ref": pl.String, "import_hash": pl.String, **before},
        )
        created, updated, unchanged = split_existing(payments, existing, PAYMENT)
        plan = self._settle(job, prepared.check, allocs, created, updated, unchanged)
        set_aside = plan.extra["set_aside"]
        _flag_siblings(rows, set_aside, prepared.check)
        kept = payments.join(set_aside, on=PAYMENT, how="anti")
        plan.merged = int(kept["__rows"].sum()) - kept.height
        return plan

    def _settle(
        self, job: Job, check: Checker, allocs: pl.DataFrame, created: pl.DataFrame, updated: pl.DataFrame, unchanged: int
    ) -> Plan:
        """Would the ledger's invoices be over-paid? Existing allocations of the payments being
        replaced no longer count; everything else does. A payment that would over-pay is set aside."""
        current = fetch_frame(
            job.connection,
            "SELECT id, invoice_id, payment_id, amount FROM ledger_allocation",
            schema={"alloc_id": pl.Int64, "invoice_id": pl.Int64, "payment_id": pl.Int64, "amount": pl.Int64},
        )
        replaced = current.filter(pl.col("payment_id").is_in(updated["id"].to_list()))
        kept = current.join(replaced.select("alloc_id"), on="alloc_id", how="anti")
        writing = allocs.join(pl.concat([created.select(PAYMENT), updated.select(PAYMENT)]), on=PAYMENT, how="semi")

        def applied_totals(writing: pl.DataFrame) -> pl.DataFrame:
            load = pl.concat(
                [kept.select("invoice_id", "amount"), writing.select("invoice_id", pl.col("applied_amount").alias("amount"))]
            )
            return load.group_by("invoice_id").agg(pl.col("amount").sum().alias("applied_total"))

        totals = applied_totals(writing)
        amounts = fetch_frame(
            job.connection, "SELECT id, amount FROM ledger_invoice", schema={"invoice_id": pl.Int64, "inv_amount": pl.Int64}
        )
        over = (
            writing.join(totals, on="invoice_id")
            .join(amounts, on="invoice_id")
            .filter(pl.col("applied_total") > pl.col("inv_amount"))
        )
        settle, amount = (major_text(pl.col(c), pl.col("__exp")) for c in ("applied_total", "inv_amount"))
        check.flag(
            over, pl.lit(True), "applied_amount", pl.format("would settle {} against the invoice's amount {}", settle, amount)
        )
        bad = over.select(PAYMENT).unique()
        if over.height:
            created = created.join(bad, on=PAYMENT, how="anti")
            updated = updated.join(bad, on=PAYMENT, how="anti")
            writing = writing.join(bad, on=PAYMENT, how="anti")
            totals = applied_totals(writing)
        touched = pl.concat([writing.select("invoice_id"), replaced.select("invoice_id")]).unique()
        balances = (
            touched.join(amounts, on="invoice_id")
            .join(totals, on="invoice_id", how="left")
            .select(
                pl.col("invoice_id").alias("id"),
                (pl.col("inv_amount") - pl.col("applied_total").fill_null(0)).alias("open_amount"),
            )
        )
        extra = {"writing": writing, "replaced": replaced, "balances": balances, "set_aside": bad}
        return Plan(created=created, updated=updated, unchanged=unchanged, extra=extra)

    def write(self, job: Job, prepared: Prepared, plan: Plan) -> None:
        conn = job.connection
        created = plan.created.with_columns(reserve_ids(conn, "ledger_payment", plan.created.height))
        total = created.height + plan.updated.height
        job.report("payments", 0, total)
        delete_ids(conn, "ledger_allocation", plan.extra["replaced"]["alloc_id"].to_list())
        applied = pl.col("applied").list.eval(pl.element().struct.field("applied_amount")).list.sum().fill_null(0)
        cols = ["id", *PAYMENT, *PAYMENT_TABLE, "unapplied_amount", "method", "reference", "attributes", "import_hash"]
        new = stamp(job, created.with_columns((pl.col("amount") - applied).alias("unapplied_amount")), created=True)
        with bulk_load(conn, "ledger_payment", new.height):
            for start in range(0, max(new.height, 1), CHUNK):
                chunk = new.slice(start, CHUNK)
                insert_frame(conn, "ledger_payment", chunk.select([*cols, "created_at", "updated_at", "import_run_id"]))
                job.report("payments", min(start + chunk.height, total), total)
        upd = stamp(job, plan.updated.with_columns((pl.col("amount") - applied).alias("unapplied_amount")), created=False)
        update_frame(conn, "ledger_payment", upd.select([c for c in cols if c not in PAYMENT] + ["updated_at"]))

        ids = pl.concat([created.select("id", *PAYMENT), plan.updated.select("id", *PAYMENT)])
        alloc = (
            plan.extra["writing"]
            .join(ids, on=PAYMENT)
            .select(
                pl.col("invoice_id"),
                pl.col("id").alias("payment_id"),
                pl.lit(None, dtype=pl.Int64).alias("credit_note_id"),
                pl.col("applied_amount").alias("amount"),
                pl.col("received_on").alias("applied_on"),
            )
        )
        with bulk_load(conn, "ledger_allocation", alloc.height):
            insert_frame(conn, "ledger_allocation", stamp(job, alloc, created=True).drop("updated_at", "import_run_id"))
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
            "applied",
        ]
        before = pl.struct(
            pl.col("customer_id_old").alias("customer_id"),
            pl.col("received_on_old").cast(pl.String).alias("received_on"),
            pl.col("amount_old").alias("amount"),
            pl.col("currency_old").alias("currency"),
        )
        events = update_events(plan.updated, ref=pl.col("payment_ref"), before=before, after=after)
        audit(job, "ledger.payment", events, created=created["payment_ref"])


def _flag_siblings(rows: pl.DataFrame, bad: pl.DataFrame, check: Checker) -> None:
    """The other rows of payments set aside: each is set aside with its payment, and said so."""
    if bad.height == 0:
        return
    siblings = rows.join(bad, on=PAYMENT, how="semi").filter(~pl.col(LINE).is_in(check.bad_lines.to_list()))
    check.flag(siblings, pl.lit(True), "payment_ref", "another row of this payment is invalid")
