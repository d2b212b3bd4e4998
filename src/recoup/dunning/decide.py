"""The facts a follow-up run decides from, read column-wise as frames (rules.ITEM_COLUMNS etc.).

One aggregate statement per fact, all through the worklist's Reader (column-wise for the whole
ledger, Django's cursor for a few customers or inside a transaction), then joined in Polars:
no per-customer queries, so a run over 100,000 customers costs a few statements.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import polars as pl
from django.db import connection

from recoup.database import sql
from recoup.database.columnar import Reader
from recoup.disputes import selectors as dispute_selectors
from recoup.dunning import rules
from recoup.ledger import frames as ledger_frames
from recoup.worklist import facts as worklist_facts
from recoup.worklist import services as worklist_services

# Contact roles that make a contact the one who receives dunning (case-insensitive).
BILLING_ROLES = ("billing", "ap", "a/p", "accounts payable", "accounts-payable", "accounting")

ITEMS_SQL = (
    "SELECT i.customer_id, i.id AS invoice_id, i.invoice_ref, i.due_date, i.open_amount, i.currency"
    " FROM ledger_invoice i WHERE i.open_amount > 0 AND i.kind <> 'credit_note'"
)
ITEMS_SCHEMA = {
    k: rules.ITEM_COLUMNS[k] for k in ("customer_id", "invoice_id", "invoice_ref", "due_date", "open_amount", "currency")
}
CONTACTS_SQL = (
    "SELECT customer_id, id AS contact_id, name AS contact_name, email, role, phone, is_primary, do_not_call"
    " FROM ledger_contact WHERE 1 = 1"
)
CONTACTS_SCHEMA = {
    "customer_id": pl.Int64,
    "contact_id": pl.Int64,
    "contact_name": pl.String,
    "email": pl.String,
    "role": pl.String,
    "phone": pl.String,
    "is_primary": pl.Boolean,
    "do_not_call": pl.Boolean,
}
# An open promise covers its invoices, or every item of the customer when it names none; the
# same for an active payment plan.
PROMISED_ITEMS_SQL = (
    "SELECT pi.invoice_id, MAX(p.promised_date) AS promised_until FROM promises_promise_invoices pi"
    " JOIN promises_promise p ON p.id = pi.promise_id WHERE p.status = 'open'{where} GROUP BY pi.invoice_id"
)
PROMISED_CUSTOMERS_SQL = (
    "SELECT p.customer_id, MAX(p.promised_date) AS promised_all FROM promises_promise p WHERE p.status = 'open'"
    " AND NOT EXISTS (SELECT 1 FROM promises_promise_invoices pi WHERE pi.promise_id = p.id){where} GROUP BY p.customer_id"
)
PLAN_ITEMS_SQL = (
    "SELECT DISTINCT pi.invoice_id FROM promises_paymentplan_invoices pi"
    " JOIN promises_paymentplan p ON p.id = pi.paymentplan_id WHERE p.status = 'active'{where}"
)
PLAN_CUSTOMERS_SQL = (
    "SELECT DISTINCT p.customer_id FROM promises_paymentplan p WHERE p.status = 'active'"
    " AND NOT EXISTS (SELECT 1 FROM promises_paymentplan_invoices pi WHERE pi.paymentplan_id = p.id){where}"
)
HOLDS_SQL = "SELECT DISTINCT customer_id FROM dunning_credithold WHERE lifted_at IS NULL"
# Firings of open items only (a firing of a paid invoice no longer matters); the join starts
# from the firings, so an empty or small table costs nothing.
FIRED_SQL = (
    "SELECT f.invoice_id, f.step_key, f.offset_days FROM dunning_firing f"
    " JOIN ledger_invoice i ON i.id = f.invoice_id WHERE i.open_amount > 0{where}"
)
STEPS_SQL = (
    "SELECT strategy_id, id AS step_id, key AS step_key, label, offset_days, channel, template_key"
    " FROM dunning_sequencestep WHERE active = {true}"
)


def _recipients(contacts: pl.DataFrame) -> pl.DataFrame:
    """Per customer: the billing/AP contact, else the primary one, among those that may be
    contacted; ``contact_blocked`` when the customer has such contacts and all are do-not-contact."""
    col = pl.col
    ranked = contacts.with_columns(
        rank=pl.when(col("role").str.to_lowercase().str.strip_chars().is_in(list(BILLING_ROLES)))
        .then(0)
        .when(col("is_primary"))
        .then(1)
        .otherwise(2)
    ).filter(col("rank") < 2)
    chosen = (
        ranked.filter(~col("do_not_call"))
        .sort("customer_id", "rank", "contact_id")
        .unique("customer_id", keep="first", maintain_order=True)
        .select("customer_id", "contact_id", "contact_name", "email", "phone")
    )
    blocked = ranked.group_by("customer_id").agg(contact_blocked=col("do_not_call").all())
    primary = contacts.filter(col("is_primary")).unique("customer_id", keep="first").select("customer_id", primary_phone="phone")
    return chosen.join(blocked, on="customer_id", how="full", coalesce=True).join(
        primary, on="customer_id", how="full", coalesce=True
    )


def _where(column: str, customer_ids: list[int] | None) -> str:
    if customer_ids is None:
        return ""
    return f" AND {column} IN ({', '.join(str(int(i)) for i in sorted(set(customer_ids))) or 'NULL'})"


def _read(read: Reader, customer_ids: list[int] | None) -> dict[str, pl.DataFrame]:
    one = customer_ids[0] if customer_ids is not None and len(customer_ids) == 1 else None
    true = "TRUE" if connection.vendor == "postgresql" else "1"
    items_sql = ITEMS_SQL
    if customer_ids is None:
        # The whole table in order beats SQLite's walk of the open-amount index (sql.unindexed).
        items_sql = items_sql.replace("i.open_amount > 0", sql.unindexed("i.open_amount") + " > 0")
    return {
        "items": read(items_sql + _where("i.customer_id", customer_ids), ITEMS_SCHEMA),
        "profiles": read(ledger_frames.PROFILES_SQL + _where("c.id", customer_ids), ledger_frames.PROFILES_SCHEMA),
        "contacts": read(CONTACTS_SQL + _where("customer_id", customer_ids), CONTACTS_SCHEMA),
        "disputed": dispute_selectors.disputed_invoices(read, customer_id=one),
        "promised_items": read(
            PROMISED_ITEMS_SQL.format(where=_where("p.customer_id", customer_ids)),
            {"invoice_id": pl.Int64, "promised_until": pl.Date},
        ),
        "promised_customers": read(
            PROMISED_CUSTOMERS_SQL.format(where=_where("p.customer_id", customer_ids)),
            {"customer_id": pl.Int64, "promised_all": pl.Date},
        ),
        "plan_items": read(PLAN_ITEMS_SQL.format(where=_where("p.customer_id", customer_ids)), {"invoice_id": pl.Int64}),
        "plan_customers": read(PLAN_CUSTOMERS_SQL.format(where=_where("p.customer_id", customer_ids)), {"customer_id": pl.Int64}),
        "holds": read(HOLDS_SQL + _where("customer_id", customer_ids).replace(" AND ", " WHERE ", 1), {"customer_id": pl.Int64}),
        "fired": read(FIRED_SQL.format(where=_where("i.customer_id", customer_ids)), rules.FIRED_COLUMNS),
        "steps": read(STEPS_SQL.format(true=true), rules.STEP_COLUMNS),
    }


# What locating a customer needs (worklist.facts.resolve_zones), and what it gives.
WHERE_FROM = ("timezone", "region", "country", "primary_phone", "phone")
LOCATION = ("zone", "holiday_country", "subdivision")


def locate(customers: pl.DataFrame) -> pl.DataFrame:
    """Zone, holiday country and subdivision, as the worklist finds them."""
    return worklist_facts.resolve_zones(customers).drop(*WHERE_FROM)


def load(*, customer_ids: list[int] | None = None, stages: dict[str, float] | None = None) -> dict[str, Any]:
    """The frames ``rules.decide`` takes, plus ``hours`` (business hours per strategy id);
    ``stages`` receives the seconds spent reading and resolving time zones."""
    stages = stages if stages is not None else {}
    clock = time.perf_counter()
    specs, by_segment, default = worklist_services.strategies()
    with worklist_facts.reader(whole_ledger=customer_ids is None) as read:
        raw = _read(read, customer_ids)
    stages["read"] = time.perf_counter() - clock
    clock = time.perf_counter()
    col = pl.col
    items = (
        raw["items"]
        .with_columns(disputed=col("invoice_id").is_in(raw["disputed"]["invoice_id"].implode()))
        .join(raw["promised_items"], on="invoice_id", how="left")
        .join(raw["promised_customers"], on="customer_id", how="left")
        .with_columns(
            promised_until=pl.max_horizontal("promised_until", "promised_all"),
            in_plan=col("invoice_id").is_in(raw["plan_items"]["invoice_id"].implode())
            | col("customer_id").is_in(raw["plan_customers"]["customer_id"].implode()),
        )
        .select(list(rules.ITEM_COLUMNS))
    )
    profiles = raw["profiles"].join(items.select("customer_id").unique(), on="customer_id", how="semi")
    customers = profiles.join(_recipients(raw["contacts"]), on="customer_id", how="left")
    customers = customers.with_columns(
        strategy_id=col("segment").replace_strict(by_segment, default=default, return_dtype=pl.Int64),
        credit_held=col("customer_id").is_in(raw["holds"]["customer_id"].implode()),
        contact_blocked=col("contact_blocked").fill_null(False),
    ).select(*(c for c in rules.CUSTOMER_COLUMNS if c not in LOCATION), *WHERE_FROM)
    stages["join"] = time.perf_counter() - clock
    return {
        "items": items,
        "customers": customers,
        "fired": raw["fired"],
        "steps": raw["steps"],
        "hours": {sid: spec.hours for sid, spec in specs.items()},
    }


def decisions(*, at: dt.datetime, as_of: dt.date, customer_ids: list[int] | None = None) -> rules.Decisions:
    """What a run at ``at`` fires (nothing written)."""
    stages: dict[str, float] = {}
    loaded = load(customer_ids=customer_ids, stages=stages)
    clock = time.perf_counter()
    decided = rules.decide(
        loaded["items"],
        loaded["customers"],
        loaded["fired"],
        loaded["steps"],
        as_of=as_of,
        at=at,
        hours=loaded["hours"],
        locate=_timed(locate, stages, "zones"),
    )
    decided.stages.update(stages, decide=time.perf_counter() - clock - stages.get("zones", 0.0))
    return decided


def _timed(
    fn: Callable[[pl.DataFrame], pl.DataFrame], stages: dict[str, float], name: str
) -> Callable[[pl.DataFrame], pl.DataFrame]:
    def run(frame: pl.DataFrame) -> pl.DataFrame:
        clock = time.perf_counter()
        try:
            return fn(frame)
        finally:
            stages[name] = time.perf_counter() - clock

    return run


__all__ = ["BILLING_ROLES", "decisions", "load"]
