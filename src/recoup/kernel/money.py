"""Money as integer minor units of an ISO 4217 currency.

Inside recoup an amount is always ``int`` minor units plus a currency code. ``Decimal`` only
appears at the edges (parsing, formatting, rates) and floats never do. ``Money.from_decimal`` is
the one place where rounding happens, so that an amount cannot drift by being rounded twice.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import lru_cache
from typing import overload

import babel.numbers
from babel import Locale

__all__ = [
    "CurrencyMismatch",
    "Money",
    "MoneyParseError",
    "UnknownCurrency",
    "allocate",
    "currency_exponent",
    "format_money",
    "money_formatter",
    "parse_amount",
    "parse_minor",
    "split_evenly",
]


class UnknownCurrency(ValueError):
    def __init__(self, code: object, detail: str = "is not a known ISO 4217 currency code") -> None:
        super().__init__(f"{code!r} {detail}")
        self.code = code


class CurrencyMismatch(ValueError):
    def __init__(self, left: str, right: str) -> None:
        super().__init__(f"cannot combine {left} with {right}")
        self.left = left
        self.right = right


class MoneyParseError(ValueError):
    """An amount that cannot be read; ``reason`` is short enough to show on an import error row."""

    def __init__(self, text: str, reason: str) -> None:
        super().__init__(f"cannot read {text!r} as an amount: {reason}")
        self.text = text
        self.reason = reason


# ISO 4217 (list one, current codes) minor units that are not 2. CLDR's "digits" (what babel
# reports) describe how amounts are usually *displayed* and disagree with ISO for several codes
# (IQD, ISK...), so ledger arithmetic uses the ISO figures.
_ISO_EXPONENTS: dict[str, int] = {
    # 0 decimals
    "BIF": 0,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "ISK": 0,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "PYG": 0,
    "RWF": 0,
    "UGX": 0,
    "UYI": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
    # 3 decimals
    "BHD": 3,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
    # 4 decimals
    "CLF": 4,
    "UYW": 4,
}

# Codes ISO 4217 lists with minor unit "N.A.": metals, SDR-like units, test and "no currency".
# Nobody is invoiced in them, and pretending they have cents would invent a precision.
_NO_MINOR_UNIT = frozenset({"XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XTS", "XUA", "XXX"})


@lru_cache(maxsize=1)
def _babel_codes() -> frozenset[str]:
    return frozenset(babel.numbers.list_currencies())


@lru_cache(maxsize=512)
def _checked_code(code: str) -> str:
    canonical = code.strip().upper()
    if len(canonical) != 3 or not canonical.isascii() or not canonical.isalpha():
        raise UnknownCurrency(code)
    if canonical in _NO_MINOR_UNIT:
        raise UnknownCurrency(code, "has no minor unit in ISO 4217 and cannot hold an amount")
    if canonical not in _ISO_EXPONENTS and canonical not in _babel_codes():
        raise UnknownCurrency(code)
    return canonical


def _canonical_code(code: object) -> str:
    if not isinstance(code, str):
        raise UnknownCurrency(code)
    return _checked_code(code)


def currency_exponent(code: str) -> int:
    """ISO 4217 minor-unit exponent: 0 for JPY, 2 for USD, 3 for BHD, 4 for CLF."""
    # Historic codes babel still knows (DEM, FRF...) have no entry here and fall back to 2.
    return _ISO_EXPONENTS.get(_canonical_code(code), 2)


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount: ``minor`` units of ``currency`` (an upper-case ISO 4217 code).

    ``==`` between different currencies is simply False (so Money can live in sets and dicts);
    ordering and arithmetic across currencies raise ``CurrencyMismatch`` because any answer
    would need an exchange rate.
    """

    minor: int
    currency: str

    def __post_init__(self) -> None:
        # bool is an int subclass; Money(True, "USD") is always a bug upstream.
        if isinstance(self.minor, bool) or not isinstance(self.minor, int):
            raise TypeError(f"Money.minor must be an int, got {type(self.minor).__name__}")
        code = _canonical_code(self.currency)
        if code != self.currency:
            object.__setattr__(self, "currency", code)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def from_decimal(cls, amount: Decimal | int, currency: str) -> Money:
        """Round half-up to the currency's exponent: the only rounding in the money layer."""
        if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
            raise TypeError(f"Money.from_decimal needs a Decimal or int, got {type(amount).__name__}")
        value = Decimal(amount)
        if not value.is_finite():
            raise ValueError(f"cannot make money from {value}")
        exponent = currency_exponent(currency)
        # Precision wide enough that quantize never fails on large, long amounts.
        with localcontext() as ctx:
            ctx.prec = max(28, len(value.as_tuple().digits) + exponent + 2)
            minor = value.scaleb(exponent).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return cls(int(minor), currency)

    @property
    def exponent(self) -> int:
        return currency_exponent(self.currency)

    def to_decimal(self) -> Decimal:
        """Exact value with exactly ``exponent`` decimal places (JPY 5 → 5, USD 5 → 0.05)."""
        sign = 1 if self.minor < 0 else 0
        digits = tuple(int(d) for d in str(abs(self.minor)))
        return Decimal((sign, digits, -self.exponent))

    @property
    def is_zero(self) -> bool:
        return self.minor == 0

    @property
    def is_negative(self) -> bool:
        return self.minor < 0

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatch(self.currency, other.currency)

    def __add__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: object) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __pos__(self) -> Money:
        return self

    def __abs__(self) -> Money:
        return Money(abs(self.minor), self.currency)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return self.minor < other.minor

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return self.minor <= other.minor

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return self.minor > other.minor

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return self.minor >= other.minor

    def __str__(self) -> str:
        # Locale-free on purpose: logs, audit events and error messages must read the same on
        # every machine. Use format_money for people.
        exponent = self.exponent
        sign = "-" if self.minor < 0 else ""
        whole, fraction = divmod(abs(self.minor), 10**exponent)
        text = f"{self.currency} {sign}{whole:,}"
        return f"{text}.{fraction:0{exponent}d}" if exponent else text


