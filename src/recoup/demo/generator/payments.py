"""How each demo customer pays: behaviours, instalments, short payments, batches, unapplied cash."""

from __future__ import annotations

from datetime import date

import polars as pl

from .formats import currency_precision, epoch_day, format_amount, iso, to_minor
from .randomness import Rng

__all__ = ["build_payments"]


_FULL, _INSTALMENTS, _SHORT, _NEVER = range(4)


def build_payments(rng: Rng, cust: pl.DataFrame, docs: pl.DataFrame, as_of: date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """How each customer paid: the payments file and the credit notes it implies."""
    m = docs.height
    end = epoch_day(as_of)
    per_customer = cust.select("southern", "batch", "method_pref").gather(docs["idx"])
    work = pl.concat(
        [
            docs.select("doc", "idx", "issue", "due", "amount", "debit", "segment", "currency", "behaviour", "start_day"),
            per_customer,
        ],
        how="horizontal",
    )
    b = pl.col("behaviour")
    due_month = pl.col("due").cast(pl.Int32).cast(pl.Date).dt.month()
    in_season = pl.when(pl.col("southern")).then(due_month.is_in([1, 2, 12])).otherwise(due_month.is_in([7, 8, 12]))

    work = work.with_columns(
        u_a=rng.uniform("pay.a", m),
        u_b=rng.uniform("pay.b", m),
        z=rng.normal("pay.z", m),
        u_mode=rng.uniform("pay.mode", m),
        u_cn=rng.uniform("pay.cn", m),
        u_cn_frac=rng.uniform("pay.cn_frac", m),
        u_cn_day=rng.uniform("pay.cn_day", m),
        u_frac=rng.uniform("pay.frac", m),
        u_gap=rng.uniform("pay.gap", m),
        u_k=rng.uniform("pay.k", m),
        disputed=(b == "disputer") & (rng.uniform("pay.dispute", m) < 0.25) & ~pl.col("debit"),
        progress=((pl.col("issue") - pl.col("start_day")) / (end - pl.col("start_day") + 1)).clip(0.0, 1.0),
    )
    u_a, u_b, z = pl.col("u_a"), pl.col("u_b"), pl.col("z")
    # Days after the due date, by behaviour (DESIGN: the behaviours must show in the data).
    delay = (
        pl.when(b == "prompt")
        .then(-12.0 * u_a)
        .when(b == "slow")
        .then(20.0 + 20.0 * u_a)
        .when(b == "erratic")
        .then(pl.when(u_b < 0.55).then(5.0 + 8.0 * z).when(u_b < 0.85).then(15.0 + 60.0 * u_a).otherwise(75.0 + 125.0 * u_a))
        .when(b == "disputer")
        .then(pl.when(pl.col("disputed")).then(60.0 + 120.0 * u_a).otherwise(8.0 + 6.0 * z))
        .when(b == "deteriorating")
        .then(-3.0 + 70.0 * pl.col("progress").pow(1.6) + 5.0 * z)
        .otherwise(pl.when(in_season).then(30.0 + 30.0 * u_a).otherwise(-5.0 + 10.0 * u_a))  # seasonal
    )

    # Credit notes: disputes settled by a credit, and ordinary returns and price corrections.
    dispute_cn = pl.col("disputed") & (pl.col("u_cn") < 0.45)
    return_cn = ~pl.col("debit") & ~pl.col("disputed") & (pl.col("u_cn") < 0.015)
    cn_frac = (
        pl.when(dispute_cn)
        .then(pl.when(pl.col("u_cn_frac") < 0.2).then(1.0).otherwise(0.15 + 0.8 * pl.col("u_cn_frac")))
        .otherwise(0.05 + 0.25 * pl.col("u_cn_frac"))
    )
    cn_day = (
        pl.when(dispute_cn)
        .then(pl.col("due") + 15 + (60 * pl.col("u_cn_day")).floor())
        .otherwise(pl.col("issue") + 2 + (23 * pl.col("u_cn_day")).floor())
    )
    work = work.with_columns(cn_day=cn_day.cast(pl.Int64), has_cn=dispute_cn | return_cn)
    work = work.with_columns(has_cn=pl.col("has_cn") & (pl.col("cn_day") <= end))
    work = work.with_columns(
        cn_amount=pl.when(pl.col("has_cn"))
        .then((pl.col("amount") * cn_frac).floor().cast(pl.Int64).clip(1, pl.col("amount")))
        .otherwise(0)
    )

    # What is left is paid in full, in instalments, short (the rest stays open) or not at all.
    p_never = (
        pl.when(pl.col("disputed"))
        .then(0.25)
        .when(b == "erratic")
        .then(0.02)
        .when(b == "deteriorating")
        .then(0.05 * pl.col("progress"))
        .otherwise(0.003)
    )
    p_short = pl.when(b == "disputer").then(0.08).otherwise(0.012)
    p_inst = pl.when(pl.col("segment") == "consumer").then(0.12).when(b == "erratic").then(0.10).otherwise(0.05)
    u = pl.col("u_mode")
    work = work.with_columns(
        payable=pl.col("amount") - pl.col("cn_amount"),
        mode=pl.when(u < p_never)
        .then(_NEVER)
        .when(u < p_never + p_short)
        .then(_SHORT)
        .when(u < p_never + p_short + p_inst)
        .then(_INSTALMENTS)
        .otherwise(_FULL),
        settle=pl.max_horizontal(pl.col("due") + delay.round(0).cast(pl.Int64), pl.col("issue")),
    )
    # A handful of invoices in each aging bucket are simply still unpaid (stuck in approval,
    # lost in the post), so even a small demo shows overdue items in 1-30 ... 91-180 days.
    age = end - pl.col("due")
    bucket = pl.when(age <= 30).then(0).when(age <= 60).then(1).when(age <= 90).then(2).otherwise(3)
    eligible = (age > 0) & (age <= 180) & (b != "prompt") & ~pl.col("debit")
    per_bucket = max(1, round(0.002 * m))
    work = work.with_columns(straggler_key=pl.when(eligible).then(rng.uniform("pay.straggler", m)).otherwise(2.0), bucket=bucket)
    work = work.with_columns(
        mode=pl.when(eligible & (pl.col("straggler_key").rank("ordinal").over("bucket") <= per_bucket))
        .then(_NEVER)
        .otherwise(pl.col("mode"))
    )
    # Nobody pays a disputed invoice before the credit that settles the dispute.
    work = work.with_columns(
        settle=pl.when(pl.col("has_cn"))
        .then(pl.max_horizontal("settle", pl.col("cn_day") + 2 + (13 * pl.col("u_a")).floor().cast(pl.Int64)))
        .otherwise(pl.col("settle"))
    )
    # Weekly payment runs (on Fridays; 1970-01-01 was a Thursday) for customers who batch.
    work = work.with_columns(
        settle=pl.when(pl.col("batch") & (pl.col("mode") == _FULL))
        .then(pl.col("settle") + (1 - pl.col("settle")) % 7)
        .otherwise(pl.col("settle"))
    )

    k_count = pl.when(pl.col("mode") == _INSTALMENTS).then(pl.when(pl.col("u_k") < 0.7).then(2).otherwise(3)).otherwise(1)
    events = (
        work.filter((pl.col("mode") != _NEVER) & (pl.col("payable") > 0))
        .select(
            "doc",
            "idx",
            "payable",
            "settle",
            "mode",
            "batch",
            "u_frac",
            "u_gap",
            "currency",
            "method_pref",
            k=pl.int_ranges(0, k_count, dtype=pl.Int64),
            n_k=k_count.cast(pl.Int64),
        )
        .explode("k")
    )
    last = pl.col("k") == pl.col("n_k") - 1
    cum = pl.when(last).then(1.0).otherwise((pl.col("k") + 1 - 0.4 * pl.col("u_frac")) / pl.col("n_k"))
    prev = pl.when(pl.col("k") == 0).then(0.0).otherwise((pl.col("k") - 0.4 * pl.col("u_frac")) / pl.col("n_k"))
    share = (pl.col("payable") * cum).floor().cast(pl.Int64) - (pl.col("payable") * prev).floor().cast(pl.Int64)
    short = (pl.col("payable") * (0.5 + 0.45 * pl.col("u_frac"))).floor().cast(pl.Int64)
    events = events.with_columns(
        applied=pl.when(pl.col("mode") == _SHORT).then(short).otherwise(share),
        day=pl.col("settle") + pl.col("k") * (10 + (25 * pl.col("u_gap")).floor().cast(pl.Int64)),
    ).filter((pl.col("applied") > 0) & (pl.col("day") <= end))

    # One payment per event, except batch payers' full settlements on the same day.
    events = events.with_columns(
        group=pl.when(pl.col("batch") & (pl.col("mode") == _FULL))
        .then(pl.col("idx") * 100_000 + pl.col("day"))
        .otherwise(-1 - pl.int_range(0, pl.len(), dtype=pl.Int64))
    ).sort("day", "group", "doc")
    events = events.with_columns(pay=(pl.col("group") != pl.col("group").shift(1)).fill_null(True).cum_sum().cast(pl.Int64))
    events = events.with_columns(amount=pl.col("applied").sum().over("pay"), rows=pl.len().over("pay"))
    n_pay = int(events.select(pl.col("pay").max().fill_null(0)).item())

    # A few overpayments leave cash unapplied on the payment itself.
    over = rng.uniform("pay.over", events.height) < 0.004
    extra = (events["applied"].cast(pl.Float64) * rng.uniform("pay.over_amount", events.height, 0.01, 0.2)).floor().cast(
        pl.Int64
    ) + 1
    events = events.with_columns(
        amount=pl.when(over & (pl.col("rows") == 1)).then(pl.col("amount") + extra).otherwise(pl.col("amount")),
        u_method=rng.uniform("pay.method", events.height),
        template=rng.integers("pay.reference", events.height, 0, 10),
        unknown=pl.lit(False),
    )
    # Drawn per row but taken from each payment's first row: a payment has one method and one text.
    events = events.with_columns(
        method=pl.when(pl.col("u_method").first().over("pay") < 0.9).then(pl.col("method_pref")).otherwise(pl.lit("wire")),
        template=pl.col("template").first().over("pay"),
    ).select("pay", "day", "doc", "idx", "amount", "applied", "rows", "currency", "method", "template", "unknown")

    rows = pl.concat([events, _unapplied(rng, cust, n_pay, end)], how="vertical").sort("day", "pay", "doc")
    payments = _payment_frame(rows, cust, docs)

    credit_notes = work.filter(pl.col("has_cn")).select(
        "doc", "idx", "currency", "disputed", issue=pl.col("cn_day"), amount=pl.col("cn_amount")
    )
    return payments, credit_notes


def _unapplied(rng: Rng, cust: pl.DataFrame, n_pay: int, end: int) -> pl.DataFrame:
    """Cash on account: payments nobody has applied yet, a few from payers not yet identified."""
    k = max(2, round(0.005 * n_pay))
    who = rng.integers("unapplied.customer", k, 0, cust.height)
    picked = cust.select("idx", "currency", "segment", "start_day", "method_pref").gather(who)
    usd = (
        pl.col("segment").replace_strict(
            {"enterprise": 5_000.0, "mid-market": 1_500.0, "smb": 300.0, "consumer": 50.0}, return_dtype=pl.Float64
        )
        * rng.normal("unapplied.amount", k, 0.0, 0.7).exp()
    )
    return picked.select(
        pay=pl.lit(n_pay + 1, dtype=pl.Int64) + pl.int_range(0, k, dtype=pl.Int64),
        day=pl.max_horizontal(pl.lit(end) - rng.integers("unapplied.day", k, 0, 150), pl.col("start_day")).cast(pl.Int64),
        doc=pl.lit(None, dtype=pl.Int64),
        idx=pl.col("idx"),
        amount=to_minor(usd),
        applied=pl.lit(0, dtype=pl.Int64),
        rows=pl.lit(1, dtype=pl.UInt32),
        currency=pl.col("currency"),
        method=pl.col("method_pref"),
        template=pl.lit(-1, dtype=pl.Int64),
        unknown=rng.uniform("unapplied.unknown", k) < 0.2,
    )


def _payment_frame(rows: pl.DataFrame, cust: pl.DataFrame, docs: pl.DataFrame) -> pl.DataFrame:
    """The payments file: one row per allocation, plus the unapplied payments."""
    refs = docs["invoice_ref"]
    rows = rows.with_columns(
        invoice_ref=pl.when(pl.col("doc").is_null()).then(pl.lit("")).otherwise(pl.lit(refs).gather(pl.col("doc").fill_null(0))),
        payer=pl.lit(cust["name"].str.to_uppercase()).gather(pl.col("idx")),
        customer_ref=pl.when(pl.col("unknown")).then(pl.lit("")).otherwise(pl.lit(cust["customer_ref"]).gather(pl.col("idx"))),
    )
    # Remittance text names every invoice the payment settles, as a payer's advice would.
    several = rows.filter(pl.col("rows") > 1).group_by("pay").agg(listed=pl.col("invoice_ref").str.join(" "))
    rows = rows.join(several, on="pay", how="left", maintain_order="left").with_columns(
        listed=pl.coalesce("listed", "invoice_ref")
    )
    t = pl.col("template")
    reference = (
        pl.when(t < 0)
        .then(pl.lit("TRANSFER FROM ") + pl.col("payer"))
        .when(t < 4)
        .then(pl.col("listed"))
        .when(t < 6)
        .then(pl.lit("Payment ") + pl.col("listed"))
        .when(t < 9)
        .then(pl.col("payer") + " " + pl.col("listed"))
        .otherwise(pl.col("payer"))
    ).str.slice(0, 480)
    width = max(8, len(str(rows.height)))
    precision = currency_precision()
    return rows.select(
        payment_ref=pl.lit("PAY-")
        + (pl.col("pay") != pl.col("pay").shift(1)).fill_null(True).cum_sum().cast(pl.String).str.zfill(width),
        received_on=iso(pl.col("day")),
        amount=format_amount(pl.col("amount"), precision),
        currency=pl.col("currency").cast(pl.String),
        customer_ref=pl.col("customer_ref"),
        method=pl.col("method").cast(pl.String),
        reference=reference,
        invoice_ref=pl.col("invoice_ref"),
        # Left empty where the whole payment goes to the one invoice, as most files do.
        applied_amount=pl.when((pl.col("rows") > 1) | (pl.col("amount") != pl.col("applied")) & pl.col("doc").is_not_null())
        .then(format_amount(pl.col("applied"), precision))
        .otherwise(pl.lit("")),
    )
