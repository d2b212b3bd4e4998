"""Customer-local time: which timezone a customer is in, when they may be called, holidays.

Every function that depends on "now" takes the instant or date as an argument. Instants are
timezone-aware; the functions return UTC instants unless they say "local".
"""

from __future__ import annotations

import importlib.resources
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Literal

import holidays

from .phone import InvalidPhone, normalize_phone, phone_country, phone_timezones

__all__ = [
    "CONSUMER_HOURS",
    "BusinessHours",
    "CallWindow",
    "NoCallWindow",
    "ResolvedZone",
    "UnknownTimezone",
    "add_business_days",
    "at_local",
    "call_window",
    "country_zones",
    "holiday_name",
    "is_business_day",
    "is_callable",
    "is_public_holiday",
    "local_time",
    "next_callable",
    "next_window_start",
    "resolve_timezone",
    "zone_for_region",
]


class UnknownTimezone(ValueError):
    def __init__(self, name: object) -> None:
        super().__init__(f"{name!r} is not a known IANA timezone")
        self.name = name


class NoCallWindow(ValueError):
    pass


# --- zones ---------------------------------------------------------------------------------

# Names that load on some machines but do not describe a place (or describe the server's place).
_NOT_PLACES = frozenset({"localtime", "posixrules", "Factory", "posix", "right"})


@lru_cache(maxsize=1024)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    if not isinstance(name, str) or not name or name.split("/", 1)[0] in _NOT_PLACES:
        raise UnknownTimezone(name)
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise UnknownTimezone(name) from exc


def _is_zone(name: str) -> bool:
    try:
        _zone(name)
    except UnknownTimezone:
        return False
    return True


# Zones are compared on a fixed reference year rather than "now": a customer's derived zone is
# stored and shown, so it must not change because the resolver ran in January instead of July,
# and comparing a whole year catches zones that share standard time but not daylight saving.
_REFERENCE_YEAR = 2025
_REFERENCE_INSTANTS = tuple(datetime(_REFERENCE_YEAR, 1, 1, 12, tzinfo=UTC) + timedelta(weeks=w) for w in range(53))


@lru_cache(maxsize=1024)
def _offset_signature(name: str) -> tuple[timedelta | None, ...]:
    tz = _zone(name)
    return tuple(instant.astimezone(tz).utcoffset() for instant in _REFERENCE_INSTANTS)


def _all_equivalent(names: Iterable[str]) -> bool:
    return len({_offset_signature(n) for n in names}) == 1