# --- parsing -------------------------------------------------------------------------------

_DIGITS = frozenset("0123456789")
# Exports disagree on which space they group with (babel itself emits U+202F for fr_FR), so a
# declared space-like separator accepts all of them; likewise for the Swiss apostrophes.
_SPACE_LIKE = (" ", "\u00a0", "\u202f", "\u2009")
_APOSTROPHE_LIKE = ("'", "\u2019")
_MINUS_SIGNS = ("-", "\u2212")


def _is_digits(text: str) -> bool:
    # str.isdigit() also accepts '²' and Arabic-Indic digits; an import must not.
    return bool(text) and all(ch in _DIGITS for ch in text)


def _strip_sign(text: str, original: str) -> tuple[bool, str]:
    negative = False
    signs = 0
    if len(text) >= 2 and text[0] == "(" and text[-1] == ")":
        negative, signs, text = True, signs + 1, text[1:-1].strip()
    if text[:1] in _MINUS_SIGNS:
        negative, signs, text = True, signs + 1, text[1:].strip()
    elif text[:1] == "+":
        signs, text = signs + 1, text[1:].strip()
    if text[-1:] in _MINUS_SIGNS:
        negative, signs, text = True, signs + 1, text[:-1].strip()
    if signs > 1 or (text and (text[0] in "+-()\u2212" or text[-1] in "+-()\u2212")):
        raise MoneyParseError(original, "more than one sign")
    return negative, text


def _check_separators(decimal_sep: str, thousands_sep: str) -> None:
    if len(decimal_sep) != 1:
        raise ValueError(f"decimal_sep must be one character, got {decimal_sep!r}")
    if len(thousands_sep) > 1:
        raise ValueError(f"thousands_sep must be one character or empty, got {thousands_sep!r}")
    if thousands_sep == decimal_sep:
        raise ValueError("decimal_sep and thousands_sep must differ")
    for sep in (decimal_sep, thousands_sep):
        if sep and (sep in _DIGITS or sep in "+-()\u2212"):
            raise ValueError(f"{sep!r} cannot be a separator")


def _describe(ch: str) -> str:
    return {" ": "space", "\u00a0": "no-break space", "\u202f": "narrow no-break space", "\u2009": "thin space"}.get(ch, repr(ch))


