"""Reference data of the demo company: countries, currencies, names, industries, payment methods.

Written for the demo; any resemblance to real companies is accidental.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

BEHAVIOURS: tuple[str, ...] = ("prompt", "slow", "erratic", "disputer", "deteriorating", "seasonal")


SEGMENTS: tuple[str, ...] = ("enterprise", "mid-market", "smb", "consumer")


DEMO_DOMAIN = "demo.recoup.example"


COLLECTOR_EMAILS: tuple[str, ...] = tuple(f"collector{i}@{DEMO_DOMAIN}" for i in range(1, 5))


SENIOR_EMAIL = f"senior@{DEMO_DOMAIN}"


# Two years and a quarter, so year-over-year comparisons and seasonal patterns have a full cycle.
HISTORY_DAYS = 820


MODES: tuple[str, ...] = ("full", "instalments", "short", "never")


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(","))


@dataclass(frozen=True)
class Country:
    code: str
    currency: str
    culture: str
    continent: str
    weight: float
    zone: str  # the zone of the whole country, or of its first region
    regions: tuple[tuple[str, str, float], ...] = ()  # (ISO 3166-2, IANA zone, weight)
    suffixes: tuple[str, ...] = ("Ltd",)
    southern: bool = False


COUNTRIES: tuple[Country, ...] = (
    Country(
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
    Country(
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
    Country("MX", "MXN", "es", "North America", 3, "America/Mexico_City", (), ("S.A. de C.V.",)),
    Country(
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
    Country("GB", "GBP", "en", "Europe", 10, "Europe/London", (), ("Ltd", "plc", "LLP")),
    Country("IE", "EUR", "en", "Europe", 2, "Europe/Dublin", (), ("Ltd", "DAC")),
    Country("DE", "EUR", "de", "Europe", 8, "Europe/Berlin", (), ("GmbH", "AG", "GmbH & Co. KG")),
    Country("FR", "EUR", "fr", "Europe", 6, "Europe/Paris", (), ("SAS", "SARL", "SA")),
    Country("NL", "EUR", "nl", "Europe", 3, "Europe/Amsterdam", (), ("B.V.", "N.V.")),
    Country("ES", "EUR", "es", "Europe", 3, "Europe/Madrid", (), ("S.L.", "S.A.")),
    Country("IN", "INR", "in", "Asia", 5, "Asia/Kolkata", (), ("Pvt. Ltd.", "Ltd.")),
    Country("JP", "JPY", "ja", "Asia", 4, "Asia/Tokyo", (), ("K.K.", "G.K.")),
    Country("SG", "SGD", "en", "Asia", 3, "Asia/Singapore", (), ("Pte. Ltd.",)),
    Country(
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


METHODS: tuple[str, ...] = ("ach", "wire", "check", "card", "cash", "other")


METHOD_WEIGHTS: dict[str, list[float]] = {
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
