"""A deterministic, realistic demo company in recoup's canonical import format.

Pure: no Django. `generate_company` returns four frames of strings exactly as they would sit in
CSV files (ISO dates, `.` decimals in major units, empty strings for missing values), so the demo
goes through the same importer as a customer's own files and exercises it end to end.

Everything is vectorised over polars columns so a benchmark-sized company (100,000 customers,
2,000,000 invoices) generates in seconds. Randomness comes from named streams: each draw is
seeded from (seed, stream name), so the output depends only on the seed and the arguments, and
adding a new draw somewhere does not shift every other one.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

import phonenumbers
import polars as pl
import pyarrow.compute as pc
from babel.numbers import get_currency_precision

BEHAVIOURS: tuple[str, ...] = ("prompt", "slow", "erratic", "disputer", "deteriorating", "seasonal")
SEGMENTS: tuple[str, ...] = ("enterprise", "mid-market", "smb", "consumer")

CUSTOMER_COLUMNS: tuple[str, ...] = (
    "customer_ref",
    "name",
    "country",
    "region",
    "timezone",
    "currency",
    "payment_terms_days",
    "credit_limit",
    "segment",
    "collector",
    "contact_name",
    "phone",
    "email",
    "is_consumer",
    "parent_ref",
    "industry",
    "billing_channel",
)
CONTACT_COLUMNS: tuple[str, ...] = ("customer_ref", "name", "role", "phone", "email", "is_primary", "do_not_call")
INVOICE_COLUMNS: tuple[str, ...] = (
    "invoice_ref",
    "customer_ref",
    "issue_date",
    "due_date",
    "amount",
    "currency",
    "kind",
    "po_number",
    "description",
    "credits_invoice_ref",
    "channel",
)
PAYMENT_COLUMNS: tuple[str, ...] = (
    "payment_ref",
    "received_on",
    "amount",
    "currency",
    "customer_ref",
    "method",
    "reference",
    "invoice_ref",
    "applied_amount",
)

DEMO_DOMAIN = "demo.recoup.example"
COLLECTOR_EMAILS: tuple[str, ...] = tuple(f"collector{i}@{DEMO_DOMAIN}" for i in range(1, 5))
SENIOR_EMAIL = f"senior@{DEMO_DOMAIN}"

# Two years and a quarter, so year-over-year comparisons and seasonal patterns have a full cycle.
HISTORY_DAYS = 820

MODES: tuple[str, ...] = ("full", "instalments", "short", "never")


@dataclass(frozen=True)
class CompanyFrames:
    """The demo company as four import files, plus the ground truth used to make it.

    `behaviours` (customer_ref, behaviour) is not imported: it lets tests and benchmarks check
    that the payment history really shows each customer's behaviour.
    """

    customers: pl.DataFrame
    contacts: pl.DataFrame
    invoices: pl.DataFrame
    payments: pl.DataFrame
    behaviours: pl.DataFrame


# --------------------------------------------------------------------------------------------
# Reference data (written for the demo; any resemblance to real companies is accidental)
# --------------------------------------------------------------------------------------------


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(","))


@dataclass(frozen=True)
class _Country:
    code: str
    currency: str
    culture: str
    continent: str
    weight: float
    zone: str  # the zone of the whole country, or of its first region
    regions: tuple[tuple[str, str, float], ...] = ()  # (ISO 3166-2, IANA zone, weight)
    suffixes: tuple[str, ...] = ("Ltd",)
    southern: bool = False


COUNTRIES: tuple[_Country, ...] = (
    _Country(
        "US",
        "USD",
        "en",
        "North America",
        30,
        "America/New_York",
        (
            ("US-NY", "America/New_York", 4),
            ("US-MA", "America/New_York", 2),
            ("US-GA", "America/New_York", 2),
            ("US-FL", "America/New_York", 2),
            ("US-IL", "America/Chicago", 3),
            ("US-TX", "America/Chicago", 3),
            ("US-MN", "America/Chicago", 1),
            ("US-CO", "America/Denver", 1),
            ("US-AZ", "America/Phoenix", 1),
            ("US-CA", "America/Los_Angeles", 4),
            ("US-WA", "America/Los_Angeles", 2),
        ),
        ("Inc.", "LLC", "Corp.", "Co."),
    ),
    _Country(
        "CA",
        "CAD",
        "en",
        "North America",
        5,
        "America/Toronto",
        (
            ("CA-ON", "America/Toronto", 3),
            ("CA-QC", "America/Toronto", 2),
            ("CA-BC", "America/Vancouver", 2),
            ("CA-AB", "America/Edmonton", 1),
        ),
        ("Inc.", "Ltd."),
    ),
    _Country("MX", "MXN", "es", "North America", 3, "America/Mexico_City", (), ("S.A. de C.V.",)),
    _Country(
        "BR",
        "BRL",
        "pt",
        "South America",
        4,
        "America/Sao_Paulo",
        (("BR-SP", "America/Sao_Paulo", 3), ("BR-RJ", "America/Sao_Paulo", 2), ("BR-MG", "America/Sao_Paulo", 1)),
        ("Ltda.", "S.A."),
        southern=True,
    ),
    _Country("GB", "GBP", "en", "Europe", 10, "Europe/London", (), ("Ltd", "plc", "LLP")),
    _Country("IE", "EUR", "en", "Europe", 2, "Europe/Dublin", (), ("Ltd", "DAC")),
    _Country("DE", "EUR", "de", "Europe", 8, "Europe/Berlin", (), ("GmbH", "AG", "GmbH & Co. KG")),
    _Country("FR", "EUR", "fr", "Europe", 6, "Europe/Paris", (), ("SAS", "SARL", "SA")),
    _Country("NL", "EUR", "nl", "Europe", 3, "Europe/Amsterdam", (), ("B.V.", "N.V.")),
    _Country("ES", "EUR", "es", "Europe", 3, "Europe/Madrid", (), ("S.L.", "S.A.")),
    _Country("IN", "INR", "in", "Asia", 5, "Asia/Kolkata", (), ("Pvt. Ltd.", "Ltd.")),
    _Country("JP", "JPY", "ja", "Asia", 4, "Asia/Tokyo", (), ("K.K.", "G.K.")),
    _Country("SG", "SGD", "en", "Asia", 3, "Asia/Singapore", (), ("Pte. Ltd.",)),
    _Country(
        "AU",
        "AUD",
        "en",
        "Oceania",
        5,
        "Australia/Sydney",
        (
            ("AU-NSW", "Australia/Sydney", 3),
            ("AU-VIC", "Australia/Melbourne", 2),
            ("AU-QLD", "Australia/Brisbane", 2),
            ("AU-WA", "Australia/Perth", 1),
        ),
        ("Pty Ltd",),
        southern=True,
    ),
)

# Units of each currency per US dollar, roughly; only used to make amounts look native.
FX_PER_USD: dict[str, float] = {
    "USD": 1.0,
    "CAD": 1.37,
    "MXN": 18.0,
    "BRL": 5.4,
    "GBP": 0.79,
    "EUR": 0.92,
    "INR": 84.0,
    "JPY": 150.0,
    "SGD": 1.34,
    "AUD": 1.52,
}
CURRENCY = pl.Enum(tuple(FX_PER_USD))
# Share of a country's business customers billed in US dollars (exporters, regional HQs).
USD_BILLED_SHARE: dict[str, float] = {"CA": 0.2, "MX": 0.25, "BR": 0.15, "IN": 0.2, "SG": 0.3}

FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "en": _names(
        "James, Mary, Robert, Patricia, Michael, Jennifer, David, Linda, William, Elizabeth, Richard, Susan, Thomas, "
        "Jessica, Daniel, Sarah, Matthew, Karen, Anthony, Nancy, Mark, Emily, Steven, Rachel, Andrew, Olivia, Kevin, "
        "Grace, Brian, Chloe"
    ),
    "de": _names(
        "Lukas, Anna, Jonas, Lea, Felix, Hannah, Maximilian, Sophie, Paul, Marie, Tobias, Katharina, Stefan, Julia, "
        "Jürgen, Sabine, Andreas, Claudia, Matthias, Birgit, Uwe, Petra, Florian, Lena, Sebastian"
    ),
    "fr": _names(
        "Jean, Marie, Pierre, Camille, Louis, Chloé, Hugo, Léa, Nicolas, Manon, François, Isabelle, Julien, Émilie, "
        "Thomas, Sophie, Antoine, Claire, Mathieu, Céline, Olivier, Nathalie, Guillaume, Aurélie, Benoît"
    ),
    "es": _names(
        "José, María, Juan, Carmen, Luis, Ana, Carlos, Lucía, Javier, Sofía, Miguel, Elena, Alejandro, Paula, Diego, "
        "Laura, Fernando, Isabel, Raúl, Marta, Andrés, Valentina, Jorge, Gabriela, Ricardo"
    ),
    "pt": _names(
        "João, Maria, Pedro, Ana, Lucas, Juliana, Gabriel, Fernanda, Rafael, Beatriz, Thiago, Camila, Bruno, Larissa, "
        "Gustavo, Mariana, Felipe, Patrícia, Rodrigo, Aline, Marcelo, Renata, Eduardo, Carolina, Leonardo"
    ),
    "nl": _names(
        "Daan, Emma, Sem, Julia, Lucas, Tess, Bram, Sanne, Thijs, Fleur, Jeroen, Anouk, Ruben, Lotte, Niels, Eva, "
        "Pieter, Femke, Joost, Maaike, Wouter, Ilse, Koen, Marieke, Sander"
    ),
    "in": _names(
        "Aarav, Priya, Rahul, Ananya, Vikram, Sneha, Arjun, Kavya, Rohan, Pooja, Amit, Neha, Sanjay, Divya, Karthik, "
        "Meera, Suresh, Lakshmi, Anil, Deepa, Rajesh, Shreya, Nikhil, Aditi, Manoj"
    ),
    "ja": _names(
        "Haruto, Yui, Sota, Aoi, Yuto, Hina, Ren, Sakura, Kaito, Yuna, Takeshi, Yuko, Hiroshi, Keiko, Kenji, Naoko, "
        "Daisuke, Emi, Satoshi, Mai, Koji, Ayumi, Shota, Rina, Tatsuya"
    ),
}
LAST_NAMES: dict[str, tuple[str, ...]] = {
    "en": _names(
        "Smith, Johnson, Williams, Brown, Jones, Miller, Davis, Wilson, Anderson, Taylor, Thomas, Moore, Martin, "
        "Jackson, Thompson, White, Harris, Clark, Lewis, Walker, Hall, Young, King, Wright, Hughes, Evans, Campbell, "
        "Bennett, O'Brien, Murphy"
    ),
    "de": _names(
        "Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Schulz, Hoffmann, Koch, Richter, Klein, "
        "Wolf, Schröder, Neumann, Schwarz, Zimmermann, Braun, Krüger, Hartmann, Lange, Werner, Krause, Lehmann"
    ),
    "fr": _names(
        "Martin, Bernard, Dubois, Thomas, Robert, Richard, Petit, Durand, Leroy, Moreau, Simon, Laurent, Lefèvre, "
        "Michel, Garcia, David, Bertrand, Roux, Vincent, Fournier, Morel, Girard, André, Mercier, Dupont"
    ),
    "es": _names(
        "García, Rodríguez, González, Fernández, López, Martínez, Sánchez, Pérez, Gómez, Martín, Jiménez, Ruiz, "
        "Hernández, Díaz, Moreno, Muñoz, Álvarez, Romero, Alonso, Gutiérrez, Navarro, Torres, Domínguez, Vázquez, Ramos"
    ),
    "pt": _names(
        "Silva, Santos, Oliveira, Souza, Rodrigues, Ferreira, Alves, Pereira, Lima, Gomes, Costa, Ribeiro, Martins, "
        "Carvalho, Almeida, Lopes, Soares, Fernandes, Vieira, Barbosa, Rocha, Dias, Nascimento, Andrade, Moreira"
    ),
    "nl": _names(
        "de Jong, Jansen, de Vries, van den Berg, van Dijk, Bakker, Janssen, Visser, Smit, Meijer, de Boer, Mulder, de "
        "Groot, Bos, Vos, Peters, Hendriks, van Leeuwen, Dekker, Brouwer, de Wit, Dijkstra, Smits, de Graaf, van der "
        "Meer"
    ),
    "in": _names(
        "Sharma, Verma, Gupta, Patel, Reddy, Iyer, Nair, Singh, Kumar, Rao, Mehta, Joshi, Desai, Menon, Pillai, "
        "Chatterjee, Banerjee, Kulkarni, Agarwal, Bhat, Malhotra, Kapoor, Shah, Naidu, Krishnan"
    ),
    "ja": _names(
        "Sato, Suzuki, Takahashi, Tanaka, Watanabe, Ito, Yamamoto, Nakamura, Kobayashi, Kato, Yoshida, Yamada, Sasaki, "
        "Yamaguchi, Matsumoto, Inoue, Kimura, Hayashi, Shimizu, Yamazaki, Mori, Abe, Ikeda, Hashimoto, Ishikawa"
    ),
}
CULTURES: tuple[str, ...] = tuple(FIRST_NAMES)

# Company names: "<stem> <trade> <legal suffix>", stems neutral enough for every country.
COMPANY_STEMS: tuple[str, ...] = _names(
    "Acorn, Alder, Apex, Arbor, Atlas, Aurora, Beacon, Birch, Blue Harbor, Bright, Cascade, Cedar, Clearwater, "
    "Cobalt, Copper, Crescent, Crown, Delta, Eastgate, Ember, Evergreen, Falcon, Fieldstone, Granite, Greenway, "
    "Harbor, Highland, Horizon, Ironwood, Juniper, Keystone, Lakeside, Lantern, Linden, Maple, Meridian, Northwind, "
    "Oakridge, Orion, Pacific, Pinnacle, Polaris, Quarry, Redwood, Ridgeline, Riverbend, Sable, Silverline, Summit, "
    "Sunrise, Tidewater, Timber, Trident, Union, Vantage, Vertex, Westbrook, Willow, Zenith, Nova"
)
INDUSTRIES: dict[str, tuple[str, ...]] = {
    "manufacturing": ("Manufacturing", "Industries", "Components", "Machining", "Fabrication"),
    "wholesale": ("Supply", "Trading", "Distribution", "Wholesale", "Imports"),
    "construction": ("Construction", "Builders", "Contracting", "Engineering"),
    "healthcare": ("Health", "Medical", "Clinics", "Diagnostics"),
    "technology": ("Software", "Systems", "Digital", "Networks", "Labs"),
    "logistics": ("Logistics", "Freight", "Transport", "Shipping"),
    "retail": ("Retail", "Stores", "Outfitters", "Market"),
    "hospitality": ("Hotels", "Hospitality", "Catering", "Foods"),
}
INVOICE_ITEMS: dict[str, tuple[str, ...]] = {
    "manufacturing": ("Machined parts", "Steel brackets", "Assembly services", "Tooling"),
    "wholesale": ("Goods per delivery note", "Pallet shipment", "Restock order"),
    "construction": ("Progress billing", "Materials", "Site services", "Equipment rental"),
    "healthcare": ("Lab consumables", "Equipment service", "Supplies"),
    "technology": ("Subscription", "Professional services", "Support contract", "Licences"),
    "logistics": ("Freight charges", "Warehousing", "Customs handling"),
    "retail": ("Merchandise", "Seasonal stock", "Display fixtures"),
    "hospitality": ("Food service supplies", "Linen service", "Beverage order"),
    "consumer": ("Monthly plan", "Service visit", "Equipment instalment", "Membership"),
}
INDUSTRY = pl.Enum((*INDUSTRIES, "consumer"))
CONTACT_ROLES: tuple[str, ...] = (
    "Controller",
    "Finance Manager",
    "Accounts Payable Clerk",
    "CFO",
    "Office Manager",
    "Purchasing Manager",
    "Bookkeeper",
)


ACCENTS = dict(zip("äöüßéèêÉáàâãíóôõúçñÁ", ["ae", "oe", "ue", "ss", *"eeeeaaaaioooucna"], strict=True)) | {
    "'": "",
    " ": "",
    "&": "",
    ".": "",
    ",": "",
}


# --------------------------------------------------------------------------------------------
# Randomness
# --------------------------------------------------------------------------------------------


class _Rng:
    """Named, independent random streams; each draw is a vectorised polars Series.

    numpy is not a dependency of recoup, so the streams use Arrow's seeded generator
    (`pyarrow.compute.random`), seeded per stream from a hash of (seed, name).
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._used: set[str] = set()

    def _subseed(self, name: str) -> int:
        if name in self._used:  # a reused name would silently correlate two draws
            raise ValueError(f"random stream {name!r} drawn twice")
        self._used.add(name)
        digest = hashlib.blake2b(f"{self.seed}:{name}".encode(), digest_size=8).digest()
        return int.from_bytes(digest, "little") >> 1

    def uniform(self, name: str, n: int, low: float = 0.0, high: float = 1.0) -> pl.Series:
        values = pl.Series(name, pc.random(n, initializer=self._subseed(name)), dtype=pl.Float64)
        return values if (low, high) == (0.0, 1.0) else low + values * (high - low)

    def integers(self, name: str, n: int, low: int, high: int) -> pl.Series:
        """Uniform integers in [low, high)."""
        return (self.uniform(name, n) * (high - low)).floor().cast(pl.Int64).clip(0, high - low - 1) + low

    def normal(self, name: str, n: int, mean: float = 0.0, sd: float = 1.0) -> pl.Series:
        # Box–Muller; 1 - u keeps the logarithm finite.
        u1 = 1.0 - self.uniform(name + ".1", n)
        u2 = self.uniform(name + ".2", n)
        return mean + sd * (-2.0 * u1.log()).sqrt() * (2.0 * math.pi * u2).cos()

    def choice(self, name: str, n: int, weights: Sequence[float]) -> pl.Series:
        """Category indices drawn with the given weights."""
        total = float(sum(weights))
        cumulative = pl.Series([sum(weights[: i + 1]) / total for i in range(len(weights) - 1)], dtype=pl.Float64)
        return cumulative.search_sorted(self.uniform(name, n), side="right").cast(pl.Int64)

    def quota(self, name: str, n: int, weights: Sequence[float], at_least_one: bool = True) -> pl.Series:
        """Category indices with exact proportions (largest remainder), shuffled.

        Used where a small company must still show every category (behaviours, segments,
        countries), which independent draws would not guarantee.
        """
        total = float(sum(weights))
        exact = [n * w / total for w in weights]
        counts = [int(x) for x in exact]
        if at_least_one and n >= len(weights):
            counts = [max(1, c) for c in counts]
        while sum(counts) > n:
            counts[counts.index(max(counts))] -= 1
        by_remainder = sorted(range(len(weights)), key=lambda i: counts[i] - exact[i])
        i = 0
        while sum(counts) < n:
            counts[by_remainder[i % len(weights)]] += 1
            i += 1
        ordered = pl.Series("v", [k for k, c in enumerate(counts) for _ in range(c)], dtype=pl.Int64)
        keys = self.uniform(name, n)
        return ordered.gather(keys.arg_sort())


