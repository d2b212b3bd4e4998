from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from recoup.kernel.calendar import (
    CONSUMER_HOURS,
    BusinessHours,
    NoCallWindow,
    ResolvedZone,
    UnknownTimezone,
    add_business_days,
    call_window,
    country_zones,
    holiday_country,
    holiday_name,
    is_business_day,
    is_callable,
    is_public_holiday,
    local_time,
    next_callable,
    next_window_start,
    resolve_timezone,
    zone_for_region,
)

OFFICE = BusinessHours()


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# --- timezone resolution -------------------------------------------------------------------


def resolve(**kwargs: str | None) -> ResolvedZone:
    clues: dict[str, str | None] = {"explicit": None, "region": None, "country": None, "phone": None}
    clues.update(kwargs)
    return resolve_timezone(**clues, default="Europe/London")  # type: ignore[arg-type]


def test_explicit_beats_everything() -> None:
    assert resolve(explicit="Asia/Tokyo", region="US-CA", country="US", phone="+13125550100") == ResolvedZone(
        "Asia/Tokyo", "explicit"
    )


def test_invalid_explicit_raises() -> None:
    with pytest.raises(UnknownTimezone):
        resolve(explicit="Mars/Olympus_Mons")
    with pytest.raises(UnknownTimezone):
        resolve(explicit="localtime")


def test_region() -> None:
    assert resolve(region="US-CA", country="US") == ResolvedZone("America/Los_Angeles", "region")
    assert resolve(region="US-IL") == ResolvedZone("America/Chicago", "region")
    assert resolve(region="IL", country="US") == ResolvedZone("America/Chicago", "region")
    assert resolve(region="CA-BC") == ResolvedZone("America/Vancouver", "region")
    assert resolve(region="AU-NSW") == ResolvedZone("Australia/Sydney", "region")
    assert resolve(region="BR-SP") == ResolvedZone("America/Sao_Paulo", "region")
    assert resolve(region="MX-CMX") == ResolvedZone("America/Mexico_City", "region")
    assert resolve(region="RU-MOW") == ResolvedZone("Europe/Moscow", "region")
    assert resolve(region="ID-BA") == ResolvedZone("Asia/Makassar", "region")
    assert resolve(region="nz-auk") == ResolvedZone("Pacific/Auckland", "region")


def test_every_us_state_and_dc_has_a_zone() -> None:
    states = [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
    ]
    assert len(states) == 51
    assert all(zone_for_region(f"US-{s}") for s in states)


def test_country() -> None:
    assert resolve(country="DE") == ResolvedZone("Europe/Berlin", "country")
    assert resolve(country="in") == ResolvedZone("Asia/Kolkata", "country")
    # Argentina's many tz zones share one clock, so it counts as a single-zone country.
    assert resolve(country="AR") == ResolvedZone("America/Argentina/Buenos_Aires", "country")
    # A region outside the table falls through to its country.
    assert resolve(region="DE-BY") == ResolvedZone("Europe/Berlin", "country")
    assert "Europe/Berlin" in country_zones("DE")


def test_multi_zone_country_uses_the_phone() -> None:
    assert resolve(country="US", phone="+1 312 555 0100") == ResolvedZone("America/Chicago", "phone")
    assert resolve(country="US", region="US-ZZ", phone="+13125550100") == ResolvedZone("America/Chicago", "phone")
    assert resolve(phone="+7 343 123 45 67") == ResolvedZone("Asia/Yekaterinburg", "phone")
    # A local number is read in the customer's country.
    assert resolve(country="US", phone="(312) 555-0100") == ResolvedZone("America/Chicago", "phone")


def test_phone_that_does_not_pin_a_zone_falls_through() -> None:
    # Australian mobiles can be anywhere in the country.
    assert resolve(country="AU", phone="+61412345678") == ResolvedZone("Europe/London", "default")
    # A phone from another country says nothing about the customer.
    assert resolve(country="US", phone="+44 20 7946 0018") == ResolvedZone("Europe/London", "default")
    assert resolve(country="US", phone="not a phone") == ResolvedZone("Europe/London", "default")