# Majority zone per ISO 3166-2 subdivision for countries whose clocks differ inside their
# borders. "Majority" means where most of the subdivision's people live.
_REGION_ZONES: dict[str, dict[str, str]] = {
    "US": {
        "AL": "America/Chicago",
        "AK": "America/Anchorage",
        "AZ": "America/Phoenix",
        "AR": "America/Chicago",
        "CA": "America/Los_Angeles",
        "CO": "America/Denver",
        "CT": "America/New_York",
        "DC": "America/New_York",
        "DE": "America/New_York",
        "FL": "America/New_York",
        "GA": "America/New_York",
        "HI": "Pacific/Honolulu",
        "IA": "America/Chicago",
        "ID": "America/Boise",
        "IL": "America/Chicago",
        "IN": "America/Indiana/Indianapolis",
        "KS": "America/Chicago",
        "KY": "America/New_York",
        "LA": "America/Chicago",
        "MA": "America/New_York",
        "MD": "America/New_York",
        "ME": "America/New_York",
        "MI": "America/Detroit",
        "MN": "America/Chicago",
        "MO": "America/Chicago",
        "MS": "America/Chicago",
        "MT": "America/Denver",
        "NC": "America/New_York",
        "ND": "America/Chicago",
        "NE": "America/Chicago",
        "NH": "America/New_York",
        "NJ": "America/New_York",
        "NM": "America/Denver",
        "NV": "America/Los_Angeles",
        "NY": "America/New_York",
        "OH": "America/New_York",
        "OK": "America/Chicago",
        "OR": "America/Los_Angeles",
        "PA": "America/New_York",
        "RI": "America/New_York",
        "SC": "America/New_York",
        "SD": "America/Chicago",
        "TN": "America/Chicago",
        "TX": "America/Chicago",
        "UT": "America/Denver",
        "VA": "America/New_York",
        "VT": "America/New_York",
        "WA": "America/Los_Angeles",
        "WI": "America/Chicago",
        "WV": "America/New_York",
        "WY": "America/Denver",
        # Outlying areas also have US-xx subdivision codes.
        "AS": "Pacific/Pago_Pago",
        "GU": "Pacific/Guam",
        "MP": "Pacific/Saipan",
        "PR": "America/Puerto_Rico",
        "VI": "America/St_Thomas",
    },
    "CA": {
        "AB": "America/Edmonton",
        "BC": "America/Vancouver",
        "MB": "America/Winnipeg",
        "NB": "America/Moncton",
        "NL": "America/St_Johns",
        "NS": "America/Halifax",
        "NT": "America/Edmonton",
        "NU": "America/Iqaluit",
        "ON": "America/Toronto",
        "PE": "America/Halifax",
        "QC": "America/Toronto",
        "SK": "America/Regina",
        "YT": "America/Whitehorse",
    },
    "AU": {
        "ACT": "Australia/Sydney",
        "NSW": "Australia/Sydney",
        "NT": "Australia/Darwin",
        "QLD": "Australia/Brisbane",
        "SA": "Australia/Adelaide",
        "TAS": "Australia/Hobart",
        "VIC": "Australia/Melbourne",
        "WA": "Australia/Perth",
    },
    "BR": {
        "AC": "America/Rio_Branco",
        "AL": "America/Maceio",
        "AM": "America/Manaus",
        "AP": "America/Belem",
        "BA": "America/Bahia",
        "CE": "America/Fortaleza",
        "DF": "America/Sao_Paulo",
        "ES": "America/Sao_Paulo",
        "GO": "America/Sao_Paulo",
        "MA": "America/Fortaleza",
        "MG": "America/Sao_Paulo",
        "MS": "America/Campo_Grande",
        "MT": "America/Cuiaba",
        "PA": "America/Belem",
        "PB": "America/Fortaleza",
        "PE": "America/Recife",
        "PI": "America/Fortaleza",
        "PR": "America/Sao_Paulo",
        "RJ": "America/Sao_Paulo",
        "RN": "America/Fortaleza",
        "RO": "America/Porto_Velho",
        "RR": "America/Boa_Vista",
        "RS": "America/Sao_Paulo",
        "SC": "America/Sao_Paulo",
        "SE": "America/Maceio",
        "SP": "America/Sao_Paulo",
        "TO": "America/Araguaina",
    },
    "MX": {
        "AGU": "America/Mexico_City",
        "BCN": "America/Tijuana",
        "BCS": "America/Mazatlan",
        "CAM": "America/Merida",
        "CHH": "America/Chihuahua",
        "CHP": "America/Mexico_City",
        "CMX": "America/Mexico_City",
        "COA": "America/Monterrey",
        "COL": "America/Mexico_City",
        "DUR": "America/Monterrey",
        "GRO": "America/Mexico_City",
        "GUA": "America/Mexico_City",
        "HID": "America/Mexico_City",
        "JAL": "America/Mexico_City",
        "MEX": "America/Mexico_City",
        "MIC": "America/Mexico_City",
        "MOR": "America/Mexico_City",
        "NAY": "America/Mazatlan",
        "NLE": "America/Monterrey",
        "OAX": "America/Mexico_City",
        "PUE": "America/Mexico_City",
        "QUE": "America/Mexico_City",
        "ROO": "America/Cancun",
        "SIN": "America/Mazatlan",
        "SLP": "America/Mexico_City",
        "SON": "America/Hermosillo",
        "TAB": "America/Mexico_City",
        "TAM": "America/Monterrey",
        "TLA": "America/Mexico_City",
        "VER": "America/Mexico_City",
        "YUC": "America/Merida",
        "ZAC": "America/Mexico_City",
    },
    "RU": {
        "MOW": "Europe/Moscow",
        "SPE": "Europe/Moscow",
        "MOS": "Europe/Moscow",
        "LEN": "Europe/Moscow",
        "KDA": "Europe/Moscow",
        "ROS": "Europe/Moscow",
        "NIZ": "Europe/Moscow",
        "VOR": "Europe/Moscow",
        "TA": "Europe/Moscow",
        "KGD": "Europe/Kaliningrad",
        "SAM": "Europe/Samara",
        "UD": "Europe/Samara",
        "VGG": "Europe/Volgograd",
        "SAR": "Europe/Saratov",
        "AST": "Europe/Astrakhan",
        "ULY": "Europe/Ulyanovsk",
        "KIR": "Europe/Kirov",
        "SVE": "Asia/Yekaterinburg",
        "CHE": "Asia/Yekaterinburg",
        "BA": "Asia/Yekaterinburg",
        "PER": "Asia/Yekaterinburg",
        "TYU": "Asia/Yekaterinburg",
        "ORE": "Asia/Yekaterinburg",
        "KGN": "Asia/Yekaterinburg",
        "KHM": "Asia/Yekaterinburg",
        "YAN": "Asia/Yekaterinburg",
        "OMS": "Asia/Omsk",
        "NVS": "Asia/Novosibirsk",
        "TOM": "Asia/Tomsk",
        "ALT": "Asia/Barnaul",
        "KEM": "Asia/Novokuznetsk",
        "KYA": "Asia/Krasnoyarsk",
        "IRK": "Asia/Irkutsk",
        "BU": "Asia/Irkutsk",
        "ZAB": "Asia/Chita",
        "SA": "Asia/Yakutsk",
        "AMU": "Asia/Yakutsk",
        "PRI": "Asia/Vladivostok",
        "KHA": "Asia/Vladivostok",
        "SAK": "Asia/Sakhalin",
        "MAG": "Asia/Magadan",
        "KAM": "Asia/Kamchatka",
        "CHU": "Asia/Anadyr",
    },
    "ID": {
        # Western Indonesia Time (WIB)
        "AC": "Asia/Jakarta",
        "BB": "Asia/Jakarta",
        "BE": "Asia/Jakarta",
        "BT": "Asia/Jakarta",
        "JA": "Asia/Jakarta",
        "JB": "Asia/Jakarta",
        "JI": "Asia/Jakarta",
        "JK": "Asia/Jakarta",
        "JT": "Asia/Jakarta",
        "KR": "Asia/Jakarta",
        "LA": "Asia/Jakarta",
        "RI": "Asia/Jakarta",
        "SB": "Asia/Jakarta",
        "SS": "Asia/Jakarta",
        "SU": "Asia/Jakarta",
        "YO": "Asia/Jakarta",
        "KB": "Asia/Pontianak",
        "KT": "Asia/Pontianak",
        # Central Indonesia Time (WITA)
        "BA": "Asia/Makassar",
        "GO": "Asia/Makassar",
        "KI": "Asia/Makassar",
        "KS": "Asia/Makassar",
        "KU": "Asia/Makassar",
        "NB": "Asia/Makassar",
        "NT": "Asia/Makassar",
        "SA": "Asia/Makassar",
        "SG": "Asia/Makassar",
        "SN": "Asia/Makassar",
        "SR": "Asia/Makassar",
        "ST": "Asia/Makassar",
        # Eastern Indonesia Time (WIT)
        "MA": "Asia/Jayapura",
        "MU": "Asia/Jayapura",
        "PA": "Asia/Jayapura",
        "PB": "Asia/Jayapura",
        "PD": "Asia/Jayapura",
        "PE": "Asia/Jayapura",
        "PS": "Asia/Jayapura",
        "PT": "Asia/Jayapura",
    },
    "KZ": {
        # The whole country moved to UTC+5 in 2024; the zones differ only in history.
        "ALA": "Asia/Almaty",
        "AST": "Asia/Almaty",
        "SHY": "Asia/Almaty",
        "AKM": "Asia/Almaty",
        "ALM": "Asia/Almaty",
        "KAR": "Asia/Almaty",
        "PAV": "Asia/Almaty",
        "VOS": "Asia/Almaty",
        "SEV": "Asia/Almaty",
        "YUZ": "Asia/Almaty",
        "ZHA": "Asia/Almaty",
        "KZY": "Asia/Qyzylorda",
        "KUS": "Asia/Qostanay",
        "AKT": "Asia/Aqtobe",
        "MAN": "Asia/Aqtau",
        "ATY": "Asia/Atyrau",
        "ZAP": "Asia/Oral",
    },
    "AR": {
        # One clock (UTC-3) for the whole country; the tz database's many Argentine zones
        # differ only in history.
        "B": "America/Argentina/Buenos_Aires",
        "C": "America/Argentina/Buenos_Aires",
    },
    "CL": {
        "AI": "America/Coyhaique",
        "MA": "America/Punta_Arenas",
        "AN": "America/Santiago",
        "AP": "America/Santiago",
        "AR": "America/Santiago",
        "AT": "America/Santiago",
        "BI": "America/Santiago",
        "CO": "America/Santiago",
        "LI": "America/Santiago",
        "LL": "America/Santiago",
        "LR": "America/Santiago",
        "ML": "America/Santiago",
        "NB": "America/Santiago",
        "RM": "America/Santiago",
        "TA": "America/Santiago",
        # Easter Island belongs to Valparaíso, whose people mostly live on the mainland.
        "VS": "America/Santiago",
    },
    "NZ": {
        "AUK": "Pacific/Auckland",
        "BOP": "Pacific/Auckland",
        "CAN": "Pacific/Auckland",
        "GIS": "Pacific/Auckland",
        "HKB": "Pacific/Auckland",
        "MBH": "Pacific/Auckland",
        "MWT": "Pacific/Auckland",
        "NSN": "Pacific/Auckland",
        "NTL": "Pacific/Auckland",
        "OTA": "Pacific/Auckland",
        "STL": "Pacific/Auckland",
        "TAS": "Pacific/Auckland",
        "TKI": "Pacific/Auckland",
        "WGN": "Pacific/Auckland",
        "WKO": "Pacific/Auckland",
        "WTC": "Pacific/Auckland",
        "CIT": "Pacific/Chatham",
    },
    "ES": {
        "CN": "Atlantic/Canary",
        "GC": "Atlantic/Canary",
        "TF": "Atlantic/Canary",
    },
    "PT": {
        "20": "Atlantic/Azores",
        "30": "Atlantic/Madeira",
    },
}


