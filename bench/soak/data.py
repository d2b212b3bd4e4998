"""The files the soak imports, and the open amounts a replay of them must give.

The customers and invoices come from the import benchmark's canonical-file generator
(bench/import/run.py), so the soak imports the same shape of file the import benchmark times;
the customers are dealt round-robin to the soak's collectors (the `collector` column), and a
payments file settles part of the invoices: most in full, some in part, some payments
covering two invoices of one customer, and a little cash on account (no invoice).

The expected open amount of each imported invoice is computed here from the files alone
(Polars), independently of recoup's importer: amount minus everything the payments file
applies to it. Amounts are handled in minor units throughout (JPY has none, the others two).
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

SOURCE = ""  # the canonical files name no source system: recoup's default, the empty string
ZERO_DECIMALS = ("JPY",)


@dataclass(frozen=True)
class SoakFiles:
    customers: Path
    invoices: Path
    payments: Path
    customer_rows: int
    invoice_rows: int
    payment_rows: int
    payment_count: int


def _major(minor: np.ndarray, currency: np.ndarray) -> np.ndarray:
    """Minor units as the canonical format writes them: `1234.05`, or `1234` for JPY."""
    whole = (minor // 100).astype(str)
    cents = np.char.zfill((minor % 100).astype(str), 2)
    two = np.char.add(np.char.add(whole, "."), cents)
    return np.where(np.isin(currency, ZERO_DECIMALS), minor.astype(str), two)


def minor(column: str) -> pl.Expr:
    """Amount text as written here and by the generator in minor units: both write exactly the
    currency's decimals (`1234.05`, whole yen `1234`), so the digits without the point are it."""
    return pl.col(column).str.replace(".", "", literal=True).cast(pl.Int64)


def write_files(folder: Path, *, invoices: int, customers: int, collectors: list[str], share_paid: float, seed: int) -> SoakFiles:
    generator = importlib.import_module("bench.import.run")  # `import` is a keyword: no plain import statement
    customers_csv, invoices_csv = generator.write_files(folder, invoices, customers, seed=seed)
    cust = pl.read_csv(customers_csv, infer_schema=False)
    dealt = [collectors[i % len(collectors)] for i in range(cust.height)]
    cust.with_columns(pl.Series("collector", dealt)).write_csv(customers_csv)
    inv = pl.read_csv(invoices_csv, infer_schema=False).with_columns(minor("amount").alias("amount_minor"))
    payments_csv = folder / "payments.csv"
    rows, count = _write_payments(inv, payments_csv, share_paid=share_paid, seed=seed)
    return SoakFiles(customers_csv, invoices_csv, payments_csv, cust.height, inv.height, rows, count)


def _write_payments(inv: pl.DataFrame, path: Path, *, share_paid: float, seed: int) -> tuple[int, int]:
    """A payments file: `share_paid` of the invoices get a payment row, 3 in 4 of them in full."""
    rng = np.random.default_rng(seed + 1)
    chosen = inv.sample(fraction=share_paid, seed=seed, shuffle=False).sort(["customer_ref", "invoice_ref"])
    n = chosen.height
    amount = chosen["amount_minor"].to_numpy()
    partial = rng.random(n) < 0.25
    applied = np.where(partial, np.maximum(1, (amount * rng.uniform(0.1, 0.9, n)).astype(np.int64)), amount)
    applied = np.minimum(applied, amount)
    # One payment for two invoices of the same customer, one time in five where that is possible.
    cust = chosen["customer_ref"].to_numpy()
    join = np.zeros(n, dtype=bool)
    join[1:] = (cust[1:] == cust[:-1]) & (rng.random(n - 1) < 0.2)
    join[1:] &= ~join[:-1]  # pairs only: a row joins its predecessor only if that one started a payment
    payment_no = np.cumsum(~join) - 1
    totals = np.bincount(payment_no, weights=applied).astype(np.int64)
    issue = chosen["issue_date"].str.to_date().to_numpy()
    delay = rng.integers(0, 120, size=n).astype("timedelta64[D]")
    received = np.minimum(issue + delay, np.datetime64(dt.date.today()))
    # Every row of one payment repeats its date: the first row's.
    first_row = np.flatnonzero(~join)
    received = received[first_row][payment_no]
    currency = chosen["currency"].to_numpy()
    rows = pl.DataFrame(
        {
            "payment_ref": [f"SOAKPAY{p:08d}" for p in payment_no],
            "customer_ref": cust,
            "received_on": received.astype(str),
            "amount": _major(totals[payment_no], currency),
            "currency": currency,
            "invoice_ref": chosen["invoice_ref"].to_numpy(),
            "applied_amount": _major(applied, currency),
            "method": rng.choice(["ach", "wire", "check", "card"], size=n),
        }
    )
    # Cash on account: a payment with no invoice (it changes no invoice's open amount).
    on_account = max(1, n // 100)
    pick = rng.integers(0, inv.height, size=on_account)
    who = inv[pick]
    cash = pl.DataFrame(
        {
            "payment_ref": [f"SOAKCASH{i:07d}" for i in range(on_account)],
            "customer_ref": who["customer_ref"],
            "received_on": [dt.date.today().isoformat()] * on_account,
            "amount": _major(np.full(on_account, 10_000, dtype=np.int64), who["currency"].to_numpy()),
            "currency": who["currency"],
            "invoice_ref": [None] * on_account,
            "applied_amount": [None] * on_account,
            "method": ["wire"] * on_account,
        },
        schema_overrides={"invoice_ref": pl.String, "applied_amount": pl.String},
    )
    out = pl.concat([rows, cash])
    out.write_csv(path)
    return out.height, int(payment_no.max()) + 1 + on_account


def expected_open(invoices_csv: Path, payments_csv: Path) -> pl.DataFrame:
    """invoice_ref → expected open amount (minor units), replayed from the two files alone."""
    inv = pl.read_csv(invoices_csv, infer_schema=False).with_columns(minor("amount").alias("amount_minor"))
    pay = pl.read_csv(payments_csv, infer_schema=False).filter(pl.col("invoice_ref").is_not_null())
    pay = pay.with_columns(minor("applied_amount").alias("applied_minor"))
    applied = pay.group_by("invoice_ref").agg(pl.col("applied_minor").sum())
    return (
        inv.join(applied, on="invoice_ref", how="left")
        .select(
            "invoice_ref",
            pl.col("amount_minor").alias("amount"),
            (pl.col("amount_minor") - pl.col("applied_minor").fill_null(0)).alias("expected_open"),
        )
        .sort("invoice_ref")
    )