def test_dominant_zone_after_phone() -> None:
    assert resolve(country="ES", phone="+34 928 123 456") == ResolvedZone("Atlantic/Canary", "phone")
    assert resolve(country="ES") == ResolvedZone("Europe/Madrid", "country")


def test_nothing_gives_the_default() -> None:
    assert resolve() == ResolvedZone("Europe/London", "default")
    assert resolve(explicit="  ", region="", country="") == ResolvedZone("Europe/London", "default")
    assert resolve(country="ZZ") == ResolvedZone("Europe/London", "default")
    with pytest.raises(UnknownTimezone):
        resolve_timezone(explicit=None, region=None, country=None, phone=None, default="Nowhere/Town")


# --- local time and windows ----------------------------------------------------------------

INSTANT = utc(2026, 3, 9, 14, 0)  # a Monday; Chicago moved to daylight time the day before


@pytest.mark.parametrize(
    ("zone", "local", "callable_", "next_start"),
    [
        ("Australia/Sydney", datetime(2026, 3, 10, 1, 0), False, utc(2026, 3, 9, 22, 0)),
        ("America/Chicago", datetime(2026, 3, 9, 9, 0), True, utc(2026, 3, 9, 14, 0)),
        ("Asia/Kolkata", datetime(2026, 3, 9, 19, 30), False, utc(2026, 3, 10, 3, 30)),
        ("Europe/Berlin", datetime(2026, 3, 9, 15, 0), True, utc(2026, 3, 10, 8, 0)),
        ("America/Sao_Paulo", datetime(2026, 3, 9, 11, 0), True, utc(2026, 3, 10, 12, 0)),
    ],
)
def test_one_instant_around_the_world(zone: str, local: datetime, callable_: bool, next_start: datetime) -> None:
    assert local_time(INSTANT, zone).replace(tzinfo=None) == local
    assert is_callable(INSTANT, zone, OFFICE, None, None) is callable_
    assert next_window_start(INSTANT, zone, OFFICE, None, None) == next_start
    expected_now = INSTANT if callable_ else next_start
    assert next_callable(INSTANT, zone, OFFICE) == expected_now


def test_call_window_fields() -> None:
    window = call_window(INSTANT, "Europe/Berlin", OFFICE, "DE", None)
    assert window is not None
    assert window.day == date(2026, 3, 9)
    assert (window.start, window.end) == (utc(2026, 3, 9, 8), utc(2026, 3, 9, 16))
    assert window.local_start.hour == 9 and window.local_end.hour == 17
    assert str(window.local_start.tzinfo) == "Europe/Berlin"
    assert window.contains(utc(2026, 3, 9, 15, 59)) and not window.contains(utc(2026, 3, 9, 16))


@pytest.mark.parametrize(
    ("zone", "country", "subdivision", "before", "friday_start", "next_start"),
    [
        # US clocks go forward on Sunday 2026-03-08 and back on 2026-11-01.
        ("America/Chicago", "US", "IL", utc(2026, 3, 6, 23, 30), utc(2026, 3, 6, 15), utc(2026, 3, 9, 14)),
        ("America/Chicago", "US", "IL", utc(2026, 10, 30, 23, 30), utc(2026, 10, 30, 14), utc(2026, 11, 2, 15)),
        ("Europe/Berlin", "DE", "BE", utc(2026, 3, 27, 17), utc(2026, 3, 27, 8), utc(2026, 3, 30, 7)),
        # Sydney: back on 2026-04-05 (Easter: Good Friday and Easter Monday are holidays too),
        # forward on 2026-10-04 (Monday 10-05 is Labour Day in NSW).
        ("Australia/Sydney", "AU", "NSW", utc(2026, 4, 2, 7), None, utc(2026, 4, 6, 23)),
        ("Australia/Sydney", "AU", "NSW", utc(2026, 10, 2, 7), utc(2026, 10, 1, 23), utc(2026, 10, 5, 22)),
    ],
)
def test_windows_across_dst(
    zone: str, country: str, subdivision: str, before: datetime, friday_start: datetime | None, next_start: datetime
) -> None:
    window = call_window(before, zone, OFFICE, country, subdivision)
    if friday_start is None:
        assert window is not None and window.end <= before
    else:
        assert window is not None and window.start == friday_start
    assert not is_callable(before, zone, OFFICE, country, subdivision)
    start = next_window_start(before, zone, OFFICE, country, subdivision)
    assert start == next_start
    assert local_time(start, zone).time() == time(9, 0)