def _check_long_leading_group(original: str, thousands_sep: str, digits: int) -> None:
    """A group of more than three digits before the first separator, as in ``1000000'000.00``.

    Babel 2.19 writes exactly that for the Swiss locales: CLDR 48 made their group symbol the
    ASCII apostrophe, and babel's pattern-quote unescaping then drops the separators pairwise
    (1'000'000'000.00 -> 1000000'000.00; 1'234'567 -> 1234567). Every separator it leaves sits on
    a thousands boundary, and an apostrophe is a decimal mark nowhere, so the amount has one
    reading and is accepted. A dot or comma after a long group may be the decimal separator of
    a source declared with the other convention (``1234.567`` from a BHD export read as German
    would become 1,234,567), so that is refused; so is a space, which may part two numbers.
    """
    if thousands_sep in _APOSTROPHE_LIKE:
        return
    if thousands_sep in ".,":
        reason = f"thousands separator {_describe(thousands_sep)} after {digits} digits: ambiguous, it may be a decimal separator"
        raise MoneyParseError(original, reason)
    raise MoneyParseError(original, "thousands separator in the wrong place")


def parse_minor(text: str, currency: str, *, decimal_sep: str = ".", thousands_sep: str = "") -> int:
    """Read a human amount into minor units using the separators the source declared.

    Strict by design: an import must either reproduce the amount exactly or say why it cannot.
    Accepted signs: leading ``-``/``+``, accounting parentheses ``(12.00)``, and SAP's trailing
    ``12.00-``. Extra decimals are rejected, never rounded.
    """
    exponent = currency_exponent(currency)
    code = _canonical_code(currency)
    _check_separators(decimal_sep, thousands_sep)
    original = text
    body = text.strip()
    if not body:
        raise MoneyParseError(original, "not a number")
    negative, body = _strip_sign(body, original)

    if thousands_sep in _SPACE_LIKE:
        for alias in _SPACE_LIKE:
            body = body.replace(alias, thousands_sep)
    elif thousands_sep in _APOSTROPHE_LIKE:
        for alias in _APOSTROPHE_LIKE:
            body = body.replace(alias, thousands_sep)

    if body.count(decimal_sep) > 1:
        raise MoneyParseError(original, f"more than one decimal separator {_describe(decimal_sep)}")
    whole, _, fraction = body.partition(decimal_sep)

    if not whole and not fraction:
        raise MoneyParseError(original, "not a number")
    if fraction and not _is_digits(fraction):
        if thousands_sep and thousands_sep in fraction:
            raise MoneyParseError(original, "thousands separator in the wrong place")
        raise MoneyParseError(original, "not a number")

    if thousands_sep and thousands_sep in whole:
        groups = whole.split(thousands_sep)
        if not all(_is_digits(g) for g in groups):
            if any(g == "" for g in groups):
                raise MoneyParseError(original, "thousands separator in the wrong place")
            raise MoneyParseError(original, "not a number")
        if any(len(g) != 3 for g in groups[1:]):
            raise MoneyParseError(original, "thousands separator in the wrong place")
        if len(groups[0]) > 3:
            _check_long_leading_group(original, thousands_sep, len(groups[0]))
        whole = "".join(groups)
    elif whole and not _is_digits(whole):
        stray = next(ch for ch in whole if ch not in _DIGITS)
        if stray in ",.'\u2019" or stray in _SPACE_LIKE:
            declared = f"thousands {_describe(thousands_sep)}" if thousands_sep else "no thousands separator"
            raise MoneyParseError(
                original, f"unexpected separator {_describe(stray)} (declared: decimal {_describe(decimal_sep)}, {declared})"
            )
        raise MoneyParseError(original, "not a number")

    # Trailing zeros never change the amount ("50000.00" JPY is 50000), so only significant
    # decimals beyond the currency's exponent are refused.
    fraction = fraction.rstrip("0") if len(fraction) > exponent else fraction
    if len(fraction) > exponent:
        raise MoneyParseError(original, f"more decimals than {code} allows ({exponent})")

    minor = int(whole or "0") * 10**exponent + int(fraction.ljust(exponent, "0") or "0")
    return -minor if negative else minor


def parse_amount(text: str, currency: str, *, decimal_sep: str = ".", thousands_sep: str = "") -> Money:
    return Money(parse_minor(text, currency, decimal_sep=decimal_sep, thousands_sep=thousands_sep), currency)


# --- formatting ----------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _currency_pattern(locale: str, exponent: int) -> babel.numbers.NumberPattern:
    # The locale's pattern carries CLDR's display digits (IQD shows 0, JPY pattern 2); pinning
    # the fraction digits to the ISO exponent makes the output exact for every currency.
    loc = Locale.parse(locale)
    pattern = copy.copy(babel.numbers.parse_pattern(loc.currency_formats["standard"]))
    pattern.frac_prec = (exponent, exponent)
    return pattern


