"""Which babel locale a customer reads amounts and dates in. Pure: no Django."""

from __future__ import annotations

from babel import Locale, UnknownLocaleError, localedata

# The locale each language is written in when the customer's country has none of its own.
DEFAULT_LOCALES = {"en": "en_US", "de": "de_DE", "fr": "fr_FR", "es": "es_ES"}


def locale_for(language: str, country: str | None) -> str:
    """The language as written in the customer's country (de in AT → de_AT, en in GB → en_GB),
    else the language's usual locale; English for a language without one here."""
    language = (language or "en").split("-")[0].split("_")[0].lower()
    if language not in DEFAULT_LOCALES:
        language = "en"
    code = f"{language}_{(country or '').upper()}"
    if country and localedata.exists(code):
        try:
            return str(Locale.parse(code))
        except (UnknownLocaleError, ValueError):
            pass
    return DEFAULT_LOCALES[language]
