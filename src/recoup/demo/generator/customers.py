"""The demo's customers and the people at them: countries, names, terms, portfolios, contacts."""

from __future__ import annotations

from datetime import date

import polars as pl

from .formats import epoch_day, phones, slug
from .randomness import Rng, pick, pick_by_group
from .reference import (
    BEHAVIOURS,
    COLLECTOR_EMAILS,
    COMPANY_STEMS,
    CONTACT_ROLES,
    COUNTRIES,
    CULTURES,
    CURRENCY,
    FIRST_NAMES,
    FX_PER_USD,
    HISTORY_DAYS,
    INDUSTRIES,
    INDUSTRY,
    LAST_NAMES,
    METHOD_WEIGHTS,
    METHODS,
    SEGMENTS,
    SENIOR_EMAIL,
    USD_BILLED_SHARE,
)

__all__ = ["build_customers", "contact_frame", "customer_frame"]


def build_customers(rng: Rng, n: int, as_of: date) -> pl.DataFrame:
    """Working frame of customers (typed columns; turned into text at the end)."""
    width = max(6, len(str(n)))
    country_idx = rng.quota("customer.country", n, [c.weight for c in COUNTRIES])
    segment_idx = rng.quota("customer.segment", n, [6, 20, 46, 28])
    behaviour_idx = rng.quota("customer.behaviour", n, [34, 20, 14, 8, 10, 14])

    country = pl.DataFrame(
        {
            "country_idx": range(len(COUNTRIES)),
            "country": [c.code for c in COUNTRIES],
            "home_currency": [c.currency for c in COUNTRIES],
            "culture_idx": [CULTURES.index(c.culture) for c in COUNTRIES],
            "southern": [c.southern for c in COUNTRIES],
            "country_zone": [c.zone for c in COUNTRIES],
        },
        schema_overrides={"country_idx": pl.Int64},
    )
    df = pl.DataFrame({"idx": pl.int_range(0, n, eager=True).cast(pl.Int64), "country_idx": country_idx})
    df = df.join(country, on="country_idx", how="left", maintain_order="left")
    df = df.with_columns(
        customer_ref=pl.lit("C") + pl.col("idx").add(1).cast(pl.String).str.zfill(width),
        segment=pick(SEGMENTS, segment_idx),
        behaviour=pick(BEHAVIOURS, behaviour_idx),
    )

    # Region and its zone, for the countries with regions.
    region = pl.Series("region", [""] * n, dtype=pl.String)
    region_zone = df["country_zone"]
    for ci, c in enumerate(COUNTRIES):
        if not c.regions:
            continue
        chosen = rng.choice(f"customer.region.{c.code}", n, [w for _, _, w in c.regions])
        mask = df["country_idx"] == ci
        region = pl.select(pl.when(mask).then(pick([r for r, _, _ in c.regions], chosen)).otherwise(region)).to_series()
        region_zone = pl.select(pl.when(mask).then(pick([z for _, z, _ in c.regions], chosen)).otherwise(region_zone)).to_series()
    df = df.with_columns(region=region, zone=region_zone)

    # Names: consumers are people, everyone else a company in the country's style.
    person_first = pick_by_group(rng, "customer.first", df["culture_idx"], [FIRST_NAMES[c] for c in CULTURES])
    person_last = pick_by_group(rng, "customer.last", df["culture_idx"], [LAST_NAMES[c] for c in CULTURES])
    industry_names = tuple(INDUSTRIES)
    industry_idx = rng.choice("customer.industry", n, [18, 16, 10, 8, 16, 10, 12, 10])
    industry = pick(industry_names, industry_idx)
    trade = pick_by_group(rng, "customer.trade", industry_idx, [INDUSTRIES[k] for k in industry_names])
    stem = pick(COMPANY_STEMS, rng.integers("customer.stem", n, 0, len(COMPANY_STEMS)))
    suffix = pick_by_group(rng, "customer.suffix", df["country_idx"], [c.suffixes for c in COUNTRIES])
    # Some companies carry a founder's surname instead of a stem, as many real ones do.
    use_surname = rng.uniform("customer.surname_stem", n) < 0.3
    surname_stem = pick_by_group(rng, "customer.surname", df["culture_idx"], [LAST_NAMES[c] for c in CULTURES])
    df = df.with_columns(
        first=person_first,
        last=person_last,
        industry=pl.when(pl.col("segment") == "consumer").then(pl.lit("consumer")).otherwise(industry),
        brand=pl.when(use_surname).then(surname_stem).otherwise(stem) + " " + trade,
        suffix=suffix,
    )
    df = df.with_columns(company=pl.col("brand") + " " + pl.col("suffix"))
    df = df.with_columns(
        name=pl.when(pl.col("segment") == "consumer").then(pl.col("first") + " " + pl.col("last")).otherwise(pl.col("company"))
    )

    # Contacts' first names are spaced through the culture's list so that no two people of
    # one customer share a name (contacts are unique per customer by name).
    contact_first_base = rng.integers("customer.contact_first", n, 0, 1_000_000)
    contact_last = pick_by_group(rng, "customer.contact_last", df["culture_idx"], [LAST_NAMES[c] for c in CULTURES])
    df = df.with_columns(contact_first_base=contact_first_base, contact_last=contact_last)
    df = df.with_columns(
        contact_name=pl.when(pl.col("segment") == "consumer")
        .then(pl.col("name"))
        .otherwise(_first_name_expr(pl.col("culture_idx"), pl.col("contact_first_base"), 0) + " " + pl.col("contact_last"))
    )

    # Currency: the country's own, except some exporters billed in US dollars.
    usd_share = pl.col("country").replace_strict(USD_BILLED_SHARE, default=0.0, return_dtype=pl.Float64)
    df = df.with_columns(u_usd=rng.uniform("customer.usd", n))
    df = df.with_columns(
        currency=pl.when((pl.col("segment") != "consumer") & (pl.col("u_usd") < usd_share))
        .then(pl.lit("USD"))
        .otherwise(pl.col("home_currency"))
    )

    # Terms and limits by segment.
    terms_u = rng.uniform("customer.terms", n)
    df = df.with_columns(terms_u=terms_u)
    seg = pl.col("segment")
    u = pl.col("terms_u")
    df = df.with_columns(
        payment_terms_days=pl.when(seg == "enterprise")
        .then(pl.when(u < 0.35).then(30).when(u < 0.6).then(45).when(u < 0.9).then(60).otherwise(90))
        .when(seg == "mid-market")
        .then(pl.when(u < 0.6).then(30).when(u < 0.85).then(45).otherwise(60))
        .when(seg == "smb")
        .then(pl.when(u < 0.3).then(14).otherwise(30))
        .otherwise(pl.when(u < 0.7).then(14).otherwise(30))
        .cast(pl.Int64)
    )
    limit_usd = {"enterprise": 500_000.0, "mid-market": 100_000.0, "smb": 20_000.0, "consumer": 2_000.0}
    df = df.with_columns(limit_noise=rng.normal("customer.limit", n, 0.0, 0.5).exp())
    df = df.with_columns(
        credit_limit=(
            (
                seg.replace_strict(limit_usd, return_dtype=pl.Float64)
                * pl.col("limit_noise")
                * pl.col("currency").replace_strict(FX_PER_USD)
            )
            / 1000
        )
        .round(0)
        .clip(lower_bound=1)
        .cast(pl.Int64)
        * 1000
    )

    # Portfolio: the senior collector holds most enterprise accounts; about one in ten
    # customers sits in the unassigned pool.
    assign_u = rng.uniform("customer.collector", n)
    collector_idx = rng.integers("customer.collector_idx", n, 0, len(COLLECTOR_EMAILS))
    df = df.with_columns(assign_u=assign_u, collector_pick=pick(COLLECTOR_EMAILS, collector_idx))
    df = df.with_columns(
        collector=pl.when(pl.col("assign_u") < 0.1)
        .then(pl.lit(""))
        .when((seg == "enterprise") & (pl.col("assign_u") < 0.8))
        .then(pl.lit(SENIOR_EMAIL))
        .otherwise(pl.col("collector_pick"))
    )

    # Primary contact details (the customers file's phone/email make the primary contact).
    df = df.with_columns(phone=phones(rng, "customer.phone", df["country_idx"]))
    df = df.with_columns(domain=slug(pl.col("brand").str.replace_all(" ", "-")).str.slice(0, 40) + ".example")
    consumer_n = rng.integers("customer.email_n", n, 1, 100)
    df = df.with_columns(
        email=pl.when(seg == "consumer")
        .then(slug(pl.col("first")) + "." + slug(pl.col("last")) + consumer_n.cast(pl.String) + "@mail.example")
        .otherwise(pl.lit("ap@") + pl.col("domain"))
    )
    # A few customers have no e-mail on file, a few no phone: collectors meet both.
    missing_u = rng.uniform("customer.missing", n)
    df = df.with_columns(
        email=pl.when(missing_u < 0.03).then(pl.lit("")).otherwise(pl.col("email")),
        phone=pl.when((missing_u >= 0.03) & (missing_u < 0.05)).then(pl.lit("")).otherwise(pl.col("phone")),
    )

    # Timezone left empty so the importer derives it, except a few set explicitly.
    df = df.with_columns(timezone=pl.when(rng.uniform("customer.tz", n) < 0.04).then(pl.col("zone")).otherwise(pl.lit("")))

    # Corporate groups: a few mid-market and smb customers are subsidiaries of an enterprise.
    enterprise = df.filter(seg == "enterprise")["idx"]
    parent = pl.Series("parent_ref", [""] * n, dtype=pl.String)
    if len(enterprise) > 0:
        child = (rng.uniform("customer.child", n) < 0.04) & df["segment"].is_in(["mid-market", "smb"])
        parent_pos = rng.integers("customer.parent", n, 0, len(enterprise))
        parent_refs = df["customer_ref"].gather(enterprise.gather(parent_pos))
        parent = pl.select(pl.when(child).then(parent_refs).otherwise(pl.lit(""))).to_series()
    df = df.with_columns(parent_ref=parent)

    channel_idx = rng.choice("customer.billing_channel", n, [55, 20, 10, 15])
    df = df.with_columns(
        billing_channel=pl.when(seg == "consumer")
        .then(pl.lit("email"))
        .otherwise(pick(("email", "portal", "edi", "post"), channel_idx))
    )

    # History: most customers were there from the start; the rest joined later.
    start = epoch_day(as_of) - HISTORY_DAYS
    late = rng.uniform("customer.joined", n)
    joined_offset = rng.integers("customer.joined_offset", n, 0, int(HISTORY_DAYS * 0.8))
    df = df.with_columns(start_day=pl.when(late < 0.2).then(start + joined_offset).otherwise(start).cast(pl.Int64))

    # Batch payers run weekly payment runs that settle several invoices in one payment.
    batch_u = rng.uniform("customer.batch", n)
    df = df.with_columns(
        batch=((seg == "enterprise") & (batch_u < 0.8)) | ((seg == "mid-market") & (batch_u < 0.5)),
        method_pref=_preferred_methods(rng, df),
    )
    # Small categorical columns as enums: invoices and payments carry them millions of times.
    return df.drop("terms_u", "assign_u", "collector_pick", "u_usd", "limit_noise").with_columns(
        segment=pl.col("segment").cast(pl.Enum(SEGMENTS)),
        behaviour=pl.col("behaviour").cast(pl.Enum(BEHAVIOURS)),
        currency=pl.col("currency").cast(CURRENCY),
        industry=pl.col("industry").cast(INDUSTRY),
        method_pref=pl.col("method_pref").cast(pl.Enum(METHODS)),
    )


