"""A collections ledger for the worklist benchmark, generated with numpy and written set-based.

Deterministic (seeded). At scale 1: 100,000 customers in nine countries (a fifth with an
explicit time zone, some known only by phone number), ~130,000 contacts, 1,000,000 open debit
items (15% partly paid) plus 1,000,000 settled invoices over two years (a customer-specific
habit of paying late, so the preventive rule's late-history query has real work), 20,000
unused credit notes, one payment per allocation, a prediction for every open item,
400,000 activities over 90 days, 40,000 promises, 3,000 payment plans with instalments,
10,000 disputes on open items, 20 collectors and 4 seniors with daily capacity.

Nothing here is timed: it only sets the stage. Rows go in with recoup.database.bulk.insert_frame
inside one transaction, secondary indexes set aside and rebuilt (bulk_load).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import polars as pl

# The instant the worklist is built for: Tuesday 1 July 2025, 14:00 UTC (10:00 in New York,
# 16:00 in Berlin, 19:30 in Kolkata, 23:00 in Tokyo; Canada Day in Canada).
AT = dt.datetime(2025, 7, 1, 14, 0, tzinfo=dt.UTC)
AS_OF = dt.date(2025, 7, 1)
EPOCH = dt.date(1970, 1, 1)

# country, share, currency, zones for an explicit timezone, phone prefixes + digits to add
COUNTRIES: list[tuple[str, float, str, tuple[str, ...], tuple[str, ...], int]] = [
    (
        "US",
        0.45,
        "USD",
        ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"),
        ("+1212", "+1312", "+1415", "+1213", "+1713", "+1303", "+1617", "+1206"),
        7,
    ),
    ("DE", 0.10, "EUR", ("Europe/Berlin",), ("+4930", "+4989"), 8),
    ("GB", 0.10, "GBP", ("Europe/London",), ("+44207",), 7),
    ("FR", 0.05, "EUR", ("Europe/Paris",), ("+3314",), 7),
    ("IN", 0.08, "USD", ("Asia/Kolkata",), ("+91222",), 7),
    ("AU", 0.07, "USD", ("Australia/Sydney",), ("+6129",), 7),
    ("BR", 0.07, "USD", ("America/Sao_Paulo",), ("+55119",), 8),
    ("JP", 0.05, "JPY", ("Asia/Tokyo",), ("+813",), 8),
    ("CA", 0.03, "USD", ("America/Toronto",), ("+1416",), 7),
]
FX = {"EUR": "1.085", "GBP": "1.27", "JPY": "0.0069"}
EXPONENT = {"JPY": 0}
REACHED = ("promise_to_pay", "dispute", "callback", "already_paid", "refused", "conversation")


def _days(values: np.ndarray) -> pl.Series:
    return pl.Series(values.astype(np.int32)).cast(pl.Date)


def _day(value: dt.date) -> int:
    return (value - EPOCH).days


def _stamp(name: str = "created_at") -> pl.Expr:
    return pl.lit(dt.datetime(2025, 6, 30, 22, 0, tzinfo=dt.UTC)).cast(pl.Datetime("us", "UTC")).alias(name)


def generate(scale: float = 1.0, seed: int = 5) -> dict[str, pl.DataFrame]:
    """Every table's rows, keyed by table name, in insertion order."""
    rng = np.random.default_rng(seed)
    n_cust = int(100_000 * scale)
    n_open, n_settled, n_credit = int(1_000_000 * scale), int(1_000_000 * scale), int(20_000 * scale)
    as_of = _day(AS_OF)
    common = [pl.lit("{}").alias("attributes"), pl.lit("").alias("import_hash"), _stamp("created_at"), _stamp("updated_at")]

    # --- users: 20 collectors and 4 seniors -------------------------------------------------
    n_coll, n_senior = 20, 4
    roles = ["collector"] * n_coll + ["senior"] * n_senior
    emails = [f"collector{i}@bench.example" for i in range(1, n_coll + 1)] + [
        f"senior{i}@bench.example" for i in range(1, n_senior + 1)
    ]
    users = pl.DataFrame(
        {
            "id": np.arange(1, len(roles) + 1, dtype=np.int64),
            "password": "!",
            "is_superuser": False,
            "username": emails,
            "first_name": "",
            "last_name": "",
            "is_staff": False,
            "is_active": True,
            "email": emails,
            "role": roles,
            "timezone": "America/New_York",
            "daily_capacity": [60] * n_coll + [40] * n_senior,
        }
    ).with_columns(_stamp("date_joined"))

    # --- customers ---------------------------------------------------------------------------
    shares = np.array([c[1] for c in COUNTRIES])
    cidx = rng.choice(len(COUNTRIES), n_cust, p=shares / shares.sum())
    country = np.array([c[0] for c in COUNTRIES])[cidx]
    currency = np.array([c[2] for c in COUNTRIES])[cidx]
    u = rng.random(n_cust)
    explicit = np.full(n_cust, "", dtype=object)
    pick = u < 0.2
    for i, c in enumerate(COUNTRIES):
        rows = pick & (cidx == i)
        explicit[rows] = np.array(c[3])[rng.integers(0, len(c[3]), rows.sum())]
    # 10% known only by their phone number (no country on file).
    country_col = np.where(u > 0.9, "", country)
    segment = np.array(["smb", "mid", "enterprise", "consumer"])[rng.choice(4, n_cust, p=[0.4, 0.3, 0.2, 0.1])]
    status = np.array(["active", "on_hold", "with_agency"])[rng.choice(3, n_cust, p=[0.97, 0.02, 0.01])]
    limit = np.where(rng.random(n_cust) < 0.5, rng.integers(1, 200, n_cust) * 1_000_000, -1)
    collector = np.where(rng.random(n_cust) < 0.85, rng.integers(1, n_coll + n_senior + 1, n_cust), 0)
    cust_ids = np.arange(1, n_cust + 1, dtype=np.int64)
    customers = pl.DataFrame(
        {
            "id": cust_ids,
            "customer_ref": [f"C{i:07d}" for i in cust_ids],
            "name": [f"Customer {i}" for i in cust_ids],
            "country": country_col.astype(str),
            "region": "",
            "timezone": explicit.astype(str),
            "currency": currency,
            "payment_terms_days": rng.choice(np.array([14, 30, 45, 60]), n_cust),
            "credit_limit": limit,
            "segment": segment,
            "is_consumer": segment == "consumer",
            "status": status,
            "collector_id": collector,
        }
    ).with_columns(
        pl.when(pl.col("credit_limit") < 0).then(None).otherwise(pl.col("credit_limit")).alias("credit_limit"),
        pl.when(pl.col("collector_id") == 0).then(None).otherwise(pl.col("collector_id")).alias("collector_id"),
        *common,
    )

    # --- contacts: a primary for 97% of customers, a second for 30%, some do-not-call ----------
    primary = cust_ids[rng.random(n_cust) < 0.97]
    second = cust_ids[rng.random(n_cust) < 0.30]
    c_cust = np.concatenate([primary, second])
    c_primary = np.concatenate([np.ones(len(primary), bool), np.zeros(len(second), bool)])
    n_contacts = len(c_cust)
    phones = np.empty(n_contacts, dtype=object)
    c_country = cidx[c_cust - 1]
    for i, c in enumerate(COUNTRIES):
        rows = np.flatnonzero(c_country == i)
        prefix = np.array(c[4])[rng.integers(0, len(c[4]), len(rows))]
        digits = rng.integers(2 * 10 ** (c[5] - 1), 10 ** c[5], len(rows)).astype(str)
        phones[rows] = np.char.add(prefix.astype(str), digits)
    phones[rng.random(n_contacts) < 0.03] = ""
    contacts = pl.DataFrame(
        {
            "id": np.arange(1, n_contacts + 1, dtype=np.int64),
            "name": np.where(c_primary, "Accounts payable", "Controller"),
            "role": "",
            "phone": phones.astype(str),
            "email": "",
            "is_primary": c_primary,
            "do_not_call": rng.random(n_contacts) < 0.02,
            "preferred_channel": "",
            "preferred_hours": "",
            "customer_id": c_cust.astype(np.int64),
        }
    ).with_columns(*common)

    # --- invoices: settled history, open items, unused credit notes ---------------------------
    bias = rng.normal(4, 12, n_cust)  # each customer's habitual lateness in days
    n_docs = n_settled + n_open + n_credit
    who = np.concatenate([rng.integers(0, n_cust, n_settled), rng.integers(0, n_cust, n_open), rng.integers(0, n_cust, n_credit)])
    terms = rng.choice(np.array([14, 30, 45, 60]), n_docs)
    issue = np.concatenate(
        [
            as_of - 760 + rng.integers(0, 700, n_settled),
            as_of - 240 + rng.integers(0, 240, n_open),
            as_of - rng.integers(0, 365, n_credit),
        ]
    )
    due = issue + terms
    doc_currency = currency[who]
    amount = rng.integers(5_000, 3_000_000, n_docs)
    amount = np.where(doc_currency == "JPY", amount // 100 + 1, amount)
    kind = np.full(n_docs, "invoice", dtype=object)
    kind[n_settled : n_settled + n_open : 40] = "debit_note"
    kind[n_settled + n_open :] = "credit_note"
    ids = np.arange(1, n_docs + 1, dtype=np.int64)

    s = slice(0, n_settled)
    delay = np.rint(bias[who[s]] + rng.normal(0, 8, n_settled)).astype(np.int64)
    settle = np.clip(due[s] + delay, issue[s], as_of - 1)
    o = slice(n_settled, n_settled + n_open)
    part = rng.random(n_open) < 0.15
    paid_part = amount[o][part] // 3
    paid_on = issue[o][part] + (rng.random(part.sum()) * (as_of - issue[o][part])).astype(np.int64)
    open_amount = amount.copy()
    open_amount[s] = 0
    open_idx = np.flatnonzero(part) + n_settled
    open_amount[open_idx] -= paid_part
    invoices = pl.DataFrame(
        {
            "id": ids,
            "source": "",
            "invoice_ref": [f"INV{i:08d}" for i in ids],
            "kind": kind.astype(str),
            "issue_date": _days(issue),
            "due_date": _days(due),
            "currency": doc_currency,
            "amount": amount,
            "open_amount": open_amount,
            "po_number": "",
            "description": "",
            "customer_id": who.astype(np.int64) + 1,
        }
    ).with_columns(*common)

    # --- payments and allocations: one payment per allocation ---------------------------------
    a_inv = np.concatenate([ids[s], ids[open_idx]])
    a_amt = np.concatenate([amount[s], paid_part])
    a_on = np.concatenate([settle, paid_on])
    n_alloc = len(a_inv)
    pay_ids = np.arange(1, n_alloc + 1, dtype=np.int64)
    payments = pl.DataFrame(
        {
            "id": pay_ids,
            "source": "",
            "payment_ref": [f"PAY{i:08d}" for i in pay_ids],
            "received_on": _days(a_on),
            "amount": a_amt,
            "currency": doc_currency[a_inv - 1],
            "unapplied_amount": np.zeros(n_alloc, dtype=np.int64),
            "method": "ach",
            "reference": "",
            "customer_id": who[a_inv - 1].astype(np.int64) + 1,
        }
    ).with_columns(*common)
    allocations = pl.DataFrame(
        {
            "id": pay_ids,
            "amount": a_amt,
            "applied_on": _days(a_on),
            "credit_note_id": pl.Series([None] * n_alloc, dtype=pl.Int64),
            "invoice_id": a_inv,
            "payment_id": pay_ids,
        }
    ).with_columns(_stamp("created_at"))

    # --- predictions for every open debit item -------------------------------------------------
    open_rows = np.arange(n_settled, n_settled + n_open)
    p_late = np.clip(rng.beta(2, 4, n_open) + np.clip(bias[who[open_rows]], 0, 40) / 100, 0, 1)
    p_30 = np.clip(p_late * rng.uniform(0.3, 1.0, n_open), 0, 1)
    expected = np.maximum(due[open_rows] + np.rint(bias[who[open_rows]]).astype(np.int64), as_of)
    model = pl.DataFrame(
        {
            "id": [1],
            "cutoff": [AS_OF],
            "mode": ["gbm"],
            "features": ["[]"],
            "metrics": ["{}"],
            "fallback": [False],
            "path": [""],
        }
    ).with_columns(_stamp("trained_at"))
    predictions = pl.DataFrame(
        {
            "id": np.arange(1, n_open + 1, dtype=np.int64),
            "expected_pay_date": _days(expected),
            "p_late": p_late,
            "p_7": np.clip(p_late * 1.2, 0, 1),
            "p_30": p_30,
            "invoice_id": ids[open_rows],
            "model_id": np.ones(n_open, dtype=np.int64),
        }
    ).with_columns(_stamp("scored_at"))

    # --- activities over the last 90 days --------------------------------------------------------
    n_act = int(400_000 * scale)
    act_cust = rng.integers(1, n_cust + 1, n_act)
    channel = np.array(["call", "email", "note"])[rng.choice(3, n_act, p=[0.6, 0.3, 0.1])]
    call_outcomes = np.array(
        ["no_answer", "voicemail", "conversation", "promise_to_pay", "callback", "dispute", "refused", "already_paid"]
    )
    outcome = call_outcomes[rng.choice(8, n_act, p=[0.4, 0.2, 0.15, 0.1, 0.05, 0.03, 0.03, 0.04])]
    outcome = np.where(channel == "email", "sent", np.where(channel == "note", "", outcome))
    at_us = (AT - dt.timedelta(days=90)).timestamp() * 1e6 + rng.random(n_act) * 90 * 86400 * 1e6
    activities = pl.DataFrame(
        {
            "id": np.arange(1, n_act + 1, dtype=np.int64),
            "channel": channel,
            "direction": "out",
            "at": pl.Series(at_us.astype(np.int64)).cast(pl.Datetime("us", "UTC")),
            "outcome": outcome,
            "objective": "",
            "notes": "",
            "customer_feedback": "",
            "sentiment": "",
            "tone_flags": "[]",
            "customer_id": act_cust.astype(np.int64),
            "user_id": rng.integers(1, n_coll + n_senior + 1, n_act),
        }
    )

    # --- promises ------------------------------------------------------------------------------
    n_prom = int(40_000 * scale)
    p_status = np.array(["open", "kept", "broken", "partially_kept", "cancelled"])[
        rng.choice(5, n_prom, p=[0.3, 0.4, 0.2, 0.05, 0.05])
    ]
    promised = np.where(p_status == "open", as_of + rng.integers(-2, 15, n_prom), as_of - rng.integers(1, 60, n_prom))
    resolved = np.where(p_status == "open", -1, promised + rng.integers(0, 4, n_prom))
    promises = pl.DataFrame(
        {
            "id": np.arange(1, n_prom + 1, dtype=np.int64),
            "amount": rng.integers(10_000, 2_000_000, n_prom),
            "currency": "USD",
            "promised_date": _days(promised),
            "tolerance_days": np.full(n_prom, 2),
            "status": p_status,
            "level": np.zeros(n_prom, dtype=np.int64),
            "kept_amount": np.zeros(n_prom, dtype=np.int64),
            "resolved_on": _days(np.minimum(resolved, as_of)),
            "customer_id": rng.integers(1, n_cust + 1, n_prom),
        }
    ).with_columns(
        pl.when(pl.col("status") == "open").then(None).otherwise(pl.col("resolved_on")).alias("resolved_on"), _stamp("created_at")
    )

    # --- payment plans with four monthly instalments ------------------------------------------
    n_plan = int(3_000 * scale)
    plans = pl.DataFrame(
        {
            "id": np.arange(1, n_plan + 1, dtype=np.int64),
            "currency": "USD",
            "status": np.array(["active", "completed", "broken"])[rng.choice(3, n_plan, p=[0.7, 0.2, 0.1])],
            "customer_id": rng.integers(1, n_cust + 1, n_plan),
        }
    ).with_columns(_stamp("created_at"))
    first_due = as_of - 40 + rng.integers(0, 45, n_plan)
    inst_plan = np.repeat(np.arange(1, n_plan + 1), 4)
    inst_due = np.repeat(first_due, 4) + np.tile(np.arange(4) * 30, n_plan)
    instalments = pl.DataFrame(
        {
            "id": np.arange(1, len(inst_plan) + 1, dtype=np.int64),
            "due_date": _days(inst_due),
            "amount": np.full(len(inst_plan), 250_000),
            "status": np.where(inst_due < as_of, "kept", "open"),
            "kept_amount": np.zeros(len(inst_plan), dtype=np.int64),
            "plan_id": inst_plan.astype(np.int64),
        }
    )

    # --- disputes on open items -----------------------------------------------------------------
    n_disp = int(10_000 * scale)
    disputed_rows = rng.choice(open_rows, n_disp, replace=False)
    d_status = np.array(["open", "in_review", "resolved", "rejected"])[rng.choice(4, n_disp, p=[0.4, 0.2, 0.3, 0.1])]
    closed = np.isin(d_status, ["resolved", "rejected"])
    opened = as_of - rng.integers(1, 90, n_disp)
    disputes = pl.DataFrame(
        {
            "id": np.arange(1, n_disp + 1, dtype=np.int64),
            "reason": "pricing",
            "amount": open_amount[disputed_rows],
            "currency": doc_currency[disputed_rows],
            "owner_external": "",
            "status": d_status,
            "resolution": np.where(closed, np.where(d_status == "rejected", "rejected", "corrected"), ""),
            "opened_on": _days(opened),
            "resolved_on": _days(np.minimum(opened + rng.integers(0, 30, n_disp), as_of)),
            "closed": closed,
            "notes": "",
            "customer_id": who[disputed_rows].astype(np.int64) + 1,
        }
    ).with_columns(pl.when(pl.col("closed")).then(pl.col("resolved_on")).otherwise(None).alias("resolved_on"))
    disputes = disputes.drop("closed")
    dispute_invoices = pl.DataFrame(
        {
            "id": np.arange(1, n_disp + 1, dtype=np.int64),
            "dispute_id": np.arange(1, n_disp + 1, dtype=np.int64),
            "invoice_id": ids[disputed_rows],
        }
    )
    fx = pl.DataFrame(
        {
            "id": np.arange(1, len(FX) + 1),
            "currency": list(FX),
            "on": [AS_OF - dt.timedelta(days=1)] * len(FX),
            "rate": list(FX.values()),
        }
    ).with_columns(_stamp("created_at"), _stamp("updated_at"))

    return {
        "accounts_user": users,
        "ledger_customer": customers,
        "ledger_contact": contacts,
        "ledger_invoice": invoices,
        "ledger_payment": payments,
        "ledger_allocation": allocations,
        "prediction_predictionmodel": model,
        "prediction_invoiceprediction": predictions,
        "activities_activity": activities,
        "promises_promise": promises,
        "promises_paymentplan": plans,
        "promises_instalment": instalments,
        "disputes_dispute": disputes,
        "disputes_dispute_invoices": dispute_invoices,
        "ledger_fxrate": fx,
    }


def populate(scale: float) -> dict[str, Any]:
    """Migrate, then write the generated ledger in one transaction (Django must be set up)."""
    import time

    from django.core.management import call_command
    from django.db import connection, transaction

    from recoup.database.bulk import bulk_load, insert_frame

    call_command("migrate", verbosity=0)
    tables = generate(scale)
    started = time.perf_counter()
    with transaction.atomic():
        for table, frame in tables.items():
            with bulk_load(connection, table, frame.height):
                insert_frame(connection, table, frame)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for table in tables:
                    cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "rows": {table: frame.height for table, frame in tables.items()},
        "open_debit_items": int(
            tables["ledger_invoice"].filter((pl.col("open_amount") > 0) & (pl.col("kind") != "credit_note")).height
        ),
        "populate_seconds": round(time.perf_counter() - started, 1),
    }