def _split_region(region: str, country: str | None) -> tuple[str | None, str]:
    code = region.strip().upper()
    if "-" in code:
        prefix, _, sub = code.partition("-")
        return prefix, sub
    # A bare "IL" from an import means a subdivision of the customer's country.
    return (country.strip().upper() if country else None), code


def zone_for_region(region: str, country: str | None = None) -> str | None:
    """Zone of an ISO 3166-2 subdivision ("US-IL", or "IL" with country "US"), if tabulated."""
    prefix, sub = _split_region(region, country)
    if prefix is None:
        return None
    zone = _REGION_ZONES.get(prefix, {}).get(sub)
    # The table may name a zone newer than the machine's tz database (America/Coyhaique is 2025b).
    return zone if zone is not None and _is_zone(zone) else None


# Countries with several clocks where one zone holds nearly everybody (≥ 95 %). They are not
# "single-zone", so a phone number still gets its say first (a Canary Islands number beats
# Madrid), but before falling back to the company default the dominant zone is a far better
# guess than the company's own zone.
_DOMINANT_ZONE: dict[str, str] = {
    "CL": "America/Santiago",
    "CN": "Asia/Shanghai",
    "EC": "America/Guayaquil",
    "ES": "Europe/Madrid",
    "MN": "Asia/Ulaanbaatar",
    "NZ": "Pacific/Auckland",
    "PG": "Pacific/Port_Moresby",
    "PT": "Europe/Lisbon",
    "UA": "Europe/Kyiv",
}