def _pick(values: Sequence[str], index: pl.Series) -> pl.Series:
    return pl.Series(list(values), dtype=pl.String).gather(index)


def _pick_by_group(
    rng: _Rng, name: str, group: pl.Series, lists: Sequence[Sequence[str]], offset: pl.Series | None = None
) -> pl.Series:
    """One value per row from the list of the row's group (e.g. a first name of its culture)."""
    flat: list[str] = [v for values in lists for v in values]
    starts = pl.Series([sum(len(v) for v in lists[:i]) for i in range(len(lists))], dtype=pl.Int64).gather(group)
    sizes = pl.Series([len(v) for v in lists], dtype=pl.Int64).gather(group)
    pos = (rng.uniform(name, len(group)) * sizes).floor().cast(pl.Int64)
    if offset is not None:
        pos = pos + offset
    return pl.Series(flat, dtype=pl.String).gather(starts + pos % sizes)


# --------------------------------------------------------------------------------------------
# Phones, money, dates
# --------------------------------------------------------------------------------------------


@cache
def phone_pool(country: str, size: int = 400) -> tuple[str, ...]:
    """Valid E.164 numbers for a country, varied from the library's example numbers.

    Built once per country (independent of the seed) and sampled, because validating
    numbers one by one for two million rows would dominate the generation time.
    """
    found: list[str] = []
    seen: set[str] = set()
    for kind in (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE):
        example = phonenumbers.example_number_for_type(country, kind)
        if example is None:
            continue
        national = str(example.national_number)
        tail = min(4, len(national) - 2)
        for i in range(size * 3):
            variant = national[:-tail] + f"{(i * 7919 + 13) % 10**tail:0{tail}d}"
            number = phonenumbers.parse(f"+{example.country_code}{variant}")
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if e164 not in seen and phonenumbers.is_valid_number_for_region(number, country):
                seen.add(e164)
                found.append(e164)
            if len(found) >= size * (1 if kind == phonenumbers.PhoneNumberType.FIXED_LINE else 2):
                break
    if not found:
        raise ValueError(f"no valid example phone numbers for {country}")
    return tuple(found)


