from __future__ import annotations

import pytest

from recoup.kernel.phone import InvalidPhone, normalize_phone, phone_country, phone_timezones


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("+1 (312) 555-0100", None, "+13125550100"),
        ("(312) 555-0100", "US", "+13125550100"),
        ("030 1234567", "DE", "+49301234567"),
        ("030 1234567", "de", "+49301234567"),
        ("+49 30 1234567", "FR", "+49301234567"),
        ("0044 20 7946 0018", "DE", "+442079460018"),
        ("+1 212 555 0100 ext. 12", None, "+12125550100"),
        ("+91 98765 43210", None, "+919876543210"),
    ],
)
def test_normalize(raw: str, region: str | None, e164: str) -> None:
    assert normalize_phone(raw, region) == e164


@pytest.mark.parametrize(
    ("raw", "region", "reason"),
    [
        ("030 12", "DE", "not a valid number for DE"),
        ("+1 555 0100 999", None, "not a valid number for US"),
        ("hello", "DE", "cannot parse"),
        ("", "DE", "cannot parse: empty"),
        ("030 1234567", None, "cannot parse: no country code and no default region"),
    ],
)
def test_invalid(raw: str, region: str | None, reason: str) -> None:
    with pytest.raises(InvalidPhone) as info:
        normalize_phone(raw, region)
    assert info.value.reason == reason
    assert isinstance(info.value, ValueError)


def test_country_and_timezones() -> None:
    assert phone_country("+13125550100") == "US"
    assert phone_country("+14165550199") == "CA"
    assert phone_country("+49301234567") == "DE"
    assert phone_country("not a number") is None
    assert phone_timezones("+13125550100") == ("America/Chicago",)
    # phonenumbers says Asia/Calcutta; the current name is reported.
    assert phone_timezones("+919876543210") == ("Asia/Kolkata",)
    assert len(phone_timezones("+61412345678")) > 1
    assert phone_timezones("garbage") == ()