# Used only when the machine has neither zone.tab nor the tzdata package: countries with one
# clock, so that the single-zone rule still works on a stripped-down container.
_FALLBACK_SINGLE_ZONE: dict[str, str] = {
    "AE": "Asia/Dubai",
    "AR": "America/Argentina/Buenos_Aires",
    "AT": "Europe/Vienna",
    "BD": "Asia/Dhaka",
    "BE": "Europe/Brussels",
    "BG": "Europe/Sofia",
    "BH": "Asia/Bahrain",
    "BO": "America/La_Paz",
    "CH": "Europe/Zurich",
    "CN": "Asia/Shanghai",
    "CO": "America/Bogota",
    "CR": "America/Costa_Rica",
    "CY": "Asia/Nicosia",
    "CZ": "Europe/Prague",
    "DE": "Europe/Berlin",
    "DK": "Europe/Copenhagen",
    "DO": "America/Santo_Domingo",
    "DZ": "Africa/Algiers",
    "EE": "Europe/Tallinn",
    "EG": "Africa/Cairo",
    "FI": "Europe/Helsinki",
    "FR": "Europe/Paris",
    "GB": "Europe/London",
    "GH": "Africa/Accra",
    "GR": "Europe/Athens",
    "GT": "America/Guatemala",
    "HK": "Asia/Hong_Kong",
    "HR": "Europe/Zagreb",
    "HU": "Europe/Budapest",
    "IE": "Europe/Dublin",
    "IL": "Asia/Jerusalem",
    "IN": "Asia/Kolkata",
    "IS": "Atlantic/Reykjavik",
    "IT": "Europe/Rome",
    "JM": "America/Jamaica",
    "JO": "Asia/Amman",
    "JP": "Asia/Tokyo",
    "KE": "Africa/Nairobi",
    "KR": "Asia/Seoul",
    "KW": "Asia/Kuwait",
    "KZ": "Asia/Almaty",
    "LB": "Asia/Beirut",
    "LK": "Asia/Colombo",
    "LT": "Europe/Vilnius",
    "LU": "Europe/Luxembourg",
    "LV": "Europe/Riga",
    "MA": "Africa/Casablanca",
    "MT": "Europe/Malta",
    "MY": "Asia/Kuala_Lumpur",
    "NG": "Africa/Lagos",
    "NL": "Europe/Amsterdam",
    "NO": "Europe/Oslo",
    "NP": "Asia/Kathmandu",
    "OM": "Asia/Muscat",
    "PA": "America/Panama",
    "PE": "America/Lima",
    "PH": "Asia/Manila",
    "PK": "Asia/Karachi",
    "PL": "Europe/Warsaw",
    "QA": "Asia/Qatar",
    "RO": "Europe/Bucharest",
    "RS": "Europe/Belgrade",
    "SA": "Asia/Riyadh",
    "SE": "Europe/Stockholm",
    "SG": "Asia/Singapore",
    "SI": "Europe/Ljubljana",
    "SK": "Europe/Bratislava",
    "TH": "Asia/Bangkok",
    "TN": "Africa/Tunis",
    "TR": "Europe/Istanbul",
    "TW": "Asia/Taipei",
    "UY": "America/Montevideo",
    "VN": "Asia/Ho_Chi_Minh",
    "ZA": "Africa/Johannesburg",
}


