"""Reading what the valuation rules need, for the whole ledger or one customer, as frames.

One SQL statement per fact, aggregated by the database, read column-wise (ADBC) when a second
connection sees the same data, else through Django's cursor (inside a transaction, in tests).
Only literals recoup builds itself (ints, ISO dates) are spliced into the SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import polars as pl
from django.conf import settings
from django.db import connection

from recoup.activities.models import REACHED
from recoup.analytics.frames import PPB
from recoup.kernel.calendar import country_zones, holiday_country, resolve_timezone
from recoup.kernel.money import UnknownCurrency, currency_exponent
from recoup.reports.loading import Reader, arrow_reader, cursor_reader, uses_arrow
from recoup.worklist.rules import CUSTOMER_FACTS, ITEM_FACTS

UTC_DATETIME = pl.Datetime("us", "UTC")


@contextmanager
def reader(*, prefer_arrow: bool = True) -> Iterator[Reader]:
    if prefer_arrow and uses_arrow(connection):
        read, close = arrow_reader(connection.settings_dict)
        try:
            yield read
        finally:
            close()
    else:
        yield cursor_reader(connection)


def _epoch(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(EXTRACT(EPOCH FROM {column}) AS BIGINT)"
    return f"CAST(strftime('%s', {column}) AS BIGINT)"


def _instant(value: dt.datetime) -> str:
    utc = value.astimezone(dt.UTC)
    if connection.vendor == "postgresql":
        return f"CAST('{utc.isoformat()}' AS TIMESTAMPTZ)"
    # Django stores SQLite datetimes as UTC text in this shape, so text order is time order.
    return f"'{utc:%Y-%m-%d %H:%M:%S}'"


def _unindexed(column: str) -> str:
    """``column`` in a condition SQLite must not answer through an index.

    Open items are half the invoice table: SQLite otherwise walks the (customer_id,
    open_amount) index for ``open_amount > 0`` and fetches each row from the table by rowid,
    two to three times slower than reading the table in order. (The unary plus is SQLite's
    documented way to say so; PostgreSQL plans these by itself.)
    """
    return f"+{column}" if connection.vendor == "sqlite" else column


def _date(value: dt.date) -> str:
    return f"'{value.isoformat()}'"


def _in(values: frozenset[str]) -> str:
    return ", ".join(f"'{v}'" for v in sorted(values) if v.isidentifier())


def _for(column: str, customer_id: int | None) -> str:
    return "" if customer_id is None else f" AND {column} = {int(customer_id)}"


def latest_rates(read: Reader) -> dict[str, int]:
    """The newest rate of each currency to the home currency, in parts per billion."""
    frame = read(
        'SELECT f.currency, CAST(ROUND(f.rate * 1000000000) AS BIGINT) AS rate_ppb FROM reports_fxrate f WHERE f."on" = '
        '(SELECT MAX(g."on") FROM reports_fxrate g WHERE g.currency = f.currency)',
        {"currency": pl.String, "rate_ppb": pl.Int64},
    )
    return dict(zip(frame["currency"].to_list(), frame["rate_ppb"].to_list(), strict=True))


def _exponent(code: str) -> int:
    try:
        return currency_exponent(code)
    except UnknownCurrency:
        return 2


def to_home(frame: pl.DataFrame, amount: str, rates: dict[str, int], home: str) -> pl.Expr:
    """``amount`` (minor units of the row's ``currency``) in home minor units, integer maths.

    A currency without any rate converts at 1 (only the minor-unit exponent is adjusted): the
    worklist must still rank such a customer, and docs/worklist.md says to load rates.
    """
    codes = frame["currency"].unique().to_list() if frame.height else []
    home_exp = _exponent(home)
    mul: dict[str, int] = {}
    div: dict[str, int] = {}
    for code in codes:
        shift = home_exp - _exponent(code)
        rate = PPB if code == home else rates.get(code, PPB)
        mul[code] = rate * 10 ** max(shift, 0)
        div[code] = PPB * 10 ** max(-shift, 0)
    if not codes:
        return pl.col(amount)
    num = pl.col(amount).cast(pl.Int128) * pl.col("currency").replace_strict(mul, return_dtype=pl.Int128)
    den = pl.col("currency").replace_strict(div, return_dtype=pl.Int128)
    # Amounts here are never negative (open amounts, limits): half-up is plain integer maths.
    return ((num + den // 2) // den).cast(pl.Int64)


ITEMS_SQL = (
    "SELECT i.customer_id, i.id AS invoice_id, i.invoice_ref, i.open_amount, i.currency, i.due_date,"
    " p.p_30, p.expected_pay_date"
    " FROM ledger_invoice i LEFT JOIN prediction_invoiceprediction p ON p.invoice_id = i.id"
    " WHERE i.open_amount > 0 AND i.kind <> 'credit_note'"
)
ITEMS_SCHEMA = {
    "customer_id": pl.Int64,
    "invoice_id": pl.Int64,
    "invoice_ref": pl.String,
    "open_amount": pl.Int64,
    "currency": pl.String,
    "due_date": pl.Date,
    "p_30": pl.Float64,
    "expected_pay_date": pl.Date,
}

CUSTOMERS_SQL = (
    "SELECT c.id AS customer_id, c.customer_ref, c.name, c.segment, c.currency, c.is_consumer, c.status, c.credit_limit,"
    " c.collector_id, c.timezone, c.region, c.country FROM ledger_customer c WHERE 1 = 1"
)
CUSTOMERS_SCHEMA = {
    "customer_id": pl.Int64,
    "customer_ref": pl.String,
    "name": pl.String,
    "segment": pl.String,
    "currency": pl.String,
    "is_consumer": pl.Boolean,
    "status": pl.String,
    "credit_limit": pl.Int64,
    "collector_id": pl.Int64,
    "timezone": pl.String,
    "region": pl.String,
    "country": pl.String,
}

CONTACTS_SQL = (
    "SELECT customer_id, id AS contact_id, name AS contact_name, phone, is_primary, do_not_call FROM ledger_contact"
    " WHERE phone <> ''"
)
CONTACTS_SCHEMA = {
    "customer_id": pl.Int64,
    "contact_id": pl.Int64,
    "contact_name": pl.String,
    "phone": pl.String,
    "is_primary": pl.Boolean,
    "do_not_call": pl.Boolean,
}


def load(
    *, as_of: dt.date, now: dt.datetime, customer_id: int | None = None, late_within_days: int | None = None
) -> dict[str, Any]:
    """Everything the valuation needs: ``items`` and ``customers`` frames (ITEM_FACTS and
    CUSTOMER_FACTS columns plus identity, contact and location columns) and ``home``.

    ``late_within_days``: count invoices paid late in the last year only for customers with an
    item due within that many days (what the preventive rule asks); None skips the count.
    """
    home = settings.RECOUP_HOME_CURRENCY
    reached = _in(frozenset(str(o) for o in REACHED))
    week_ago = now - dt.timedelta(days=7)
    with reader(prefer_arrow=customer_id is None) as read:
        rates = latest_rates(read)
        if customer_id is None and connection.vendor == "sqlite":
            # In table order, then sorted into the order the index walk gave, so ties between
            # items (equal amounts, equal due dates) come out exactly as before.
            items = read(ITEMS_SQL.replace("i.open_amount > 0", _unindexed("i.open_amount") + " > 0"), ITEMS_SCHEMA)
            items = items.sort("customer_id", "open_amount", "invoice_id")
        else:
            items = read(ITEMS_SQL + _for("i.customer_id", customer_id), ITEMS_SCHEMA)
        customers = read(CUSTOMERS_SQL + _for("c.id", customer_id), CUSTOMERS_SCHEMA)
        contacts = read(CONTACTS_SQL + _for("customer_id", customer_id), CONTACTS_SCHEMA)
        disputed = read(
            "SELECT DISTINCT di.invoice_id FROM disputes_dispute_invoices di JOIN disputes_dispute d ON d.id = di.dispute_id"
            " WHERE d.status IN ('open', 'in_review')" + _for("d.customer_id", customer_id),
            {"invoice_id": pl.Int64},
        )
        activities = read(
            f"SELECT customer_id,"
            f" MAX(CASE WHEN outcome IN ({reached}) THEN {_epoch('at')} END) AS last_reached,"
            f" MAX(CASE WHEN channel = 'call' THEN {_epoch('at')} END) AS last_attempt,"
            f" MAX(CASE WHEN channel = 'call' AND outcome IN ({reached}) THEN {_epoch('at')} END) AS last_conversation,"
            f" SUM(CASE WHEN channel = 'call' AND at > {_instant(week_ago)} AND at <= {_instant(now)} THEN 1 ELSE 0 END)"
            f" AS calls_last_7_days"
            f" FROM activities_activity WHERE at <= {_instant(now)}" + _for("customer_id", customer_id) + " GROUP BY customer_id",
            {
                "customer_id": pl.Int64,
                "last_reached": pl.Int64,
                "last_attempt": pl.Int64,
                "last_conversation": pl.Int64,
                "calls_last_7_days": pl.Int64,
            },
        )
        promises = read(
            "SELECT customer_id,"
            " MIN(CASE WHEN status = 'open' THEN promised_date END) AS open_promise_date,"
            " MAX(CASE WHEN status = 'broken' THEN resolved_on END) AS last_broken_on,"
            " SUM(CASE WHEN status = 'broken' THEN 1 ELSE 0 END) AS broken_promises"
            " FROM promises_promise WHERE 1 = 1" + _for("customer_id", customer_id) + " GROUP BY customer_id",
            {"customer_id": pl.Int64, "open_promise_date": pl.Date, "last_broken_on": pl.Date, "broken_promises": pl.Int64},
        )
        disputes = read(
            "SELECT customer_id, currency,"
            " CAST(SUM(CASE WHEN status IN ('open', 'in_review') THEN amount ELSE 0 END) AS BIGINT) AS open_dispute,"
            " MAX(CASE WHEN status IN ('resolved', 'rejected') THEN resolved_on END) AS last_dispute_resolved_on"
            " FROM disputes_dispute WHERE 1 = 1" + _for("customer_id", customer_id) + " GROUP BY customer_id, currency",
            {"customer_id": pl.Int64, "currency": pl.String, "open_dispute": pl.Int64, "last_dispute_resolved_on": pl.Date},
        )
        instalments = read(
            "SELECT p.customer_id, MIN(n.due_date) AS next_instalment_due FROM promises_instalment n"
            " JOIN promises_paymentplan p ON p.id = n.plan_id WHERE p.status = 'active' AND n.status = 'open'"
            + _for("p.customer_id", customer_id)
            + " GROUP BY p.customer_id",
            {"customer_id": pl.Int64, "next_instalment_due": pl.Date},
        )
        late = None
        if late_within_days is not None:
            horizon = as_of + dt.timedelta(days=late_within_days)
            late = read(
                "SELECT i.customer_id, COUNT(*) AS late_paid_last_year FROM ledger_invoice i"
                f" WHERE i.customer_id IN (SELECT o.customer_id FROM ledger_invoice o WHERE {_unindexed('o.open_amount')} > 0"
                f" AND o.kind <> 'credit_note' AND o.due_date >= {_date(as_of)} AND o.due_date <= {_date(horizon)}"
                + _for("o.customer_id", customer_id)
                + ") AND i.open_amount = 0 AND i.kind <> 'credit_note'"
                f" AND i.due_date >= {_date(as_of - dt.timedelta(days=365))} AND i.due_date < {_date(as_of)}"
                " AND EXISTS (SELECT 1 FROM ledger_allocation a WHERE a.invoice_id = i.id AND a.applied_on > i.due_date)"
                " GROUP BY i.customer_id",
                {"customer_id": pl.Int64, "late_paid_last_year": pl.Int64},
            )

    items = items.with_columns(open_home=to_home(items, "open_amount", rates, home)).with_columns(
        disputed=pl.col("invoice_id").is_in(disputed["invoice_id"].implode())
    )
    credit_rows = customers.select("customer_id", "currency", "credit_limit")
    customers = customers.with_columns(credit_limit_home=to_home(credit_rows, "credit_limit", rates, home))
    disputes = disputes.with_columns(open_dispute_home=to_home(disputes, "open_dispute", rates, home))
    disputes = disputes.group_by("customer_id").agg(pl.col("open_dispute_home").sum(), pl.col("last_dispute_resolved_on").max())

    # The contact to call: the primary one unless it may not be called, else the first callable.
    ranked_contacts = contacts.sort(
        ["customer_id", "do_not_call", "is_primary", "contact_id"], descending=[False, False, True, False]
    )
    chosen = ranked_contacts.filter(~pl.col("do_not_call")).unique("customer_id", keep="first", maintain_order=True)
    primary_phone = (
        contacts.filter(pl.col("is_primary")).unique("customer_id", keep="first").select("customer_id", primary_phone="phone")
    )
    blocked = contacts.group_by("customer_id").agg(do_not_call=pl.col("do_not_call").all())

    def epoch(name: str) -> pl.Expr:
        return pl.from_epoch(pl.col(name), time_unit="s").dt.replace_time_zone("UTC").cast(UTC_DATETIME)

    activities = activities.select(
        "customer_id",
        epoch("last_reached").alias("last_reached_at"),
        epoch("last_attempt").alias("last_attempt_at"),
        epoch("last_conversation").alias("last_conversation_at"),
        "calls_last_7_days",
    )
    frame = customers
    for other in (
        chosen.select("customer_id", "contact_id", "contact_name", "phone"),
        primary_phone,
        blocked,
        activities,
        promises,
        disputes,
        instalments,
    ):
        frame = frame.join(other, on="customer_id", how="left")
    if late is not None:
        frame = frame.join(late, on="customer_id", how="left")
    else:
        frame = frame.with_columns(late_paid_last_year=pl.lit(None, pl.Int64))
    frame = frame.with_columns(
        pl.col(name).cast(dtype) for name, dtype in CUSTOMER_FACTS.items() if name in frame.columns and name != "customer_id"
    )
    return {"items": items.select(list(ITEM_FACTS)), "customers": frame, "home": home}


def resolve_zones(customers: pl.DataFrame, default: str | None = None, company_country: str | None = None) -> pl.DataFrame:
    """``zone``, ``holiday_country`` and ``subdivision`` per customer (DESIGN §4's order).

    Resolution runs once per distinct (timezone, region, country[, phone]): the phone is only
    consulted for customers whose explicit zone, region and country leave it open.
    """
    default = default or settings.RECOUP_DEFAULT_TIMEZONE
    company_country = company_country or settings.RECOUP_COMPANY_COUNTRY
    from recoup.kernel.phone import InvalidPhone, normalize_phone, phone_country

    keys = customers.select("customer_id", "timezone", "region", "country", "primary_phone", "phone")
    country_by_phone: dict[str, str | None] = {}
    zones: list[str] = []
    countries: list[str | None] = []

    def phone_country_of(phone: str | None, country: str | None) -> str | None:
        if not phone:
            return None
        if phone not in country_by_phone:
            try:
                country_by_phone[phone] = phone_country(normalize_phone(phone, country or None))
            except InvalidPhone:
                country_by_phone[phone] = None
        return country_by_phone[phone]

    decisive: dict[tuple[str, str, str], str | None] = {}
    without_phone: dict[tuple[str, str, str], str] = {}
    by_phone: dict[tuple[str, str, str, str], str] = {}
    for explicit, region, country, primary, phone in keys.select(
        "timezone", "region", "country", "primary_phone", "phone"
    ).iter_rows():
        number = primary or phone or None
        key = (explicit or "", region or "", country or "")
        if key not in decisive:
            first = resolve_timezone(
                explicit=explicit or None, region=region or None, country=country or None, phone=None, default=default
            )
            # The phone only matters where explicit zone, region and a one-zone country do not decide.
            one_zone = first.source == "country" and len(country_zones(country or "")) == 1
            decisive[key] = first.zone if first.source in ("explicit", "region") or one_zone else None
            without_phone[key] = first.zone
        zone = decisive[key]
        if zone is None:
            if number is None:
                zone = without_phone[key]
            else:
                zone = by_phone.get((*key, number))
                if zone is None:
                    zone = by_phone[(*key, number)] = resolve_timezone(
                        explicit=explicit or None, region=region or None, country=country or None, phone=number, default=default
                    ).zone
        zones.append(zone)
        countries.append(holiday_country(country, region, phone_country_of(number, None), company_country))
    return customers.with_columns(
        zone=pl.Series(zones, dtype=pl.String),
        holiday_country=pl.Series(countries, dtype=pl.String),
        subdivision=pl.col("region").replace("", None),
    )