def _phones(rng: _Rng, name: str, country_idx: pl.Series) -> pl.Series:
    pools = [phone_pool(c.code) for c in COUNTRIES]
    return _pick_by_group(rng, name, country_idx, pools)


def _format_amount(minor: pl.Expr, precision: pl.Expr) -> pl.Expr:
    """Minor units to the canonical text: '1234.50', JPY '1234'."""
    scale = 10**precision
    fraction = (minor % scale).cast(pl.String).str.zfill(precision)
    return pl.when(precision == 0).then(minor.cast(pl.String)).otherwise((minor // scale).cast(pl.String) + "." + fraction)


def _iso(days: pl.Expr) -> pl.Expr:
    return days.cast(pl.Int32).cast(pl.Date).dt.to_string("%Y-%m-%d")


def _epoch_day(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def _slug(names: pl.Expr) -> pl.Expr:
    return names.str.to_lowercase().str.replace_many(ACCENTS).str.replace_all(r"[^a-z0-9-]", "")


# --------------------------------------------------------------------------------------------
# The company
# --------------------------------------------------------------------------------------------


def generate_company(*, customers: int, invoices: int, seed: int, as_of: date) -> CompanyFrames:
    """Build the demo company as of `as_of`: nothing is issued or received after that day."""
    if customers < 1 or invoices < 1:
        raise ValueError("customers and invoices must be at least 1")
    rng = _Rng(seed)
    cust = _customers(rng, customers, as_of)
    docs = _invoices(rng, cust, invoices, as_of)
    payments, credit_notes = _payments(rng, cust, docs, as_of)
    invoice_frame = _invoice_frame(cust, docs, credit_notes)
    return CompanyFrames(
        customers=_customer_frame(cust),
        contacts=_contacts(rng, cust),
        invoices=invoice_frame,
        payments=payments,
        behaviours=cust.select("customer_ref", pl.col("behaviour").cast(pl.String)),
    )


def _customers(rng: _Rng, n: int, as_of: date) -> pl.DataFrame:
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
        segment=_pick(SEGMENTS, segment_idx),
        behaviour=_pick(BEHAVIOURS, behaviour_idx),
    )

    # Region and its zone, for the countries with regions.
    region = pl.Series("region", [""] * n, dtype=pl.String)
    region_zone = df["country_zone"]
    for ci, c in enumerate(COUNTRIES):
        if not c.regions:
            continue
        pick = rng.choice(f"customer.region.{c.code}", n, [w for _, _, w in c.regions])
        mask = df["country_idx"] == ci
        region = pl.select(pl.when(mask).then(_pick([r for r, _, _ in c.regions], pick)).otherwise(region)).to_series()
        region_zone = pl.select(pl.when(mask).then(_pick([z for _, z, _ in c.regions], pick)).otherwise(region_zone)).to_series()
    df = df.with_columns(region=region, zone=region_zone)

    # Names: consumers are people, everyone else a company in the country's style.
    person_first = _pick_by_group(rng, "customer.first", df["culture_idx"], [FIRST_NAMES[c] for c in CULTURES])
    person_last = _pick_by_group(rng, "customer.last", df["culture_idx"], [LAST_NAMES[c] for c in CULTURES])
    industry_names = tuple(INDUSTRIES)
    industry_idx = rng.choice("customer.industry", n, [18, 16, 10, 8, 16, 10, 12, 10])
    industry = _pick(industry_names, industry_idx)
    trade = _pick_by_group(rng, "customer.trade", industry_idx, [INDUSTRIES[k] for k in industry_names])
    stem = _pick(COMPANY_STEMS, rng.integers("customer.stem", n, 0, len(COMPANY_STEMS)))
    suffix = _pick_by_group(rng, "customer.suffix", df["country_idx"], [c.suffixes for c in COUNTRIES])
    # Some companies carry a founder's surname instead of a stem, as many real ones do.
    use_surname = rng.uniform("customer.surname_stem", n) < 0.3
    surname_stem = _pick_by_group(rng, "customer.surname", df["culture_idx"], [LAST_NAMES[c] for c in CULTURES])
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
    contact_last = _pick_by_group(rng, "customer.contact_last", df["culture_idx"], [LAST_NAMES[c] for c in CULTURES])
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
    df = df.with_columns(assign_u=assign_u, collector_pick=_pick(COLLECTOR_EMAILS, collector_idx))
    df = df.with_columns(
        collector=pl.when(pl.col("assign_u") < 0.1)
        .then(pl.lit(""))
        .when((seg == "enterprise") & (pl.col("assign_u") < 0.8))
        .then(pl.lit(SENIOR_EMAIL))
        .otherwise(pl.col("collector_pick"))
    )

    # Primary contact details (the customers file's phone/email make the primary contact).
    df = df.with_columns(phone=_phones(rng, "customer.phone", df["country_idx"]))
    df = df.with_columns(domain=_slug(pl.col("brand").str.replace_all(" ", "-")).str.slice(0, 40) + ".example")
    consumer_n = rng.integers("customer.email_n", n, 1, 100)
    df = df.with_columns(
        email=pl.when(seg == "consumer")
        .then(_slug(pl.col("first")) + "." + _slug(pl.col("last")) + consumer_n.cast(pl.String) + "@mail.example")
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
        .otherwise(_pick(("email", "portal", "edi", "post"), channel_idx))
    )

    # History: most customers were there from the start; the rest joined later.
    start = _epoch_day(as_of) - HISTORY_DAYS
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


METHODS: tuple[str, ...] = ("ach", "wire", "check", "card", "cash", "other")
_METHOD_WEIGHTS: dict[str, list[float]] = {
    # ach, wire, check, card, cash, other
    "US": [45, 15, 25, 15, 0, 0],
    "CA": [45, 20, 20, 15, 0, 0],
    "MX": [0, 70, 5, 15, 5, 5],
    "BR": [0, 40, 0, 10, 0, 50],  # "other": Pix and boleto
    "IN": [0, 70, 5, 10, 0, 15],  # "other": UPI
    "JP": [0, 95, 0, 5, 0, 0],
    "default": [30, 60, 0, 10, 0, 0],  # SEPA / BACS credit transfers
    "consumer": [25, 0, 10, 60, 5, 0],
}


def _preferred_methods(rng: _Rng, df: pl.DataFrame) -> pl.Series:
    n = df.height
    out = pl.Series("method_pref", [""] * n, dtype=pl.String)
    groups = df.select(
        g=pl.when(pl.col("segment") == "consumer")
        .then(pl.lit("consumer"))
        .otherwise(pl.col("country").replace_strict({k: k for k in _METHOD_WEIGHTS}, default="default"))
    )["g"]
    for key, weights in _METHOD_WEIGHTS.items():
        picked = _pick(METHODS, rng.choice(f"customer.method.{key}", n, weights))
        out = pl.select(pl.when(groups == key).then(picked).otherwise(out)).to_series()
    return out


def _customer_frame(cust: pl.DataFrame) -> pl.DataFrame:
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


def _contacts(rng: _Rng, cust: pl.DataFrame) -> pl.DataFrame:
    n = cust.height
    extra = rng.choice("contact.count", n, [45, 35, 20]) + 1  # 1..3 more people besides the primary
    base = cust.select(
        "idx", "customer_ref", "culture_idx", "contact_first_base", "country_idx", "domain", "segment", "contact_name"
    ).with_columns(k=pl.when(pl.col("segment") == "consumer").then(pl.lit([1])).otherwise(pl.int_ranges(1, extra + 1)))
    rows = base.explode("k")
    m = rows.height
    last = _pick_by_group(rng, "contact.last", rows["culture_idx"], [LAST_NAMES[c] for c in CULTURES])
    rows = rows.with_columns(first=_first_name_expr(pl.col("culture_idx"), pl.col("contact_first_base"), pl.col("k")), last=last)
    role = _pick(CONTACT_ROLES, rng.integers("contact.role", m, 0, len(CONTACT_ROLES)))
    phone = _phones(rng, "contact.phone", rows["country_idx"])
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
        .then(_slug(pl.col("first")) + "." + _slug(pl.col("last")) + "@mail.example")
        .otherwise(_slug(pl.col("first")) + "." + _slug(pl.col("last")) + "@" + pl.col("domain"))
        .alias("email"),
        pl.lit("false").alias("is_primary"),
        pl.when(dnc).then(pl.lit("true")).otherwise(pl.lit("false")).alias("do_not_call"),
    )
    return out.filter(keep).unique(["customer_ref", "name"], keep="first", maintain_order=True)


def _by_currency(values: dict[str, float] | dict[str, int], dtype: pl.DataType | type[pl.DataType]) -> pl.Expr:
    """A per-currency constant looked up through the enum's physical code (cheap on millions)."""
    table = pl.Series([values[c] for c in FX_PER_USD], dtype=dtype)
    return pl.lit(table).gather(pl.col("currency").to_physical())


def _precision() -> pl.Expr:
    return _by_currency({c: get_currency_precision(c) for c in FX_PER_USD}, pl.Int64)


def _invoices(rng: _Rng, cust: pl.DataFrame, m: int, as_of: date) -> pl.DataFrame:
    """Invoices and debit notes, numbered in issue order (credit notes follow from the payments)."""
    n = cust.height
    seg_weight = {"enterprise": 6.0, "mid-market": 3.0, "smb": 1.2, "consumer": 0.5}
    activity = (
        cust["segment"].replace_strict(seg_weight, return_dtype=pl.Float64) * rng.normal("invoice.activity", n, 0.0, 0.6).exp()
    )
    # Customers who joined late have fewer invoices, in proportion to their time with us.
    tenure = (_epoch_day(as_of) - cust["start_day"] + 1).cast(pl.Float64) / (HISTORY_DAYS + 1)
    weights = activity * tenure
    cumulative = (weights.cum_sum() / weights.sum()).clip(upper_bound=1.0)
    if m >= n:
        extra = cumulative.search_sorted(rng.uniform("invoice.customer", m - n), side="right").cast(pl.Int64).clip(0, n - 1)
        owner = pl.concat([pl.int_range(0, n, eager=True).cast(pl.Int64), extra])
    else:
        owner = cumulative.search_sorted(rng.uniform("invoice.customer", m), side="right").cast(pl.Int64).clip(0, n - 1)

    docs = cust.select("idx", "segment", "currency", "payment_terms_days", "start_day", "industry", "behaviour").gather(owner)
    end = _epoch_day(as_of)
    docs = docs.with_columns(
        issue=(
            pl.col("start_day") + (rng.uniform("invoice.issue", m) * (end - pl.col("start_day") + 1)).floor().cast(pl.Int64)
        ).clip(upper_bound=end),
        debit=(rng.uniform("invoice.debit", m) < 0.015) & (pl.col("segment") != "consumer"),
    )
    # Late fees only once a customer has had time to be late.
    docs = docs.with_columns(
        due=pl.col("issue") + pl.col("payment_terms_days"),
        debit=pl.col("debit") & (pl.col("issue") > pl.col("start_day") + 60),
    )

    median_usd = {"enterprise": 18_000.0, "mid-market": 4_500.0, "smb": 900.0, "consumer": 120.0}
    sigma = {"enterprise": 1.0, "mid-market": 0.9, "smb": 0.8, "consumer": 0.6}
    z = rng.normal("invoice.amount", m)
    fee = rng.uniform("invoice.fee", m, 20.0, 300.0)
    usd = (
        pl.when(pl.col("debit"))
        .then(fee)
        .otherwise(
            pl.col("segment").replace_strict(median_usd, return_dtype=pl.Float64)
            * (z * pl.col("segment").replace_strict(sigma, return_dtype=pl.Float64)).exp()
        )
    )
    docs = docs.with_columns(amount=_to_minor(usd))

    # Numbered in issue order, per kind, as an ERP would.
    docs = docs.with_columns(tiebreak=rng.uniform("invoice.order", m)).sort("issue", "tiebreak").drop("tiebreak")
    width = max(7, len(str(m)))
    docs = docs.with_columns(doc=pl.int_range(0, pl.len(), dtype=pl.Int64), seq=pl.int_range(1, pl.len() + 1).over("debit"))

    item_lists = [INVOICE_ITEMS[k] for k in INDUSTRY.categories]
    item = _pick_by_group(rng, "invoice.item", docs["industry"].to_physical().cast(pl.Int64), item_lists)
    po_u = rng.uniform("invoice.po", m)
    po_digits = rng.integers("invoice.po_number", m, 100_000, 1_000_000)
    po_share = pl.col("segment").replace_strict(
        {"enterprise": 0.8, "mid-market": 0.6, "smb": 0.2, "consumer": 0.0}, return_dtype=pl.Float64
    )
    channel = _pick(("direct", "partner", "online"), rng.choice("invoice.channel", m, [70, 20, 10]))
    return docs.with_columns(
        invoice_ref=pl.when(pl.col("debit")).then(pl.lit("DN-")).otherwise(pl.lit("INV-"))
        + pl.col("seq").cast(pl.String).str.zfill(width),
        description=pl.when(pl.col("debit"))
        .then(pl.lit("Late payment fee"))
        .otherwise(item + " – " + pl.col("issue").cast(pl.Int32).cast(pl.Date).dt.to_string("%b %Y")),
        po_number=pl.when(po_u < po_share).then(pl.lit("PO-") + po_digits.cast(pl.String)).otherwise(pl.lit("")),
        channel=pl.when(pl.col("segment") == "consumer").then(pl.lit("online")).otherwise(channel),
    ).drop("seq")


def _to_minor(usd: pl.Expr) -> pl.Expr:
    """A US-dollar figure in the row's currency's minor units, at least one major unit."""
    scale = 10 ** _precision()
    return (usd * _by_currency(FX_PER_USD, pl.Float64) * scale.cast(pl.Float64)).round(0).cast(pl.Int64).clip(lower_bound=scale)


_FULL, _INSTALMENTS, _SHORT, _NEVER = range(4)


def _payments(rng: _Rng, cust: pl.DataFrame, docs: pl.DataFrame, as_of: date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """How each customer paid: the payments file and the credit notes it implies."""
    m = docs.height
    end = _epoch_day(as_of)
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


def _unapplied(rng: _Rng, cust: pl.DataFrame, n_pay: int, end: int) -> pl.DataFrame:
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
        amount=_to_minor(usd),
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
    precision = _precision()
    return rows.select(
        payment_ref=pl.lit("PAY-")
        + (pl.col("pay") != pl.col("pay").shift(1)).fill_null(True).cum_sum().cast(pl.String).str.zfill(width),
        received_on=_iso(pl.col("day")),
        amount=_format_amount(pl.col("amount"), precision),
        currency=pl.col("currency").cast(pl.String),
        customer_ref=pl.col("customer_ref"),
        method=pl.col("method").cast(pl.String),
        reference=reference,
        invoice_ref=pl.col("invoice_ref"),
        # Left empty where the whole payment goes to the one invoice, as most files do.
        applied_amount=pl.when((pl.col("rows") > 1) | (pl.col("amount") != pl.col("applied")) & pl.col("doc").is_not_null())
        .then(_format_amount(pl.col("applied"), precision))
        .otherwise(pl.lit("")),
    )


def _invoice_frame(cust: pl.DataFrame, docs: pl.DataFrame, credit_notes: pl.DataFrame) -> pl.DataFrame:
    width = max(7, len(str(docs.height)))
    refs = docs["invoice_ref"]
    channels = docs["channel"]
    cn = (
        credit_notes.sort("issue", "doc")
        .with_columns(credited=pl.lit(refs).gather(pl.col("doc")))
        .select(
            invoice_ref=pl.lit("CN-") + pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(width),
            idx=pl.col("idx"),
            issue=pl.col("issue"),
            due=pl.col("issue"),
            amount=pl.col("amount"),
            currency=pl.col("currency"),
            kind=pl.lit("credit_note"),
            po_number=pl.lit(""),
            description=pl.lit("Credit for ")
            + pl.col("credited")
            + pl.when(pl.col("disputed"))
            .then(pl.lit(": dispute settled"))
            .otherwise(pl.lit(": returned goods / price correction")),
            credits_invoice_ref=pl.col("credited"),
            channel=pl.lit(channels).gather(pl.col("doc")),
        )
    )
    base = docs.select(
        "invoice_ref",
        "idx",
        "issue",
        "due",
        "amount",
        "currency",
        kind=pl.when(pl.col("debit")).then(pl.lit("debit_note")).otherwise(pl.lit("invoice")),
        po_number=pl.col("po_number"),
        description=pl.col("description"),
        credits_invoice_ref=pl.lit(""),
        channel=pl.col("channel"),
    )
    # Both are in issue order already; merging keeps the file in date order without a full sort.
    both = base.merge_sorted(cn, key="issue")
    return both.select(
        "invoice_ref",
        customer_ref=pl.lit(cust["customer_ref"]).gather(pl.col("idx")),
        issue_date=_iso(pl.col("issue")),
        due_date=_iso(pl.col("due")),
        amount=_format_amount(pl.col("amount"), _precision()),
        currency=pl.col("currency").cast(pl.String),
        kind=pl.col("kind"),
        po_number=pl.col("po_number"),
        description=pl.col("description"),
        credits_invoice_ref=pl.col("credits_invoice_ref"),
        channel=pl.col("channel"),
    )
