"""Gathering what the valuation rules need, for the whole ledger or one customer, as frames.

Each fact is read by the app that owns it (ledger.frames, prediction, activities, promises and
disputes selectors), one aggregate statement each, all through one Reader: column-wise for the
whole ledger (one snapshot), Django's cursor for one customer or inside a transaction. Here they
are converted to the home currency and joined into the valuation's two frames.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import polars as pl
from django.conf import settings
from django.db import connection

from recoup.activities import selectors as activity_selectors
from recoup.analytics.frames import PPB
from recoup.database import columnar
from recoup.database.columnar import Reader
from recoup.disputes import selectors as dispute_selectors
from recoup.kernel.calendar import country_zones, holiday_country, resolve_timezone
from recoup.kernel.money import UnknownCurrency, currency_exponent
from recoup.ledger import frames as ledger_frames
from recoup.ledger.frames import latest_rates, ledger_size
from recoup.prediction import selectors as prediction
from recoup.promises import selectors as promise_selectors
from recoup.worklist import selectors
from recoup.worklist.rules import CUSTOMER_FACTS, ITEM_FACTS

UTC_DATETIME = pl.Datetime("us", "UTC")


@contextmanager
def reader(*, whole_ledger: bool = True) -> Iterator[Reader]:
    """Column-wise for the whole ledger (one snapshot), Django's cursor for one customer."""
    if not whole_ledger or connection.in_atomic_block:
        yield columnar.cursor_reader(connection)
        return
    with columnar.reader(connection, expected_rows=ledger_size()) as read:
        yield read


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


def _per_customer(disputes: pl.DataFrame) -> pl.DataFrame:
    """Dispute facts per customer (they come per customer and currency): the amount in home units,
    the last settled, the earliest SLA due of an open case."""
    return disputes.group_by("customer_id").agg(
        pl.col("open_dispute_home").sum(), pl.col("last_dispute_resolved_on").max(), pl.col("open_dispute_sla_due").min()
    )


def load(
    *, as_of: dt.date, now: dt.datetime, customer_id: int | None = None, late_within_days: int | None = None
) -> dict[str, Any]:
    """Everything the valuation needs: ``items`` and ``customers`` frames (ITEM_FACTS and
    CUSTOMER_FACTS columns plus identity, contact and location columns) and ``home``.

    ``late_within_days``: count invoices paid late in the last year only for customers with an
    item due within that many days (what the preventive rule asks); None skips the count.
    """
    home = settings.RECOUP_HOME_CURRENCY
    whole = customer_id is None
    with reader(whole_ledger=whole) as read:
        rates = latest_rates(read)
        if whole and connection.vendor == "sqlite":
            # In table order, then sorted into the order the index walk gave, so ties between
            # items (equal amounts, equal due dates) come out exactly as before.
            items = prediction.open_items(read, in_table_order=True).sort("customer_id", "open_amount", "invoice_id")
        else:
            items = prediction.open_items(read, customer_id=customer_id)
        customers = ledger_frames.customer_profiles(read, customer_id=customer_id)
        contacts = ledger_frames.callable_contacts(read, customer_id=customer_id)
        disputed = dispute_selectors.disputed_invoices(read, customer_id=customer_id)
        activities = activity_selectors.contact_facts(read, now=now, customer_id=customer_id)
        promises = promise_selectors.promise_facts(read, customer_id=customer_id)
        disputes = dispute_selectors.dispute_facts(read, customer_id=customer_id)
        instalments = promise_selectors.plan_facts(read, customer_id=customer_id)
        callbacks = selectors.callback_facts(read, now=now, customer_id=customer_id)
        late = None
        if late_within_days is not None:
            late = ledger_frames.late_payers(read, as_of=as_of, due_within_days=late_within_days, customer_id=customer_id)

    items = items.with_columns(open_home=to_home(items, "open_amount", rates, home)).with_columns(
        disputed=pl.col("invoice_id").is_in(disputed["invoice_id"].implode())
    )
    credit_rows = customers.select("customer_id", "currency", "credit_limit")
    customers = customers.with_columns(credit_limit_home=to_home(credit_rows, "credit_limit", rates, home))
    disputes = disputes.with_columns(open_dispute_home=to_home(disputes, "open_dispute", rates, home))
    disputes = _per_customer(disputes)

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
    callbacks = callbacks.select("customer_id", epoch("next_callback").alias("next_callback_at"))
    frame = customers
    for other in (
        chosen.select("customer_id", "contact_id", "contact_name", "phone"),
        primary_phone,
        blocked,
        activities,
        promises,
        disputes,
        instalments,
        callbacks,
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
        # A customer's own country decides its holidays: the phone is parsed only without one.
        by_phone_country = None if (country or "").strip() else phone_country_of(number, None)
        countries.append(holiday_country(country, region, by_phone_country, company_country))
    return customers.with_columns(
        zone=pl.Series(zones, dtype=pl.String),
        holiday_country=pl.Series(countries, dtype=pl.String),
        subdivision=pl.col("region").replace("", None),
    )
