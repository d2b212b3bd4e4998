"""Properties: aging always adds up, equals a plain replay of the raw rows, and FX is exact integers."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from fractions import Fraction
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from recoup.analytics import aging, behaviour_features, bucket_names, convert_minor, to_home
from recoup.analytics.frames import Ledger
from recoup.kernel.money import currency_exponent

from .builders import alloc, customer, inv, ledger, pay

BASE = dt.date(2024, 1, 1)
CURRENCIES = ["USD", "EUR", "JPY"]


@st.composite
def ledgers(draw: st.DrawFn) -> Ledger:
    n_customers = draw(st.integers(1, 3))
    customers = [
        customer(i, segment=draw(st.sampled_from(["a", "b"])), collector=draw(st.sampled_from(["", "x@y"])))
        for i in range(1, n_customers + 1)
    ]
    docs: list[dict[str, Any]] = []
    for i in range(draw(st.integers(0, 12))):
        issue = BASE + dt.timedelta(days=draw(st.integers(0, 200)))
        due = issue + dt.timedelta(days=draw(st.integers(0, 90)))
        kind = draw(st.sampled_from(["invoice", "invoice", "debit_note", "credit_note"]))
        docs.append(
            inv(
                i + 1,
                draw(st.integers(1, 10_000)),
                issue,
                due,
                customer_id=draw(st.integers(1, n_customers)),
                kind=kind,
                currency=draw(st.sampled_from(CURRENCIES)),
            )
        )
    payments = [
        pay(
            100 + i,
            draw(st.integers(1, 10_000)),
            BASE + dt.timedelta(days=draw(st.integers(0, 250))),
            customer_id=draw(st.one_of(st.none(), st.integers(1, n_customers))),
            currency=draw(st.sampled_from(CURRENCIES)),
        )
        for i in range(draw(st.integers(0, 6)))
    ]
    # Allocations respect the ledger invariant: never more than a document's or payment's remaining amount.
    left = {("doc", d["id"]): d["amount"] for d in docs} | {("pay", p["id"]): p["amount"] for p in payments}
    debits = [d for d in docs if d["kind"] != "credit_note"]
    credits = [d for d in docs if d["kind"] == "credit_note"]
    allocations = []
    for _ in range(draw(st.integers(0, 15))):
        if not debits or not (payments or credits):
            break
        target = draw(st.sampled_from(debits))
        source = draw(st.sampled_from([("pay", p["id"]) for p in payments] + [("doc", c["id"]) for c in credits]))
        room = min(left[("doc", target["id"])], left[source])
        if room <= 0:
            continue
        amount = draw(st.integers(1, room))
        left[("doc", target["id"])] -= amount
        left[source] -= amount
        on = target["issue_date"] + dt.timedelta(days=draw(st.integers(0, 120)))
        key = {"payment_id": source[1]} if source[0] == "pay" else {"credit_note_id": source[1]}
        allocations.append(alloc(target["id"], amount, on, **key))
    fx = [(c, BASE - dt.timedelta(days=1), draw(st.integers(1, 3 * 10**9))) for c in CURRENCIES if c != "USD"]
    return ledger(docs, allocations, payments, customers=customers, fx=fx)


def replay(led: Ledger, as_of: dt.date, buckets: tuple[int, ...]) -> dict[tuple[Any, str], dict[str, int]]:
    """The ledger replayed row by row up to as_of, the way one would do it on paper."""
    names = bucket_names(buckets)
    used: dict[tuple[str, int], int] = defaultdict(int)
    for a in led.allocations.iter_rows(named=True):
        if a["applied_on"] <= as_of:
            used[("doc", a["invoice_id"])] += a["amount"]
            if a["payment_id"] is not None:
                used[("pay", a["payment_id"])] += a["amount"]
            else:
                used[("cn", a["credit_note_id"])] += a["amount"]
    out: dict[tuple[Any, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys([*names, "credits", "total"], 0))
    for d in led.invoices.iter_rows(named=True):
        if d["issue_date"] > as_of:
            continue
        if d["kind"] == "credit_note":
            unused = d["amount"] - used[("cn", d["id"])]
            if unused > 0:
                row = out[(d["customer_id"], d["currency"])]
                row["credits"] -= unused
                row["total"] -= unused
            continue
        open_ = d["amount"] - used[("doc", d["id"])]
        if open_ <= 0:
            continue
        row = out[(d["customer_id"], d["currency"])]
        late = (as_of - d["due_date"]).days
        index = sum(1 for edge in buckets if late > edge)
        row[names[index]] += open_
        row["total"] += open_
    for p in led.payments.iter_rows(named=True):
        unapplied = p["amount"] - used[("pay", p["id"])]
        if p["received_on"] <= as_of and unapplied > 0:
            row = out[(p["customer_id"], p["currency"])]
            row["credits"] -= unapplied
            row["total"] -= unapplied
    return dict(out)


bucket_sets = st.sampled_from([(0, 30, 60, 90, 120), (0, 15), (10, 20, 45), (0,)])
dates = st.integers(-10, 320).map(lambda n: BASE + dt.timedelta(days=n))


@settings(max_examples=150, deadline=None)
@given(led=ledgers(), as_of=dates, buckets=bucket_sets)
def test_aging_equals_replay_and_adds_up(led: Ledger, as_of: dt.date, buckets: tuple[int, ...]) -> None:
    names = bucket_names(buckets)
    out = aging(led, as_of, buckets=buckets)
    got = {(r["customer_id"], r["currency"]): {k: r[k] for k in [*names, "credits", "total"]} for r in out.iter_rows(named=True)}
    assert got == replay(led, as_of, buckets)
    for r in out.iter_rows(named=True):
        assert sum(r[k] for k in names) + r["credits"] == r["total"]
        assert r["credits"] <= 0


@settings(max_examples=60, deadline=None)
@given(led=ledgers(), as_of=dates)
def test_groupings_and_home_preserve_the_balance(led: Ledger, as_of: dt.date) -> None:
    by_customer = aging(led, as_of)
    per_currency = by_customer.group_by("currency").agg(pl.col("total").sum()).sort("currency").rows()
    for by in ("collector", "segment", "currency", ["segment", "collector"]):
        other = aging(led, as_of, by=by)
        assert other.group_by("currency").agg(pl.col("total").sum()).sort("currency").rows() == per_currency
    home = aging(led, as_of, by="segment", home=True)
    names = bucket_names((0, 30, 60, 90, 120))
    assert (home.select(pl.sum_horizontal([*names, "credits"])).to_series() == home["total"]).all()


@settings(max_examples=200, deadline=None)
@given(
    amount=st.integers(-(10**15), 10**15),
    rate=st.integers(1, 10**12),
    currency=st.sampled_from(["EUR", "JPY", "BHD", "CLF", "USD"]),
    home=st.sampled_from(["USD", "JPY", "BHD"]),
)
def test_fx_is_exact_integer_arithmetic(amount: int, rate: int, currency: str, home: str) -> None:
    # Exact rational reference, rounded half away from zero: floats could not reach 10^15 × 10^12 exactly.
    exact = Fraction(abs(amount) * rate, 10**9) * Fraction(10) ** (currency_exponent(home) - currency_exponent(currency))
    expected = int(exact + Fraction(1, 2)) if exact.denominator != 1 else int(exact)
    expected = -expected if amount < 0 else expected
    assert convert_minor(amount, currency, rate, home) == expected
    led = ledger([], fx=[(currency, BASE, rate)], home=home)
    frame = pl.DataFrame(
        {"currency": [currency], "on": [BASE], "x": [amount]}, schema={"currency": pl.String, "on": pl.Date, "x": pl.Int64}
    )
    if abs(expected) < 2**63:
        converted = to_home(led, frame, ["x"], "on")
        assert converted.schema["x"] == pl.Int64
        assert converted["x"].to_list() == [amount if currency == home else expected]


def truncated(led: Ledger, as_of: dt.date) -> Ledger:
    return Ledger(
        led.invoices.filter(pl.col("issue_date") <= as_of),
        led.allocations.filter(pl.col("applied_on") <= as_of),
        led.payments.filter(pl.col("received_on") <= as_of),
        led.customers,
        led.fx_rates,
        led.home_currency,
    )


@settings(max_examples=80, deadline=None)
@given(led=ledgers(), as_of=dates)
def test_behaviour_features_use_only_the_past(led: Ledger, as_of: dt.date) -> None:
    # Anything issued or applied after as_of must change nothing (prediction relies on it).
    assert behaviour_features(led, as_of, home=True).equals(behaviour_features(truncated(led, as_of), as_of, home=True))
