"""What every document recoup prints shares: the page, the letterhead, the items table, the
totals per currency and how to pay (fpdf2: pure Python, no system packages).

The statement of account (``ledger/statement.py``) and the follow-up letter (``ledger/letters.py``)
are drawn from these parts, so a change to how an item or a total is written shows on both.

The PDF's own fonts (Helvetica) are used, so nothing is embedded or installed; they write the
Windows-1252 repertoire, which covers English, German, French and Spanish and the € sign. Other
characters (a customer name in another script) are transliterated where Unicode knows how and
shown as "?" otherwise (Ł as L). Documents are dated by ``as_of``, never by "now": the same books give
the same PDF.

The letterhead comes from settings (environment): RECOUP_COMPANY_NAME, RECOUP_COMPANY_ADDRESS
(lines separated by "|" or new lines), RECOUP_COMPANY_PHONE, RECOUP_COMPANY_EMAIL and
RECOUP_COMPANY_WEBSITE; each is left out when empty (docs/followups-letters.md).
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from babel.dates import format_date
from django.conf import settings
from django.utils.translation import gettext as _
from fpdf import FPDF

from recoup.kernel.money import Money, UnknownCurrency, format_money
from recoup.kernel.references import creditor_reference, printed
from recoup.ledger.models import Contact, Customer, Invoice
from recoup.ledger.remittance import Payee
from recoup.ledger.selectors import days_overdue

ENCODING = "windows-1252"
LEFT, RIGHT = 18.0, 192.0
# Days overdue that end each aging column (as the aging report's default buckets).
AGING_EDGES: tuple[int, ...] = (0, 30, 60, 90)
# Latin letters Unicode gives no decomposition for (a stroke, not an accent): their plain letter.
_STROKED = str.maketrans("ŁłĐđĦħŦŧıØø", "LlDdHhTtiOo")


def printable(text: str) -> str:
    """``text`` in what the PDF's core fonts can write (see the module's docstring)."""
    out = []
    for ch in str(text).translate(_STROKED):
        try:
            ch.encode(ENCODING)
            out.append(ch)
        except UnicodeEncodeError:
            plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
            out.append(plain or "?")
    return "".join(out)


def _setting(name: str) -> str:
    # Read from settings when settings.py defines it, else from the environment, so a deployment
    # sets RECOUP_COMPANY_* the same way either way.
    return str(getattr(settings, name, None) or os.environ.get(name, "") or "").strip()


@dataclass(frozen=True)
class Letterhead:
    name: str
    address: tuple[str, ...]
    phone: str
    email: str
    website: str

    @property
    def contact_line(self) -> str:
        return "  ·  ".join(part for part in (self.phone, self.email, self.website) if part)


def letterhead() -> Letterhead:
    """The company as its documents name it (RECOUP_COMPANY_*)."""
    address = re.split(r"\s*(?:\||\n)\s*", _setting("RECOUP_COMPANY_ADDRESS"))
    return Letterhead(
        name=_setting("RECOUP_COMPANY_NAME") or "our company",
        address=tuple(line for line in address if line),
        phone=_setting("RECOUP_COMPANY_PHONE"),
        email=_setting("RECOUP_COMPANY_EMAIL"),
        website=_setting("RECOUP_COMPANY_WEBSITE"),
    )


# Where an ERP import puts a customer's postal address (``Customer.attributes``): one text with
# line breaks or "|", a list of lines, or the parts.
_ADDRESS_TEXT = ("address", "postal_address", "billing_address")
_ADDRESS_PARTS = ("address_line1", "address_line2", "street", "postal_code", "city", "region_name")


def postal_address(customer: Customer) -> list[str]:
    """The lines under the customer's name in a window envelope (from ``attributes``)."""
    attributes: dict[str, Any] = customer.attributes if isinstance(customer.attributes, dict) else {}
    for key in _ADDRESS_TEXT:
        value = attributes.get(key)
        if isinstance(value, list):
            return [str(line).strip() for line in value if str(line).strip()]
        if isinstance(value, str) and value.strip():
            return [line for line in re.split(r"\s*(?:\||\n)\s*", value.strip()) if line]
    parts = {key: str(attributes.get(key) or "").strip() for key in _ADDRESS_PARTS}
    lines = [parts["address_line1"], parts["address_line2"], parts["street"]]
    lines.append(" ".join(p for p in (parts["postal_code"], parts["city"]) if p))
    lines.append(parts["region_name"])
    return [line for line in lines if line]


def billing_contact(customer: Customer) -> Contact | None:
    """Whom the letter is for: the billing / accounts-payable contact, else the primary one."""
    contacts = list(Contact.objects.filter(customer=customer).order_by("-is_primary", "pk"))
    for contact in contacts:
        if contact.role.strip().lower() in {"billing", "ap", "accounts payable"}:
            return contact
    return contacts[0] if contacts and contacts[0].is_primary else None


class Document(FPDF):
    def __init__(self, dated: dt.date) -> None:
        super().__init__(format="A4")
        self.core_fonts_encoding = ENCODING
        self.set_creation_date(dt.datetime.combine(dated, dt.time(12, 0), tzinfo=dt.UTC))
        self.set_margins(LEFT, 16, 210 - RIGHT)
        self.set_auto_page_break(True, margin=18)
        self.set_creator("recoup")

    def line_of(self, text: str, *, size: float = 10, bold: bool = False, height: float = 5, link: str = "") -> None:
        self.set_font("Helvetica", "B" if bold else "", size)
        self.multi_cell(0, height, printable(text), new_x="LMARGIN", new_y="NEXT", link=link)

    def rule(self) -> None:
        self.set_draw_color(120, 120, 120)
        self.line(LEFT, self.get_y() + 1, RIGHT, self.get_y() + 1)


