"""The baseline: the same outputs as recoup.analytics, written the way most people would in pandas.

Straightforward on purpose (boolean masks, merges, ``groupby().apply`` with a Python function per
customer, ``Series.apply`` for buckets): it is what the columnar implementation is measured against,
not a strawman with loops over rows, and not a tuned rewrite either. Inputs are the ledger frames
converted once to pandas (outside the timing); outputs are plain frames/dicts compared in run.py.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

BUCKETS = (0, 30, 60, 90, 120)
NAMES = ["not_due", "d1_30", "d31_60", "d61_90", "d91_120", "over_120"]
DEBIT = ["invoice", "debit_note"]


def _bucket(days: int) -> str:
    if days <= 0:
        return "not_due"
    if days <= 30:
        return "d1_30"
    if days <= 60:
        return "d31_60"
    if days <= 90:
        return "d61_90"
    if days <= 120:
        return "d91_120"
    return "over_120"


def open_items(f: dict[str, pd.DataFrame], as_of: dt.date) -> pd.DataFrame:
    day = pd.Timestamp(as_of)
    inv = f["invoices"][f["invoices"]["issue_date"] <= day]
    alloc = f["allocations"][f["allocations"]["applied_on"] <= day]
    debits = inv[inv["kind"].isin(DEBIT)].copy()
    paid = alloc.groupby("invoice_id")["amount"].sum()
    debits["open_amount"] = debits["amount"] - debits["id"].map(paid).fillna(0).astype("int64")
    debits = debits[debits["open_amount"] > 0].copy()
    debits["days_past_due"] = (day - debits["due_date"]).dt.days
    credits = inv[inv["kind"] == "credit_note"].copy()
    used = alloc.dropna(subset=["credit_note_id"]).groupby("credit_note_id")["amount"].sum()
    credits["open_amount"] = -(credits["amount"] - credits["id"].map(used).fillna(0).astype("int64"))
    credits = credits[credits["open_amount"] < 0]
    pays = f["payments"][f["payments"]["received_on"] <= day].copy()
    applied = alloc.dropna(subset=["payment_id"]).groupby("payment_id")["amount"].sum()
    pays["open_amount"] = -(pays["amount"] - pays["id"].map(applied).fillna(0).astype("int64"))
    pays = pays[pays["open_amount"] < 0].copy()
    pays["kind"] = "payment"
    return pd.concat([debits, credits, pays], ignore_index=True)


def aging(f: dict[str, pd.DataFrame], as_of: dt.date) -> pd.DataFrame:
    items = open_items(f, as_of)
    debits = items[items["kind"].isin(DEBIT)].copy()
    debits["bucket"] = debits["days_past_due"].apply(_bucket)
    table = debits.pivot_table(
        index=["customer_id", "currency"], columns="bucket", values="open_amount", aggfunc="sum", fill_value=0
    )
    for name in NAMES:
        if name not in table.columns:
            table[name] = 0
    table = table[NAMES]
    credits = items[~items["kind"].isin(DEBIT)].groupby(["customer_id", "currency"])["open_amount"].sum().rename("credits")
    out = table.join(credits, how="outer").fillna(0).astype("int64")
    out["total"] = out[NAMES].sum(axis=1) + out["credits"]
    out = out.reset_index()
    customers = f["customers"][["id", "customer_ref", "name"]].rename(columns={"id": "customer_id"})
    out = out.merge(customers, on="customer_id", how="left")
    return (
        out[["customer_id", "customer_ref", "name", "currency", *NAMES, "credits", "total"]]
        .sort_values(["customer_id", "currency"])
        .reset_index(drop=True)
    )


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _sales(f: dict[str, pd.DataFrame], start: dt.date, end: dt.date) -> pd.Series:
    inv = f["invoices"]
    period = inv[(inv["issue_date"] >= pd.Timestamp(start)) & (inv["issue_date"] <= pd.Timestamp(end))]
    signed = np.where(period["kind"].isin(DEBIT), period["amount"], -period["amount"])
    return pd.Series(signed, index=period.index).groupby(period["currency"]).sum()


def dso_standard(f: dict[str, pd.DataFrame], start: dt.date, end: dt.date) -> dict[str, Decimal | None]:
    ar = open_items(f, end).groupby("currency")["open_amount"].sum()
    sales = _sales(f, start, end)
    days = (end - start).days + 1
    out: dict[str, Decimal | None] = {}
    for code in sorted(set(ar.index) | set(sales.index)):
        s = int(sales.get(code, 0))
        out[code] = None if s <= 0 else _round(Decimal(int(ar.get(code, 0)) * days) / Decimal(s))
    return out


def cei(f: dict[str, pd.DataFrame], start: dt.date, end: dt.date) -> dict[str, Decimal | None]:
    begin = open_items(f, start - dt.timedelta(days=1)).groupby("currency")["open_amount"].sum()
    ending = open_items(f, end)
    total = ending.groupby("currency")["open_amount"].sum()
    current_rows = ending[ending["kind"].isin(DEBIT) & (ending["days_past_due"] <= 0)]
    current = current_rows.groupby("currency")["open_amount"].sum()
    sales = _sales(f, start, end)
    out: dict[str, Decimal | None] = {}
    for code in sorted(set(begin.index) | set(total.index) | set(sales.index)):
        b, s = int(begin.get(code, 0)), int(sales.get(code, 0))
        den = b + s - int(current.get(code, 0))
        out[code] = None if den <= 0 else _round(Decimal((b + s - int(total.get(code, 0))) * 100) / Decimal(den))
    return out


def _history(g: pd.DataFrame) -> pd.Series:
    """Per customer: the settled-invoice features, one Python call per customer."""
    late = g["days_late"]
    n = len(g)
    w = 0.5 ** (g["age"] / 90.0)
    slope: float | None = None
    if n >= 3:
        x = -g["age"]
        xs, ys = int(x.sum()), int(late.sum())
        den = n * int((x * x).sum()) - xs * xs
        if den != 0:
            slope = float(n * int((x * late).sum()) - xs * ys) * 30 / float(den)
    return pd.Series(
        {
            "invoices_paid": n,
            "avg_days_late": late.mean(),
            "weighted_recent_days_late": (w * late).sum() / w.sum(),
            "days_late_trend": slope,
            "share_paid_late": (late > 0).mean(),
            "avg_days_to_pay": g["days_to_pay"].mean(),
            "partial_payment_share": (g["n_alloc"] >= 2).mean(),
        }
    )


def _exposure(g: pd.DataFrame) -> pd.Series:
    overdue = g[g["days_past_due"] > 0]
    return pd.Series(
        {
            "open_amount": g["open_amount"].sum(),
            "overdue_amount": overdue["open_amount"].sum(),
            "largest_overdue_age": overdue["days_past_due"].max() if len(overdue) else 0,
        }
    )


def behaviour_features(f: dict[str, pd.DataFrame], as_of: dt.date) -> pd.DataFrame:
    day = pd.Timestamp(as_of)
    inv = f["invoices"]
    docs = inv[(inv["issue_date"] <= day) & inv["kind"].isin(DEBIT)]
    alloc = f["allocations"][f["allocations"]["applied_on"] <= day]
    paid = alloc.groupby("invoice_id").agg(paid=("amount", "sum"), n_alloc=("amount", "size"), last_applied=("applied_on", "max"))
    facts = docs.merge(paid, left_on="id", right_index=True, how="left")
    facts["open_amount"] = facts["amount"] - facts["paid"].fillna(0).astype("int64")
    settled = facts[facts["open_amount"] <= 0].copy()
    settled["days_late"] = (settled["last_applied"] - settled["due_date"]).dt.days
    settled["days_to_pay"] = (settled["last_applied"] - settled["issue_date"]).dt.days
    settled["age"] = (day - settled["last_applied"]).dt.days
    history = settled.groupby("customer_id")[["days_late", "days_to_pay", "age", "n_alloc"]].apply(_history)
    open_ = facts[facts["open_amount"] > 0].copy()
    open_["days_past_due"] = (day - open_["due_date"]).dt.days
    exposure = open_.groupby("customer_id")[["open_amount", "days_past_due"]].apply(_exposure)
    out = f["customers"][["id", "currency"]].rename(columns={"id": "customer_id"})
    out = out.merge(history, left_on="customer_id", right_index=True, how="left")
    out = out.merge(exposure, left_on="customer_id", right_index=True, how="left")
    for col in ("invoices_paid", "open_amount", "overdue_amount", "largest_overdue_age"):
        out[col] = out[col].fillna(0).astype("int64")
    for col in ("promise_count", "broken_promise_count", "dispute_count"):
        out[col] = 0
    return out.sort_values("customer_id").reset_index(drop=True)


def run_all(f: dict[str, pd.DataFrame], as_of: dt.date, start: dt.date) -> dict[str, Any]:
    return {
        "aging": aging(f, as_of),
        "dso": dso_standard(f, start, as_of),
        "cei": cei(f, start, as_of),
        "behaviour": behaviour_features(f, as_of),
    }
