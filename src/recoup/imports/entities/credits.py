"""Credit notes that name the invoice they credit: checked against it, and applied to it."""

from __future__ import annotations

import polars as pl

from recoup.database.bulk import delete_ids, fetch_frame, insert_frame
from recoup.imports.entities.base import Job, Plan, stamp
from recoup.imports.parsing import Checker, major_text
from recoup.ledger.balances import recompute_balances


def check_credits(check: Checker, credits: pl.DataFrame, existing: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
    """Which invoice each credit note credits (as the ledger will be after the import), and
    whether that invoice can take it. Returns the credits with their target's columns."""
    targets = existing.select(
        "source",
        "invoice_ref",
        pl.col("id").alias("target_id"),
        pl.col("amount_old").alias("target_amount"),
        pl.col("kind_old").alias("target_kind"),
        pl.col("customer_id_old").alias("target_customer"),
        pl.col("currency_old").alias("target_currency"),
    ).join(
        rows.select(
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
    target = "credits_invoice_ref"
    check.flag(c, pl.col("target_amount").is_null(), target, "no invoice has this ref")
    check.flag(c, pl.col("target_kind") == "credit_note", target, "a credit note cannot credit another credit note")
    check.flag(c, pl.col("target_customer") != pl.col("customer_id"), target, "that invoice belongs to another customer")
    check.flag(c, pl.col("target_currency") != pl.col("currency"), target, "that invoice is in another currency")
    check.flag(
        c,
        pl.col("amount") > pl.col("target_amount"),
        "amount",
        pl.format("more than the invoice it credits ({})", major_text(pl.col("target_amount"), pl.col("__exp"))),
    )
    return c


def apply_credits(job: Job, created: pl.DataFrame, plan: Plan) -> None:
    """A credit note that names the invoice it credits is applied to it, on its issue date.

    A credit note the import changed loses its old application first; every invoice either
    touches has its open amount recomputed.
    """
    conn = job.connection
    credits: pl.DataFrame = plan.extra["credits"]
    changed_ids = plan.updated["id"].to_list()
    affected_targets: list[int] = []
    if changed_ids:
        old = fetch_frame(
            conn,
            "SELECT id, invoice_id, credit_note_id FROM ledger_allocation WHERE credit_note_id IS NOT NULL",
            schema={"alloc_id": pl.Int64, "invoice_id": pl.Int64, "credit_note_id": pl.Int64},
        )
        stale = old.filter(pl.col("credit_note_id").is_in(changed_ids))
        affected_targets = stale["invoice_id"].to_list()
        delete_ids(conn, "ledger_allocation", stale["alloc_id"].to_list())
    if credits.height == 0 and not affected_targets:
        return
    ids = pl.concat([plan.extra["existing"].select("id", "source", "invoice_ref"), created.select("id", "source", "invoice_ref")])
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
    alloc = stamp(job, alloc, created=True).drop("updated_at", "import_run_id")
    insert_frame(conn, "ledger_allocation", alloc)
    touched = sorted(set(affected_targets) | set(c["target"].to_list()) | set(c["id"].to_list()) | set(changed_ids))
    recompute_balances(conn, invoice_ids=touched, payment_ids=[])
