"""Which IANA zone a customer is in, and wall-clock time there.

The tables of subdivision, dominant and fallback zones are data (``data/zones.toml``), read
once at import. Instants are timezone-aware; functions return UTC instants unless they say
"local".
"""

from __future__ import annotations

import importlib.resources
import tomllib
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from .phone import InvalidPhone, normalize_phone, phone_country, phone_timezones

__all__ = [
    "ResolvedZone",
    "UnknownTimezone",
    "at_local",
    "country_zones",
    "get_zone",
    "local_time",
    "require_aware",
    "resolve_timezone",
    "wall_to_utc",
    "zone_country",
    "zone_for_region",
]


class UnknownTimezone(ValueError):
    def __init__(self, name: object) -> None:
        super().__init__(f"{name!r} is not a known IANA timezone")
        self.name = name


# Names that load on some machines but do not describe a place (or describe the server's place).
_NOT_PLACES = frozenset({"localtime", "posixrules", "Factory", "posix", "right"})


@lru_cache(maxsize=1024)
def get_zone(name: str) -> zoneinfo.ZoneInfo:
    if not isinstance(name, str) or not name or name.split("/", 1)[0] in _NOT_PLACES:
        raise UnknownTimezone(name)
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise UnknownTimezone(name) from exc


def _is_zone(name: str) -> bool:
    try:
        get_zone(name)
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
    tz = get_zone(name)
    return tuple(instant.astimezone(tz).utcoffset() for instant in _REFERENCE_INSTANTS)


def _all_equivalent(names: Iterable[str]) -> bool:
    return len({_offset_signature(n) for n in names}) == 1


def _load_zone_data() -> tuple[Mapping[str, Mapping[str, str]], Mapping[str, str], Mapping[str, str]]:
    with importlib.resources.files(__package__).joinpath("data", "zones.toml").open("rb") as handle:
        data = tomllib.load(handle)
    regions = MappingProxyType({country: MappingProxyType(dict(subs)) for country, subs in data["regions"].items()})
    return regions, MappingProxyType(dict(data["dominant"])), MappingProxyType(dict(data["single_zone_fallback"]))


# _REGION_ZONES: majority zone per ISO 3166-2 subdivision where clocks differ inside a country.
# _DOMINANT_ZONE: countries with several clocks where one zone holds nearly everybody (≥ 95 %);
#   not "single-zone", so a phone number still gets its say first (a Canary Islands number beats
#   Madrid), but the dominant zone is a far better guess than the company's own zone.
# _FALLBACK_SINGLE_ZONE: one-clock countries, used only when the machine has neither zone.tab
#   nor the tzdata package.
_REGION_ZONES, _DOMINANT_ZONE, _FALLBACK_SINGLE_ZONE = _load_zone_data()


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
def zone_country(zone: str) -> str | None:
    """The ISO 3166-1 country the tz database files ``zone`` under (Europe/Berlin → DE), if any."""
    for country, zones in _country_zone_table().items():
        if zone in zones:
            return country
    return None


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
        get_zone(name)
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

    get_zone(default)
    return ResolvedZone(default, "default")


def require_aware(instant: datetime) -> None:
    if not isinstance(instant, datetime) or instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{instant!r} is not a timezone-aware datetime")


def local_time(instant: datetime, zone: str) -> datetime:
    require_aware(instant)
    return instant.astimezone(get_zone(zone))


def wall_to_utc(day: date, wall: time, tz: zoneinfo.ZoneInfo) -> datetime:
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
    resolved as ``wall_to_utc`` says)."""
    return wall_to_utc(day, wall, get_zone(zone))