def test_consumer_hours_on_the_dst_sundays() -> None:
    spring = call_window(utc(2026, 3, 8, 18), "America/Chicago", CONSUMER_HOURS, None, None)
    autumn = call_window(utc(2026, 11, 1, 18), "America/Chicago", CONSUMER_HOURS, None, None)
    assert spring is not None and (spring.start, spring.end) == (utc(2026, 3, 8, 13), utc(2026, 3, 9, 2))
    assert autumn is not None and (autumn.start, autumn.end) == (utc(2026, 11, 1, 14), utc(2026, 11, 2, 3))


def test_window_edges_inside_a_dst_transition() -> None:
    every_day = frozenset(range(7))
    # 02:30 does not exist on 2026-03-08 in Chicago: the window opens when clocks jump to 03:00.
    skipped = BusinessHours(every_day, time(2, 30), time(5, 0))
    window = call_window(utc(2026, 3, 8, 12), "America/Chicago", skipped, None, None)
    assert window is not None and window.start == utc(2026, 3, 8, 8) and window.end == utc(2026, 3, 8, 10)
    # 01:30 happens twice on 2026-11-01: the first occurrence (still daylight time) is used.
    repeated = BusinessHours(every_day, time(1, 30), time(5, 0))
    window = call_window(utc(2026, 11, 1, 12), "America/Chicago", repeated, None, None)
    assert window is not None and window.start == utc(2026, 11, 1, 6, 30) and window.end == utc(2026, 11, 1, 11)


def test_weekends_and_holidays_have_no_window() -> None:
    saturday = utc(2026, 3, 7, 15)
    assert call_window(saturday, "America/Chicago", OFFICE, None, None) is None
    assert call_window(saturday, "America/Chicago", CONSUMER_HOURS, None, None) is not None
    republic_day = utc(2026, 1, 26, 6)  # 11:30 in Kolkata, a Monday
    assert call_window(republic_day, "Asia/Kolkata", OFFICE, "IN", None) is None
    assert is_callable(republic_day, "Asia/Kolkata", OFFICE, None, None)
    assert next_window_start(republic_day, "Asia/Kolkata", OFFICE, "IN", None) == utc(2026, 1, 27, 3, 30)
    observed_independence = utc(2026, 7, 3, 15)  # Friday
    assert call_window(observed_independence, "America/New_York", OFFICE, "US", "NY") is None
    assert next_window_start(observed_independence, "America/New_York", OFFICE, "US", "NY") == utc(2026, 7, 6, 13)


def test_no_window_at_all() -> None:
    never = BusinessHours(weekdays=frozenset())
    with pytest.raises(NoCallWindow):
        next_window_start(INSTANT, "UTC", never, None, None)


def test_instants_must_be_aware() -> None:
    with pytest.raises(ValueError):
        local_time(datetime(2026, 3, 9, 14), "UTC")
    with pytest.raises(ValueError):
        is_callable(datetime(2026, 3, 9, 14), "UTC", OFFICE, None, None)
    with pytest.raises(UnknownTimezone):
        local_time(INSTANT, "Not/AZone")


