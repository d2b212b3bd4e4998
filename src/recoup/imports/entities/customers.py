"""Customers: the accounts themselves, and the primary contact each row may name."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

import polars as pl
from django.conf import settings

from recoup.database.bulk import fetch_frame, insert_frame, reserve_ids, update_frame
from recoup.imports.entities.base import (
    EMAIL,
    Job,
    Plan,
    Prepared,
    attributes,
    audit,
    ensure_columns,
    fingerprint,
    split_existing,
    stamp,
    update_events,
    with_exponents,
)
from recoup.imports.entities.contacts import DIALABLE, normalise_phones, write_primary_contacts
from recoup.imports.parsing import (
    Checker,
    duplicates,
    known_timezones,
    max_length,
    parse_bool,
    parse_int,
    parse_minor,
    require_present,
)
from recoup.ledger.canonical import CUSTOMERS, LINE, schema_of
from recoup.ledger.rules import LedgerRuleBroken, normalise_account

CUSTOMER_STATUSES = ["active", "on_hold", "with_agency"]

# The ledger_customer columns a row of the file sets, as the ledger holds them: what `plan`
# reads to compare and the audit shows as "before" (customer_ref is the key).
CUSTOMER_TABLE = schema_of(
    "name",
    "country",
    "region",
    "timezone",
    "currency",
    "payment_terms_days",
    "credit_limit",
    "segment",
    "is_consumer",
    "collector_id",
    "status",
)


@lru_cache(maxsize=1)
def _country_codes() -> frozenset[str]:
    from babel import Locale

    return frozenset(
        str(code) for code in Locale("en").territories if isinstance(code, str) and len(code) == 2 and code.isalpha()
    )


class CustomersHandler:
    # Order matters: the fingerprint of each row is stored (see base.fingerprint).
    fields = [
        "name",
        "country",
        "region",
        "timezone",
        "currency",
        "payment_terms_days",
        "credit_limit",
        "segment",
        "is_consumer",
        "collector_id",
        "parent_ref",
        "status",
        "attributes",
        "phone",
        "email",
        "contact_name",
    ]

    def prepare(self, job: Job) -> Prepared:
        check = job.checker()
        f = ensure_columns(job.frame, *CUSTOMERS.optional)
        require_present(f, check, ["customer_ref", "name"])
        max_length(f, check, {"customer_ref": 100, "name": 300, "segment": 60, "contact_name": 200, "email": 254})
        duplicates(f, check, ["customer_ref"], "customer_ref")
        f = f.with_columns(
            pl.col("country").str.to_uppercase(),
            pl.col("region").str.to_uppercase(),
            pl.col("currency").str.to_uppercase().fill_null(getattr(settings, "RECOUP_HOME_CURRENCY", "USD")),
            pl.col("status").str.to_lowercase().fill_null("active"),
            pl.col("collector").str.to_lowercase(),
            pl.col("contact_name").fill_null("Accounts Payable"),
            pl.col("segment").fill_null(""),
        )
        self._check_codes(f, check)
        f = with_exponents(f, check, "currency")
        f = parse_int(f, check, "payment_terms_days", minimum=0, maximum=3650)
        m = job.mapping
        sep = {"decimal_sep": m.decimal_separator, "thousands_sep": m.thousands_separator}
        f = parse_minor(f, check, "credit_limit", exponent="__exp", currency="currency", **sep)
        check.flag(f, pl.col("credit_limit") < 0, "credit_limit", "must not be negative")
        f = parse_bool(f, check, "is_consumer")
        f = normalise_phones(f, check, "phone", "country")
        f = self._collectors_and_parents(job, f, check)
        f = _bank_accounts(f, check)
        f = f.with_columns(
            attributes(f, job.extra_columns),
            *[pl.col(c).fill_null("") for c in ("region", "country", "timezone", "email")],
        )
        rows = f.filter(~pl.col(LINE).is_in(check.bad_lines.to_list()))
        rows = rows.with_columns(fingerprint(rows, self.fields))
        return Prepared(rows=rows, check=check)

    def _check_codes(self, f: pl.DataFrame, check: Checker) -> None:
        """Country, region, zone, status and e-mail: each must be a code or form recoup knows."""
        country, region = pl.col("country"), pl.col("region")
        check.flag(f, country.is_not_null() & ~country.is_in(list(_country_codes())), "country", "not an ISO 3166-1 country code")
        check.flag(
            f,
            region.is_not_null() & ~region.str.contains(r"^[A-Z]{2}-[A-Z0-9]{1,3}$"),
            "region",
            "not an ISO 3166-2 code like US-IL",
        )
        check.flag(
            f,
            region.is_not_null() & country.is_not_null() & (region.str.slice(0, 2) != country),
            "region",
            "belongs to another country than the customer's",
        )
        check.flag(
            f,
            pl.col("timezone").is_not_null() & ~pl.col("timezone").is_in(list(known_timezones())),
            "timezone",
            "not an IANA time zone like Europe/Berlin",
        )
        check.flag(f, ~pl.col("status").is_in(CUSTOMER_STATUSES), "status", f"must be one of {', '.join(CUSTOMER_STATUSES)}")
        check.flag(f, pl.col("email").is_not_null() & ~pl.col("email").str.contains(EMAIL), "email", "not an e-mail address")

    def _collectors_and_parents(self, job: Job, f: pl.DataFrame, check: Checker) -> pl.DataFrame:
        """A collector is a recoup user (by e-mail); a parent is a customer, in the ledger or the file."""
        users = fetch_frame(
            job.connection,
            "SELECT id, LOWER(email) FROM accounts_user",
            schema={"collector_id": pl.Int64, "collector": pl.String},
        )
        f = f.join(users, on="collector", how="left")
        check.flag(
            f, pl.col("collector").is_not_null() & pl.col("collector_id").is_null(), "collector", "no recoup user has this e-mail"
        )
        existing_refs = fetch_frame(
            job.connection, "SELECT customer_ref FROM ledger_customer", schema={"customer_ref": pl.String}
        )["customer_ref"]
        known_refs = pl.concat([existing_refs, f["customer_ref"].drop_nulls()]).unique()
        check.flag(
            f,
            pl.col("parent_ref").is_not_null() & ~pl.col("parent_ref").is_in(known_refs.to_list()),
            "parent_ref",
            "no customer has this ref",
        )
        check.flag(f, pl.col("parent_ref") == pl.col("customer_ref"), "parent_ref", "a customer cannot be its own parent")
        return f

    def plan(self, job: Job, prepared: Prepared) -> Plan:
        existing = fetch_frame(
            job.connection,
            f"SELECT id, customer_ref, import_hash, {', '.join(CUSTOMER_TABLE)} FROM ledger_customer",
            schema={"id": pl.Int64, "customer_ref": pl.String, "import_hash": pl.String, **CUSTOMER_TABLE},
        )
        created, updated, unchanged = split_existing(prepared.rows, existing, ["customer_ref"])
        return Plan(created=created, updated=updated, unchanged=unchanged, extra={"existing": existing})

    def write(self, job: Job, prepared: Prepared, plan: Plan) -> None:
        conn = job.connection
        created = plan.created.with_columns(reserve_ids(conn, "ledger_customer", plan.created.height))
        ids = pl.concat([plan.extra["existing"].select("id", "customer_ref"), created.select("id", "customer_ref")]).rename(
            {"id": "parent_id", "customer_ref": "parent_ref"}
        )
        columns = ["id", "customer_ref", *CUSTOMER_TABLE, "parent_id", "attributes", "import_hash"]
        new = stamp(job, created.join(ids, on="parent_ref", how="left"), created=True).select(
            [*columns, "created_at", "updated_at", "import_run_id"]
        )
        job.report("customers", 0, new.height + plan.updated.height)
        insert_frame(conn, "ledger_customer", new)
        changed = (
            stamp(job, plan.updated.join(ids, on="parent_ref", how="left"), created=False)
            .select([*columns, "updated_at"])
            .drop("customer_ref")
        )
        update_frame(conn, "ledger_customer", changed)
        job.report("customers", new.height + changed.height, new.height + changed.height)

        contact = ["id", "customer_ref", "phone", DIALABLE, "email", "contact_name"]
        write_primary_contacts(job, pl.concat([created.select(contact), plan.updated.select(contact)]))

        write_bank_accounts(job, pl.concat([created.select("id", "__account"), plan.updated.select("id", "__account")]))

        after_cols = ["customer_ref", *[c for c in self.fields if c != "attributes"]]
        before = pl.struct([pl.col(f"{c}_old").alias(c) for c in CUSTOMER_TABLE])
        events = update_events(plan.updated, ref="customer_ref", before=before, after=after_cols)
        audit(job, "ledger.customer", events, created=created["customer_ref"])


def _account_or_error(text: str | None) -> dict[str, str | None]:
    if text is None:
        return {"account": None, "error": None}
    try:
        return {"account": normalise_account(text)[0], "error": None}
    except LedgerRuleBroken as exc:
        # The row's message shows the value already: "'DE89…' is not a valid IBAN: …" → "not a valid IBAN: …".
        return {"account": None, "error": re.sub(r"^'.*?' is ", "", str(exc))}


def _bank_accounts(f: pl.DataFrame, check: Checker) -> pl.DataFrame:
    """An ``iban`` or ``bank_account`` column: the account the customer pays from (cash application
    matches a bank line's payer by it); an IBAN must pass its check digits."""
    parsed = []
    for column in ("iban", "bank_account"):
        result = pl.col(column).map_elements(
            _account_or_error, return_dtype=pl.Struct({"account": pl.String, "error": pl.String})
        )
        f = f.with_columns(result.alias(f"__{column}"))
        check.flag(
            f, pl.col(f"__{column}").struct.field("error").is_not_null(), column, pl.col(f"__{column}").struct.field("error")
        )
        parsed.append(pl.col(f"__{column}").struct.field("account"))
    return f.with_columns(pl.coalesce(parsed).alias("__account")).drop("__iban", "__bank_account")


def write_bank_accounts(job: Job, rows: pl.DataFrame) -> None:
    """New (customer, account) pairs; an account already on file stays with its customer."""
    rows = rows.filter(pl.col("__account").is_not_null()).unique("__account", keep="first")
    if rows.height == 0:
        return
    existing = fetch_frame(job.connection, "SELECT account FROM ledger_bankaccount", schema={"account": pl.String})
    new = rows.rename({"id": "customer_id", "__account": "account"}).join(existing, on="account", how="anti")
    now = pl.lit(job.now.astimezone(dt.UTC).replace(tzinfo=None)).dt.replace_time_zone("UTC")
    insert_frame(
        job.connection,
        "ledger_bankaccount",
        new.select(
            "customer_id",
            "account",
            pl.col("account").str.contains(r"^[A-Z]{2}[0-9]{2}").alias("is_iban"),
            pl.lit("import").alias("source"),
            now.alias("created_at"),
        ),
    )
