"""Phone numbers: E.164 storage form, the number's country and its possible timezones."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from phonenumbers import timezone as pn_timezone

__all__ = ["InvalidPhone", "normalize_phone", "phone_country", "phone_timezones"]


class InvalidPhone(ValueError):
    def __init__(self, raw: str, reason: str) -> None:
        super().__init__(f"{raw!r} is not a usable phone number: {reason}")
        self.raw = raw
        self.reason = reason


# phonenumbers still reports some zones by their pre-rename names; tz links keep them loadable,
# but people (and equality checks against zone.tab names) expect the current spelling.
_RENAMED_ZONES: dict[str, str] = {
    "Africa/Asmera": "Africa/Asmara",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
    "America/Godthab": "America/Nuuk",
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Rangoon": "Asia/Yangon",
    "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Asia/Ulan_Bator": "Asia/Ulaanbaatar",
    "Asia/Choibalsan": "Asia/Ulaanbaatar",
    "Atlantic/Faeroe": "Atlantic/Faroe",
    "Europe/Kiev": "Europe/Kyiv",
    "Pacific/Enderbury": "Pacific/Kanton",
    "Pacific/Ponape": "Pacific/Pohnpei",
    "Pacific/Truk": "Pacific/Chuuk",
}

# What phonenumbers answers when it has no idea.
_UNKNOWN_ZONE = "Etc/Unknown"


def _parse(raw: str, default_region: str | None) -> phonenumbers.PhoneNumber:
    region = default_region.strip().upper() if default_region else None
    try:
        return phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        if exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE:
            detail = "no country code and no default region" if not region else f"unknown country code (region {region})"
            raise InvalidPhone(raw, f"cannot parse: {detail}") from exc
        raise InvalidPhone(raw, "cannot parse") from exc


# Stored numbers are already E.164: they share one cached parse with phone_country and
# phone_timezones instead of being parsed and validated again by each (bulk work, e.g. the
# worklist's time zones, asks all three about 100,000 numbers).
_E164 = re.compile(r"\+[1-9][0-9]{5,14}")
_CACHE = 65_536


@lru_cache(maxsize=_CACHE)
def normalize_phone(raw: str, default_region: str | None) -> str:
    """E.164 form ("+13125550100") of ``raw``; local numbers are read in ``default_region``.

    Extensions are dropped: E.164 has no room for them and dialers cannot use them anyway.
    """
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidPhone(str(raw), "cannot parse: empty")
    if _E164.fullmatch(raw):
        valid = _valid_or_none(raw)
        if valid is not None:
            return phonenumbers.format_number(valid, phonenumbers.PhoneNumberFormat.E164)
    number = _parse(raw, default_region)
    if not phonenumbers.is_valid_number(number):
        code = number.country_code or 0
        region = phonenumbers.region_code_for_country_code(code)
        where = region if region and region != phonenumbers.UNKNOWN_REGION else f"+{code}"
        raise InvalidPhone(raw, f"not a valid number for {where}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=_CACHE)
def _valid_or_none(e164: str) -> phonenumbers.PhoneNumber | None:
    # Cached objects are shared: nothing here or in the callers modifies a PhoneNumber.
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


@lru_cache(maxsize=_CACHE)
def phone_country(e164: str) -> str | None:
    """ISO 3166-1 alpha-2 region of the number (None for invalid or non-geographic numbers)."""
    number = _valid_or_none(e164)
    if number is None:
        return None
    region = phonenumbers.region_code_for_number(number)
    if not region or region in (phonenumbers.UNKNOWN_REGION, "001"):
        return None
    return str(region)


@lru_cache(maxsize=_CACHE)
def phone_timezones(e164: str) -> tuple[str, ...]:
    """IANA zones the number may be in, current names, in phonenumbers' order; () if unknown."""
    number = _valid_or_none(e164)
    if number is None:
        return ()
    zones: list[str] = []
    for zone in pn_timezone.time_zones_for_number(number):
        if zone == _UNKNOWN_ZONE:
            continue
        name = _RENAMED_ZONES.get(zone, zone)
        if name not in zones:
            zones.append(name)
    return tuple(zones)