def _first_name_expr(culture_idx: pl.Expr, base: pl.Expr, k: int | pl.Expr) -> pl.Expr:
    """The k-th person of a customer: distinct first names for k = 0..3 in every culture."""
    flat = [v for c in CULTURES for v in FIRST_NAMES[c]]
    starts = [sum(len(FIRST_NAMES[c]) for c in CULTURES[:i]) for i in range(len(CULTURES))]
    sizes = [len(FIRST_NAMES[c]) for c in CULTURES]
    start = culture_idx.replace_strict(dict(enumerate(starts)), return_dtype=pl.Int64)
    size = culture_idx.replace_strict(dict(enumerate(sizes)), return_dtype=pl.Int64)
    # Steps of 5 through lists of 25+ names never wrap onto each other for k <= 3.
    pos = start + (base + 5 * (pl.lit(k) if isinstance(k, int) else k).cast(pl.Int64)) % size
    return pl.lit(pl.Series(flat, dtype=pl.String)).gather(pos)


def _preferred_methods(rng: Rng, df: pl.DataFrame) -> pl.Series:
    n = df.height
    out = pl.Series("method_pref", [""] * n, dtype=pl.String)
    groups = df.select(
        g=pl.when(pl.col("segment") == "consumer")
        .then(pl.lit("consumer"))
        .otherwise(pl.col("country").replace_strict({k: k for k in METHOD_WEIGHTS}, default="default"))
    )["g"]
    for key, weights in METHOD_WEIGHTS.items():
        picked = pick(METHODS, rng.choice(f"customer.method.{key}", n, weights))
        out = pl.select(pl.when(groups == key).then(picked).otherwise(out)).to_series()
    return out