def test_business_hours_validation() -> None:
    assert OFFICE.weekdays == frozenset(range(5)) and OFFICE.start == time(9) and OFFICE.end == time(17)
    assert CONSUMER_HOURS.weekdays == frozenset(range(7))
    assert (CONSUMER_HOURS.start, CONSUMER_HOURS.end) == (time(8), time(21))
    with pytest.raises(ValueError):
        BusinessHours(start=time(17), end=time(9))
    with pytest.raises(ValueError):
        BusinessHours(weekdays=frozenset({7}))


# --- holidays and business days ------------------------------------------------------------


def test_public_holidays() -> None:
    assert is_public_holiday(date(2026, 10, 3), "DE")
    assert holiday_name(date(2026, 10, 3), "DE") == "German Unity Day"
    assert holiday_name(date(2026, 1, 26), "IN") == "Republic Day"
    assert is_public_holiday(date(2026, 7, 3), "US")
    assert not is_public_holiday(date(2026, 7, 2), "US")
    # Epiphany is a holiday in Bavaria only; the ISO prefix is optional.
    assert is_public_holiday(date(2026, 1, 6), "DE", "BY")
    assert is_public_holiday(date(2026, 1, 6), "DE", "DE-BY")
    assert not is_public_holiday(date(2026, 1, 6), "DE")
    # Unknown subdivisions keep the national holidays; unknown countries have none.
    assert is_public_holiday(date(2026, 10, 3), "DE", "ZZ")
    assert not is_public_holiday(date(2026, 12, 25), "ZZ")
    assert not is_public_holiday(date(2026, 12, 25), None)


def test_whose_holidays_a_customer_keeps() -> None:
    # Own country > the country an ISO 3166-2 region names > the phone's > the company's.
    assert holiday_country("de", "DE-BY", "AT", "US") == "DE"
    assert holiday_country(None, "US-IL", "DE", "GB") == "US"
    assert holiday_country("", "IL", "DE", "GB") == "DE"  # a bare subdivision names no country
    assert holiday_country(" ", None, None, "gb") == "GB"
    # The customer without any clue is not called on the company's Christmas Day.
    assert is_public_holiday(date(2026, 12, 25), holiday_country(None, None, None, "US"))


def test_the_country_of_a_zone() -> None:
    # RECOUP_COMPANY_COUNTRY defaults to the country of the company's time zone.
    from recoup.kernel.zones import zone_country

    assert zone_country("America/New_York") == "US"
    assert zone_country("Europe/Berlin") == "DE"
    assert zone_country("UTC") is None


def test_add_business_days() -> None:
    thursday = date(2026, 7, 2)
    assert add_business_days(thursday, 1, "US", None) == date(2026, 7, 6)
    assert add_business_days(thursday, 1, None, None) == date(2026, 7, 3)
    assert add_business_days(date(2026, 7, 6), -1, "US", None) == thursday
    assert add_business_days(thursday, 0, "US", None) == thursday
    assert add_business_days(date(2026, 3, 6), 5, None, None) == date(2026, 3, 13)
    six_day_week = frozenset(range(6))
    assert add_business_days(date(2026, 3, 6), 1, None, None, six_day_week) == date(2026, 3, 7)
    assert is_business_day(date(2026, 3, 9)) and not is_business_day(date(2026, 3, 8))


# --- the zone tables are data ----------------------------------------------------------------


def test_zone_tables_are_package_data() -> None:
    # The tables live in recoup/kernel/data/zones.toml: an installed wheel without it would
    # fail at import, so the packaging rule must match the file.
    import fnmatch
    import importlib.resources
    import tomllib
    from pathlib import Path

    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["recoup.kernel"]
    assert any(fnmatch.fnmatch("data/zones.toml", pattern) for pattern in patterns)
    data = tomllib.loads(importlib.resources.files("recoup.kernel").joinpath("data", "zones.toml").read_text(encoding="utf-8"))
    assert data["regions"]["US"]["IL"] == "America/Chicago"
    assert zone_for_region("US-IL") == "America/Chicago"
    assert zone_for_region("IL", "US") == "America/Chicago"
