"""What every bank-file reader hands back: statements of lines in one shape, or an error saying where.

Pure: no Django. Amounts are integer minor units of the line's currency, always positive; the
direction says whether money came in (credit) or went out (debit).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Literal

from recoup.kernel.money import UnknownCurrency, currency_exponent

Direction = Literal["credit", "debit"]

# Bigger than any statement a bank sends in a day; a file past it is refused before parsing.
MAX_FILE_BYTES = 64 * 1024 * 1024


class BankFileError(ValueError):
    """A file recoup cannot read, rejected whole: ``where`` names the line, record or element."""

    def __init__(self, where: str, reason: str) -> None:
        self.where = where
        self.reason = reason
        super().__init__(f"{where}: {reason}" if where else reason)


@dataclass(frozen=True, slots=True)
class RemittanceItem:
    """One document a payer says the payment settles (camt RfrdDocInf, X12 820 RMR, lockbox)."""

    ref: str
    amount: int | None = None  # paid towards it, minor units, when the payer says


@dataclass(frozen=True, slots=True)
class BankLine:
    """One movement on the account, as the bank reported it."""

    seq: int  # position in the file, from 1
    where: str  # how an error or a person finds it again: "line 12", "Ntry 3 / TxDtls 2"
    direction: Direction
    amount: int
    currency: str
    booked_on: dt.date
    value_on: dt.date | None = None
    bank_ref: str = ""
    end_to_end_id: str = ""
    payer_name: str = ""
    payer_account: str = ""
    remittance: str = ""
    # Creditor references given as such (RF, Swiss QRR/ISR, a bank's payment reference).
    references: tuple[str, ...] = ()
    documents: tuple[RemittanceItem, ...] = ()
    bank_code: str = ""  # the bank's transaction code: "PMNT/RCDT/ESCT", "BAI 108", "OFX CREDIT"
    is_return: bool = False  # a reversal or returned payment: shown, never applied


@dataclass(slots=True)
class Statement:
    """One account's statement (a file may hold several)."""

    account: str
    currency: str
    statement_id: str
    from_date: dt.date | None = None
    to_date: dt.date | None = None
    opening_balance: int | None = None
    closing_balance: int | None = None
    lines: list[BankLine] = field(default_factory=list)
    # Totals the file states about itself and whether they agree (counts, sums, balances).
    controls: dict[str, object] = field(default_factory=dict)
    # Disagreements that do not make the lines unreadable (a balance that does not add up).
    warnings: list[str] = field(default_factory=list)

    def net_movement(self) -> int:
        return sum(line.amount if line.direction == "credit" else -line.amount for line in self.lines)

    def check_balances(self, where: str) -> None:
        """opening + credits − debits = closing, when the file states both balances."""
        if self.opening_balance is None or self.closing_balance is None:
            return
        expected = self.opening_balance + self.net_movement()
        self.controls["balance_agrees"] = expected == self.closing_balance
        if expected != self.closing_balance:
            self.warnings.append(
                f"{where}: opening balance {major(self.opening_balance, self.currency)} plus the lines "
                f"({major(self.net_movement(), self.currency)}) makes {major(expected, self.currency)}, but the "
                f"closing balance is {major(self.closing_balance, self.currency)}: lines may be missing"
            )


@dataclass(slots=True)
class BankFile:
    format: str  # camt.053, camt.054, bai2, mt940, ofx, nacha, csv, lockbox
    statements: list[Statement]

    @property
    def lines(self) -> list[BankLine]:
        return [line for s in self.statements for line in s.lines]

    @property
    def warnings(self) -> list[str]:
        return [w for s in self.statements for w in s.warnings]


def exponent(currency: str, where: str) -> int:
    try:
        return currency_exponent(currency)
    except UnknownCurrency:
        raise BankFileError(where, f"{currency!r} is not an ISO 4217 currency code") from None


def to_minor(text: str | Decimal, currency: str, where: str) -> int:
    """An amount as written in the file (``1405.31``, ``-6.60``) in minor units, exactly."""
    try:
        value = text if isinstance(text, Decimal) else Decimal(str(text).strip().replace(",", "."))
    except InvalidOperation:
        raise BankFileError(where, f"{text!r} is not an amount") from None
    if not value.is_finite():
        raise BankFileError(where, f"{text!r} is not an amount")
    scaled = value.scaleb(exponent(currency, where))
    if scaled != scaled.to_integral_value():
        raise BankFileError(where, f"{text} has more decimals than {currency} allows")
    return int(scaled)


def major(minor: int, currency: str) -> str:
    """Minor units as a decimal string in major units (``"1405.31"``): for messages and JSON."""
    places = currency_exponent(currency) if currency else 2
    sign = "-" if minor < 0 else ""
    digits = str(abs(minor)).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}" if places else f"{sign}{digits}"


def parse_date(text: str, fmt: str, where: str) -> dt.date:
    try:
        return dt.datetime.strptime(text.strip(), fmt).date()  # noqa: DTZ007 - a date, no instant
    except ValueError:
        raise BankFileError(where, f"{text!r} is not a date ({fmt.replace('%', '')})") from None