def customer_frame(cust: pl.DataFrame) -> pl.DataFrame:
    return cust.select(
        "customer_ref",
        "name",
        "country",
        "region",
        "timezone",
        pl.col("currency").cast(pl.String),
        pl.col("payment_terms_days").cast(pl.String),
        pl.when(pl.col("segment") == "consumer")
        .then(pl.lit(""))
        .otherwise(pl.col("credit_limit").cast(pl.String))
        .alias("credit_limit"),
        pl.col("segment").cast(pl.String),
        "collector",
        "contact_name",
        "phone",
        "email",
        pl.when(pl.col("segment") == "consumer").then(pl.lit("true")).otherwise(pl.lit("false")).alias("is_consumer"),
        "parent_ref",
        pl.when(pl.col("segment") == "consumer").then(pl.lit("")).otherwise(pl.col("industry").cast(pl.String)).alias("industry"),
        "billing_channel",
    )


def contact_frame(rng: Rng, cust: pl.DataFrame) -> pl.DataFrame:
    n = cust.height
    extra = rng.choice("contact.count", n, [45, 35, 20]) + 1  # 1..3 more people besides the primary
    base = cust.select(
        "idx", "customer_ref", "culture_idx", "contact_first_base", "country_idx", "domain", "segment", "contact_name"
    ).with_columns(k=pl.when(pl.col("segment") == "consumer").then(pl.lit([1])).otherwise(pl.int_ranges(1, extra + 1)))
    rows = base.explode("k")
    m = rows.height
    last = pick_by_group(rng, "contact.last", rows["culture_idx"], [LAST_NAMES[c] for c in CULTURES])
    rows = rows.with_columns(first=_first_name_expr(pl.col("culture_idx"), pl.col("contact_first_base"), pl.col("k")), last=last)
    role = pick(CONTACT_ROLES, rng.integers("contact.role", m, 0, len(CONTACT_ROLES)))
    phone = phones(rng, "contact.phone", rows["country_idx"])
    u = rng.uniform("contact.fields", m)
    dnc = rng.uniform("contact.dnc", m) < 0.05
    rows = rows.with_columns(name=pl.col("first") + " " + pl.col("last"))
    # The primary contact comes from the customers file; a namesake here would overwrite it,
    # and two namesakes at one customer would be one contact.
    keep = rows["name"] != rows["contact_name"]
    out = rows.select(
        "customer_ref",
        "name",
        pl.when(pl.col("segment") == "consumer").then(pl.lit("Alternate contact")).otherwise(role).alias("role"),
        pl.when(u < 0.35).then(pl.lit("")).otherwise(phone).alias("phone"),
        pl.when(pl.col("segment") == "consumer")
        .then(slug(pl.col("first")) + "." + slug(pl.col("last")) + "@mail.example")
        .otherwise(slug(pl.col("first")) + "." + slug(pl.col("last")) + "@" + pl.col("domain"))
        .alias("email"),
        pl.lit("false").alias("is_primary"),
        pl.when(dnc).then(pl.lit("true")).otherwise(pl.lit("false")).alias("do_not_call"),
    )
    return out.filter(keep).unique(["customer_ref", "name"], keep="first", maintain_order=True)