def _read_zone_table(text: str, *, single_country_column: bool) -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        columns = line.split("\t")
        if len(columns) < 3:
            continue
        countries = [columns[0]] if single_country_column else columns[0].split(",")
        for country in countries:
            table.setdefault(country.strip().upper(), []).append(columns[2].strip())
    return {country: tuple(zones) for country, zones in table.items()}


def _zone_table_texts() -> Iterable[tuple[str, bool]]:
    # zone.tab names one country per row (Europe/Oslo for NO), zone1970.tab shares rows between
    # countries (NO under Europe/Berlin), so zone.tab is preferred wherever it exists.
    for file_name, single in (("zone.tab", True), ("zone1970.tab", False)):
        for directory in zoneinfo.TZPATH:
            path = Path(directory) / file_name
            if path.is_file():
                yield path.read_text(encoding="utf-8"), single
        try:
            resource = importlib.resources.files("tzdata").joinpath("zoneinfo", file_name)
            if resource.is_file():
                yield resource.read_text(encoding="utf-8"), single
        except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError):
            pass


@lru_cache(maxsize=1)
def _country_zone_table() -> Mapping[str, tuple[str, ...]]:
    for text, single in _zone_table_texts():
        table = _read_zone_table(text, single_country_column=single)
        if table:
            return MappingProxyType(table)
    return MappingProxyType({country: (zone,) for country, zone in _FALLBACK_SINGLE_ZONE.items()})


