"""How customers pay: the company's bank details (settings) and an RF creditor reference per
invoice, shown on the customer portal and printed on statements, so that a payment quoting the
reference is matched to its invoice automatically (recoup.kernel.references)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from stdnum import bic, iban


@dataclass(frozen=True)
class Payee:
    name: str
    iban: str
    bic: str
    bank: str

    @property
    def printed_iban(self) -> str:
        """In groups of four, as on paper: ``DE89 3704 0044 0532 0130 00``."""
        return str(iban.format(self.iban)) if self.iban else ""


def payee() -> Payee:
    """The bank details customers pay to (RECOUP_PAYEE_*; checked at start-up by recoup.portal.checks)."""
    return Payee(
        name=str(settings.RECOUP_PAYEE_NAME or settings.RECOUP_COMPANY_NAME),
        iban=str(iban.compact(settings.RECOUP_PAYEE_IBAN)) if settings.RECOUP_PAYEE_IBAN else "",
        bic=str(bic.compact(settings.RECOUP_PAYEE_BIC)) if settings.RECOUP_PAYEE_BIC else "",
        bank=str(settings.RECOUP_PAYEE_BANK or ""),
    )
