"""The demo's invoices, debit notes and credit notes."""

from __future__ import annotations

from datetime import date

import polars as pl

from .formats import currency_precision, epoch_day, format_amount, iso, to_minor
from .randomness import Rng, pick, pick_by_group
from .reference import HISTORY_DAYS, INDUSTRY, INVOICE_ITEMS

__all__ = ["build_invoices", "invoice_frame"]


def build_invoices(rng: Rng, cust: pl.DataFrame, m: int, as_of: date) -> pl.DataFrame:
    """Invoices and debit notes, numbered in issue order (credit notes follow from the payments)."""
    n = cust.height
    seg_weight = {"enterprise": 6.0, "mid-market": 3.0, "smb": 1.2, "consumer": 0.5}
    activity = (
        cust["segment"].replace_strict(seg_weight, return_dtype=pl.Float64) * rng.normal("invoice.activity", n, 0.0, 0.6).exp()
    )
    # Customers who joined late have fewer invoices, in proportion to their time with us.
    tenure = (epoch_day(as_of) - cust["start_day"] + 1).cast(pl.Float64) / (HISTORY_DAYS + 1)
    weights = activity * tenure
    cumulative = (weights.cum_sum() / weights.sum()).clip(upper_bound=1.0)
    if m >= n:
        extra = cumulative.search_sorted(rng.uniform("invoice.customer", m - n), side="right").cast(pl.Int64).clip(0, n - 1)
        owner = pl.concat([pl.int_range(0, n, eager=True).cast(pl.Int64), extra])
    else:
        owner = cumulative.search_sorted(rng.uniform("invoice.customer", m), side="right").cast(pl.Int64).clip(0, n - 1)

    docs = cust.select("idx", "segment", "currency", "payment_terms_days", "start_day", "industry", "behaviour").gather(owner)
    end = epoch_day(as_of)
    docs = docs.with_columns(
        issue=(
            pl.col("start_day") + (rng.uniform("invoice.issue", m) * (end - pl.col("start_day") + 1)).floor().cast(pl.Int64)
        ).clip(upper_bound=end),
        debit=(rng.uniform("invoice.debit", m) < 0.015) & (pl.col("segment") != "consumer"),
    )
    # Late fees only once a customer has had time to be late.
    docs = docs.with_columns(
        due=pl.col("issue") + pl.col("payment_terms_days"),
        debit=pl.col("debit") & (pl.col("issue") > pl.col("start_day") + 60),
    )

    median_usd = {"enterprise": 18_000.0, "mid-market": 4_500.0, "smb": 900.0, "consumer": 120.0}
    sigma = {"enterprise": 1.0, "mid-market": 0.9, "smb": 0.8, "consumer": 0.6}
    z = rng.normal("invoice.amount", m)
    fee = rng.uniform("invoice.fee", m, 20.0, 300.0)
    usd = (
        pl.when(pl.col("debit"))
        .then(fee)
        .otherwise(
            pl.col("segment").replace_strict(median_usd, return_dtype=pl.Float64)
            * (z * pl.col("segment").replace_strict(sigma, return_dtype=pl.Float64)).exp()
        )
    )
    docs = docs.with_columns(amount=to_minor(usd))

    # Numbered in issue order, per kind, as an ERP would.
    docs = docs.with_columns(tiebreak=rng.uniform("invoice.order", m)).sort("issue", "tiebreak").drop("tiebreak")
    width = max(7, len(str(m)))
    docs = docs.with_columns(doc=pl.int_range(0, pl.len(), dtype=pl.Int64), seq=pl.int_range(1, pl.len() + 1).over("debit"))

    item_lists = [INVOICE_ITEMS[k] for k in INDUSTRY.categories]
    item = pick_by_group(rng, "invoice.item", docs["industry"].to_physical().cast(pl.Int64), item_lists)
    po_u = rng.uniform("invoice.po", m)
    po_digits = rng.integers("invoice.po_number", m, 100_000, 1_000_000)
    po_share = pl.col("segment").replace_strict(
        {"enterprise": 0.8, "mid-market": 0.6, "smb": 0.2, "consumer": 0.0}, return_dtype=pl.Float64
    )
    channel = pick(("direct", "partner", "online"), rng.choice("invoice.channel", m, [70, 20, 10]))
    return docs.with_columns(
        invoice_ref=pl.when(pl.col("debit")).then(pl.lit("DN-")).otherwise(pl.lit("INV-"))
        + pl.col("seq").cast(pl.String).str.zfill(width),
        description=pl.when(pl.col("debit"))
        .then(pl.lit("Late payment fee"))
        .otherwise(item + " – " + pl.col("issue").cast(pl.Int32).cast(pl.Date).dt.to_string("%b %Y")),
        po_number=pl.when(po_u < po_share).then(pl.lit("PO-") + po_digits.cast(pl.String)).otherwise(pl.lit("")),
        channel=pl.when(pl.col("segment") == "consumer").then(pl.lit("online")).otherwise(channel),
    ).drop("seq")


def invoice_frame(cust: pl.DataFrame, docs: pl.DataFrame, credit_notes: pl.DataFrame) -> pl.DataFrame:
    width = max(7, len(str(docs.height)))
    refs = docs["invoice_ref"]
    channels = docs["channel"]
    cn = (
        credit_notes.sort("issue", "doc")
        .with_columns(credited=pl.lit(refs).gather(pl.col("doc")))
        .select(
            invoice_ref=pl.lit("CN-") + pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(width),
            idx=pl.col("idx"),
            issue=pl.col("issue"),
            due=pl.col("issue"),
            amount=pl.col("amount"),
            currency=pl.col("currency"),
            kind=pl.lit("credit_note"),
            po_number=pl.lit(""),
            description=pl.lit("Credit for ")
            + pl.col("credited")
            + pl.when(pl.col("disputed"))
            .then(pl.lit(": dispute settled"))
            .otherwise(pl.lit(": returned goods / price correction")),
            credits_invoice_ref=pl.col("credited"),
            channel=pl.lit(channels).gather(pl.col("doc")),
        )
    )
    base = docs.select(
        "invoice_ref",
        "idx",
        "issue",
        "due",
        "amount",
        "currency",
        kind=pl.when(pl.col("debit")).then(pl.lit("debit_note")).otherwise(pl.lit("invoice")),
        po_number=pl.col("po_number"),
        description=pl.col("description"),
        credits_invoice_ref=pl.lit(""),
        channel=pl.col("channel"),
    )
    # Both are in issue order already; merging keeps the file in date order without a full sort.
    both = base.merge_sorted(cn, key="issue")
    return both.select(
        "invoice_ref",
        customer_ref=pl.lit(cust["customer_ref"]).gather(pl.col("idx")),
        issue_date=iso(pl.col("issue")),
        due_date=iso(pl.col("due")),
        amount=format_amount(pl.col("amount"), currency_precision()),
        currency=pl.col("currency").cast(pl.String),
        kind=pl.col("kind"),
        po_number=pl.col("po_number"),
        description=pl.col("description"),
        credits_invoice_ref=pl.col("credits_invoice_ref"),
        channel=pl.col("channel"),
    )