@lru_cache(maxsize=512)
def country_zones(country: str) -> tuple[str, ...]:
    """The tz database's zones for an ISO 3166-1 country, most populous first; () if unknown."""
    zones = _country_zone_table().get(country.strip().upper(), ())
    return tuple(z for z in zones if _is_zone(z))


@lru_cache(maxsize=512)
def _single_zone(country: str) -> str | None:
    # Zones that kept identical clocks all through the reference year count as one
    # (DE: Berlin and Busingen; AR: a dozen historical zones), represented by the first listed.
    zones = country_zones(country)
    if zones and _all_equivalent(zones):
        return zones[0]
    return None


def _zone_from_phone(phone: str, country: str | None) -> str | None:
    try:
        e164 = normalize_phone(phone, country)
    except InvalidPhone:
        return None
    number_country = phone_country(e164)
    # A customer declared in one country with a phone from another: the phone says where the
    # contact is, not the customer, so it is not evidence of the customer's zone.
    if country and number_country and number_country != country:
        return None
    zones = [z for z in phone_timezones(e164) if _is_zone(z)]
    if not zones or not _all_equivalent(zones):
        return None
    if number_country:
        for preferred in country_zones(number_country):
            if preferred in zones:
                return preferred
    return zones[0]


@dataclass(frozen=True, slots=True)
class ResolvedZone:
    zone: str
    source: Literal["explicit", "region", "country", "phone", "default"]


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def resolve_timezone(
    *, explicit: str | None, region: str | None, country: str | None, phone: str | None, default: str
) -> ResolvedZone:
    """The customer's IANA zone: explicit > region > single-zone country > phone > default.

    One refinement: for the few countries in ``_DOMINANT_ZONE`` the dominant zone is used after
    the phone and before the default (source "country").

    Only an invalid ``explicit`` or ``default`` raises (they are configuration, so a typo must
    be seen); every derived clue that does not lead to one zone just falls through.
    """
    if not _blank(explicit):
        assert explicit is not None
        name = explicit.strip()
        _zone(name)
        return ResolvedZone(name, "explicit")

    country_code = country.strip().upper() if country is not None and country.strip() else None
    if not _blank(region):
        assert region is not None
        zone = zone_for_region(region, country_code)
        if zone is not None:
            return ResolvedZone(zone, "region")
        if country_code is None:
            country_code, _ = _split_region(region, None)

    if country_code is not None:
        zone = _single_zone(country_code)
        if zone is not None:
            return ResolvedZone(zone, "country")

    if not _blank(phone):
        assert phone is not None
        zone = _zone_from_phone(phone, country_code)
        if zone is not None:
            return ResolvedZone(zone, "phone")

    if country_code is not None:
        dominant = _DOMINANT_ZONE.get(country_code)
        if dominant is not None and _is_zone(dominant):
            return ResolvedZone(dominant, "country")

    _zone(default)
    return ResolvedZone(default, "default")