class Writer:
    """Amounts and dates in the reader's locale."""

    def __init__(self, locale: str) -> None:
        self.locale = locale

    def money(self, minor: int, currency: str) -> str:
        try:
            return format_money(Money(minor, currency), self.locale)
        except UnknownCurrency:
            return f"{minor} {currency}"

    def date(self, day: dt.date) -> str:
        return format_date(day, format="medium", locale=self.locale)


def draw_letterhead(pdf: Document, head: Letterhead, *, full: bool) -> None:
    """The company's name; with ``full``, its address and how to reach it, right-aligned."""
    pdf.line_of(head.name, size=15, bold=True, height=8)
    if full:
        pdf.set_font("Helvetica", "", 8.5)
        for line in (*head.address, head.contact_line):
            if line:
                pdf.cell(0, 4, printable(line), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.rule()
    pdf.ln(6)


def items_table(pdf: Document, items: Sequence[Invoice], as_of: dt.date, w: Writer) -> None:
    pdf.set_font("Helvetica", "", 8.5)
    headings = [_("Invoice"), _("Issued"), _("Due"), _("Days overdue"), _("Open amount"), _("Payment reference")]
    with pdf.table(
        col_widths=(30, 24, 24, 18, 32, 46), text_align=("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT", "LEFT"), line_height=5
    ) as table:
        table.row([printable(h) for h in headings])
        for item in items:
            if item.is_credit:
                cells = [
                    item.invoice_ref,
                    w.date(item.issue_date),
                    "",
                    "",
                    w.money(-item.open_amount, item.currency),
                    _("Credit note"),
                ]
            else:
                reference = creditor_reference(item.invoice_ref)
                cells = [
                    item.invoice_ref,
                    w.date(item.issue_date),
                    w.date(item.due_date),
                    str(days_overdue(item.due_date, as_of)),
                    w.money(item.open_amount, item.currency),
                    printed(reference) if reference else item.invoice_ref,
                ]
            table.row([printable(c) for c in cells])


def totals(pdf: Document, items: Sequence[Invoice], as_of: dt.date, w: Writer) -> None:
    """One line per currency: amounts in different currencies are never added."""
    pdf.ln(3)
    for code in sorted({i.currency for i in items}):
        mine = [i for i in items if i.currency == code]
        balance = sum(-i.open_amount if i.is_credit else i.open_amount for i in mine)
        overdue = sum(i.open_amount for i in mine if not i.is_credit and days_overdue(i.due_date, as_of) > 0)
        pdf.line_of(
            _("Balance %(currency)s: %(balance)s, of which overdue: %(overdue)s")
            % {"currency": code, "balance": w.money(balance, code), "overdue": w.money(overdue, code)},
            bold=True,
        )


def _aging_headings() -> list[str]:
    names = [_("Not yet due")]
    names += [f"{lo + 1}-{hi}" for lo, hi in itertools.pairwise(AGING_EDGES)]
    names.append(_("over %(days)s") % {"days": AGING_EDGES[-1]})
    return names


def aging_table(pdf: Document, items: Sequence[Invoice], as_of: dt.date, w: Writer) -> None:
    """Per currency, the open invoices by days overdue (credit notes are not late)."""
    debits = [i for i in items if not i.is_credit]
    if not debits:
        return
    pdf.ln(3)
    pdf.set_font("Helvetica", "", 8.5)
    headings = _aging_headings()
    with pdf.table(col_widths=(22, *([28] * len(headings))), text_align="RIGHT", line_height=5) as table:
        table.row([printable(_("Currency")), *[printable(h) for h in headings]])
        for code in sorted({i.currency for i in debits}):
            sums = [0] * len(headings)
            for item in (i for i in debits if i.currency == code):
                late = days_overdue(item.due_date, as_of)
                sums[sum(1 for edge in AGING_EDGES if late > edge)] += item.open_amount
            table.row([code, *[w.money(s, code) if s else "-" for s in sums]])


def payment(pdf: Document, to: Payee) -> None:
    pdf.ln(4)
    pdf.line_of(_("How to pay"), bold=True, size=11, height=6)
    if to.iban:
        pdf.line_of(_("Bank transfer to %(name)s") % {"name": to.name})
        pdf.line_of(f"IBAN {to.printed_iban}" + (f"   BIC {to.bic}" if to.bic else "") + (f"   {to.bank}" if to.bank else ""))
    else:
        pdf.line_of(_("Bank transfer to %(name)s, to the account on our invoices.") % {"name": to.name})
    pdf.line_of(_("Please quote each invoice's payment reference, so that your payment is matched to it automatically."), size=9)


def portal_link(pdf: Document, link: str) -> None:
    pdf.ln(4)
    pdf.line_of(_("Your account online"), bold=True, size=11, height=6)
    pdf.line_of(_("See your open items, promise a payment date, dispute an item or ask us to call you:"), size=9)
    pdf.set_text_color(30, 80, 160)
    pdf.line_of(link, size=9, link=link)
    pdf.set_text_color(0, 0, 0)