def format_money(m: Money, locale: str = "en_US") -> str:
    """Locale display such as "$1,234.50" or "1.234,50 €", with every minor unit shown."""
    return babel.numbers.format_currency(
        m.to_decimal(), m.currency, format=_currency_pattern(locale, m.exponent), locale=locale, currency_digits=False
    )


@lru_cache(maxsize=256)
def money_formatter(currency: str, locale: str = "en_US") -> Callable[[int], str]:
    """A formatter of minor units equal to ``format_money`` for one currency and locale, for
    bulk text (a worklist writes hundreds of thousands of amounts; babel costs ~20 µs each).

    It learns prefix, suffix and separators from one babel rendering and is checked against
    babel on probe amounts; any locale it cannot mimic (other grouping, say) gets babel itself.
    """
    code = _checked_code(currency)
    exponent = currency_exponent(code)

    def slow(minor: int) -> str:
        return format_money(Money(int(minor), code), locale)

    fraction = "89123"[:exponent]
    sample = slow(int("1234567" + fraction))
    digits = [i for i, ch in enumerate(sample) if ch in _DIGITS]
    if not digits:
        return slow
    first, last = digits[0], digits[-1]
    prefix, body, suffix = sample[:first], sample[first : last + 1], sample[last + 1 :]
    group = body[1] if len(body) > 1 and body[1] not in _DIGITS else ""
    decimal = body[-exponent - 1] if exponent else ""
    negative = slow(-int("1234567" + fraction))

    def fast(minor: int) -> str:
        whole, frac = divmod(abs(int(minor)), 10**exponent)
        text = f"{whole:,}".replace(",", group)
        if exponent:
            text += decimal + str(frac).zfill(exponent)
        text = prefix + text + suffix
        return negative.replace(sample, text) if minor < 0 and sample in negative else ("-" + text if minor < 0 else text)

    probes = (0, 5, 99, 1_000, 123_456, 10**9 + 7, 98_765_432_101, -1, -123_456, -(10**12))
    return fast if all(fast(p) == slow(p) for p in probes) else slow


# --- allocation ----------------------------------------------------------------------------


def _allocate_minor(total: int, weights: Sequence[int]) -> list[int]:
    if not weights:
        raise ValueError("allocate needs at least one weight")
    for w in weights:
        if isinstance(w, bool) or not isinstance(w, int):
            raise TypeError(f"weights must be ints, got {type(w).__name__}")
        if w < 0:
            raise ValueError(f"weights must not be negative, got {w}")
    weight_sum = sum(weights)
    if weight_sum == 0:
        raise ValueError("weights sum to zero")

    # Allocate the magnitude and restore the sign, so that allocate(-t) == -allocate(t).
    magnitude = abs(total)
    shares = [divmod(magnitude * w, weight_sum) for w in weights]
    parts = [q for q, _ in shares]
    leftover = magnitude - sum(parts)
    # sum(remainders) == leftover * weight_sum and each remainder < weight_sum, so more than
    # `leftover` parts have a non-zero remainder: zero weights never receive a unit.
    # sorted() is stable, so equal remainders keep input order (ties go to the earliest).
    order = sorted(range(len(weights)), key=lambda i: -shares[i][1])
    for i in order[:leftover]:
        parts[i] += 1
    return [-p for p in parts] if total < 0 else parts


@overload
def allocate(total: Money, weights: Sequence[int]) -> list[Money]: ...
@overload
def allocate(total: int, weights: Sequence[int]) -> list[int]: ...
def allocate(total: Money | int, weights: Sequence[int]) -> list[Money] | list[int]:
    """Split ``total`` in proportion to ``weights`` so the parts add up exactly.

    Each part is its exact proportional share rounded down (in magnitude); the leftover minor
    units go one each to the largest remainders, ties to the earliest part.
    """
    if isinstance(total, Money):
        return [Money(p, total.currency) for p in _allocate_minor(total.minor, weights)]
    if isinstance(total, bool) or not isinstance(total, int):
        raise TypeError(f"allocate needs Money or int minor units, got {type(total).__name__}")
    return _allocate_minor(total, weights)


@overload
def split_evenly(total: Money, n: int) -> list[Money]: ...
@overload
def split_evenly(total: int, n: int) -> list[int]: ...
def split_evenly(total: Money | int, n: int) -> list[Money] | list[int]:
    """``n`` parts differing by at most one minor unit, the larger ones first."""
    if n <= 0:
        raise ValueError(f"cannot split into {n} parts")
    return allocate(total, [1] * n)