# --- hours and windows ---------------------------------------------------------------------

_WEEKDAYS = frozenset(range(5))


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """Local hours when a customer may be contacted; ``weekdays`` uses Monday = 0.

    Windows do not cross midnight: ``start`` must be before ``end``.
    """

    weekdays: frozenset[int] = _WEEKDAYS
    start: time = time(9, 0)
    end: time = time(17, 0)

    def __post_init__(self) -> None:
        days = frozenset(self.weekdays)
        if not days <= frozenset(range(7)):
            raise ValueError(f"weekdays must be within 0 (Monday) .. 6 (Sunday), got {sorted(days)}")
        if days is not self.weekdays:
            object.__setattr__(self, "weekdays", days)
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("business hours are local wall-clock times and take no tzinfo")
        if self.start >= self.end:
            raise ValueError(f"start {self.start} must be before end {self.end}")


CONSUMER_HOURS = BusinessHours(weekdays=frozenset(range(7)), start=time(8, 0), end=time(21, 0))


@dataclass(frozen=True, slots=True)
class CallWindow:
    """One local day's window. ``start``/``end`` are UTC; ``local_*`` the same instants locally."""

    day: date
    zone: str
    start: datetime
    end: datetime
    local_start: datetime
    local_end: datetime

    def contains(self, instant: datetime) -> bool:
        _require_aware(instant)
        return self.start <= instant < self.end


def _require_aware(instant: datetime) -> None:
    if not isinstance(instant, datetime) or instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{instant!r} is not a timezone-aware datetime")


def local_time(instant: datetime, zone: str) -> datetime:
    _require_aware(instant)
    return instant.astimezone(_zone(zone))


def _wall_to_utc(day: date, wall: time, tz: zoneinfo.ZoneInfo) -> datetime:
    """The UTC instant when clocks in ``tz`` show ``wall`` on ``day``.

    A repeated wall time (clocks going back) gives its first occurrence; a skipped one (clocks
    going forward) gives the moment clocks jump, i.e. the first real instant at or after it.
    """
    naive = datetime.combine(day, wall)
    candidates = [naive.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1)]
    real = [c for c in candidates if c.astimezone(tz).replace(tzinfo=None) == naive]
    if real:
        return min(real)
    low, high = min(candidates), max(candidates)
    target = high.astimezone(tz).utcoffset()
    # The offset changes exactly once between the two readings; find it to the second.
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if middle.astimezone(tz).utcoffset() == target:
            high = middle
        else:
            low = middle
    return high


def at_local(day: date, wall: time, zone: str) -> datetime:
    """The UTC instant when clocks in ``zone`` show ``wall`` on ``day`` (DST gaps and repeats
    resolved as ``_wall_to_utc`` says)."""
    return _wall_to_utc(day, wall, _zone(zone))


def _normalize_subdivision(country: str, subdivision: str | None) -> str | None:
    if _blank(subdivision):
        return None
    assert subdivision is not None
    code = subdivision.strip().upper()
    prefix = f"{country}-"
    return code[len(prefix) :] if code.startswith(prefix) else code


@lru_cache(maxsize=1024)
def _holidays_for(country: str, subdivision: str | None, year: int) -> Mapping[date, str]:
    try:
        table = holidays.country_holidays(country, subdiv=subdivision, years=year, language="en_US")
    except NotImplementedError:
        if subdivision is None:
            return MappingProxyType({})
        # An unknown subdivision must not drop the national holidays.
        return _holidays_for(country, None, year)
    return MappingProxyType({day: str(name) for day, name in table.items() if day.year == year})


def holiday_name(day: date, country: str | None, subdivision: str | None = None) -> str | None:
    """English name of the public holiday on ``day`` (None on ordinary or unknown-country days)."""
    if _blank(country):
        return None
    assert country is not None
    code = country.strip().upper()
    return _holidays_for(code, _normalize_subdivision(code, subdivision), day.year).get(day)


def is_public_holiday(day: date, country: str | None, subdivision: str | None = None) -> bool:
    return holiday_name(day, country, subdivision) is not None


def is_business_day(
    day: date, country: str | None = None, subdivision: str | None = None, weekdays: frozenset[int] = _WEEKDAYS
) -> bool:
    return day.weekday() in weekdays and not is_public_holiday(day, country, subdivision)


def _window_on(day: date, zone: str, hours: BusinessHours, country: str | None, subdivision: str | None) -> CallWindow | None:
    if not is_business_day(day, country, subdivision, hours.weekdays):
        return None
    tz = _zone(zone)
    start = _wall_to_utc(day, hours.start, tz)
    end = _wall_to_utc(day, hours.end, tz)
    if end <= start:
        return None
    return CallWindow(day, zone, start, end, start.astimezone(tz), end.astimezone(tz))


def call_window(
    instant: datetime,
    zone: str,
    hours: BusinessHours,
    country: str | None = None,
    subdivision: str | None = None,
) -> CallWindow | None:
    """The window on the customer's local day containing ``instant``; None on days off."""
    day = local_time(instant, zone).date()
    return _window_on(day, zone, hours, country, subdivision)


def is_callable(
    instant: datetime,
    zone: str,
    hours: BusinessHours,
    country: str | None = None,
    subdivision: str | None = None,
) -> bool:
    window = call_window(instant, zone, hours, country, subdivision)
    return window is not None and window.contains(instant)


_SEARCH_DAYS = 370


def next_window_start(
    instant: datetime,
    zone: str,
    hours: BusinessHours,
    country: str | None = None,
    subdivision: str | None = None,
) -> datetime:
    """UTC start of the first window starting at or after ``instant``.

    Inside a window this is the *next* window's start; use ``next_callable`` for "as soon as
    allowed". Raises ``NoCallWindow`` when no window starts within 370 days.
    """
    first_day = local_time(instant, zone).date()
    for offset in range(_SEARCH_DAYS + 1):
        window = _window_on(first_day + timedelta(days=offset), zone, hours, country, subdivision)
        if window is not None and window.start >= instant:
            return window.start
    raise NoCallWindow(f"no call window in {zone} within {_SEARCH_DAYS} days of {instant.isoformat()}")


def next_callable(
    instant: datetime,
    zone: str,
    hours: BusinessHours,
    country: str | None = None,
    subdivision: str | None = None,
) -> datetime:
    """``instant`` itself (in UTC) when it is callable, else the next window's start."""
    if is_callable(instant, zone, hours, country, subdivision):
        return instant.astimezone(UTC)
    return next_window_start(instant, zone, hours, country, subdivision)


def add_business_days(
    day: date,
    n: int,
    country: str | None = None,
    subdivision: str | None = None,
    weekdays: frozenset[int] = _WEEKDAYS,
) -> date:
    """The ``n``-th business day after ``day`` (before it when ``n`` is negative).

    ``day`` itself never counts, so n=1 from a Friday is the next Monday; n=0 returns ``day``
    unchanged even when it is not a business day.
    """
    if not frozenset(weekdays) & frozenset(range(7)):
        raise ValueError("weekdays is empty: no day would ever count")
    step = timedelta(days=1 if n >= 0 else -1)
    remaining = abs(n)
    current = day
    while remaining:
        current += step
        if is_business_day(current, country, subdivision, frozenset(weekdays)):
            remaining -= 1
    return current
