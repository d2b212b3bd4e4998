"""A customer's statement of account as PDF, in their language (fpdf2: pure Python, no system packages).

Every open item with its dates, age, open amount and RF creditor reference; totals per currency
(amounts in different currencies are never added); how to pay; and, when given, the customer's
portal link, where they can promise a date, dispute an item or ask for a call. The customer
portal serves it, and letters and e-mails can attach the same document.

The PDF's own fonts (Helvetica) are used, so nothing is embedded or installed; they write the
Windows-1252 repertoire, which covers English, German, French and Spanish and the € sign. Other
characters (a customer name in another script) are transliterated where Unicode knows how and
shown as "?" otherwise. The document is dated by ``as_of``, never by "now": the same books give
the same PDF.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence

from babel.dates import format_date
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from fpdf import FPDF

from recoup.kernel.locales import locale_for
from recoup.kernel.money import Money, UnknownCurrency, format_money
from recoup.kernel.references import creditor_reference, printed
from recoup.ledger.models import Customer, Invoice
from recoup.ledger.remittance import Payee, payee
from recoup.ledger.selectors import days_overdue

ENCODING = "windows-1252"


def printable(text: str) -> str:
    """``text`` in what the PDF's core fonts can write (see the module's docstring)."""
    out = []
    for ch in str(text):
        try:
            ch.encode(ENCODING)
            out.append(ch)
        except UnicodeEncodeError:
            plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
            out.append(plain or "?")
    return "".join(out)


class _Document(FPDF):
    def __init__(self, dated: dt.date) -> None:
        super().__init__(format="A4")
        self.core_fonts_encoding = ENCODING
        self.set_creation_date(dt.datetime.combine(dated, dt.time(12, 0), tzinfo=dt.UTC))
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(True, margin=18)
        self.set_creator("recoup")

    def line_of(self, text: str, *, size: float = 10, bold: bool = False, height: float = 5, link: str = "") -> None:
        self.set_font("Helvetica", "B" if bold else "", size)
        self.multi_cell(0, height, printable(text), new_x="LMARGIN", new_y="NEXT", link=link)


class _Writer:
    def __init__(self, locale: str) -> None:
        self.locale = locale

    def money(self, minor: int, currency: str) -> str:
        try:
            return format_money(Money(minor, currency), self.locale)
        except UnknownCurrency:
            return f"{minor} {currency}"

    def date(self, day: dt.date) -> str:
        return format_date(day, format="medium", locale=self.locale)


def _items_table(pdf: _Document, items: Sequence[Invoice], as_of: dt.date, w: _Writer) -> None:
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


def _totals(pdf: _Document, items: Sequence[Invoice], as_of: dt.date, w: _Writer) -> None:
    currencies = sorted({i.currency for i in items})
    pdf.ln(3)
    for code in currencies:
        mine = [i for i in items if i.currency == code]
        balance = sum(-i.open_amount if i.is_credit else i.open_amount for i in mine)
        overdue = sum(i.open_amount for i in mine if not i.is_credit and days_overdue(i.due_date, as_of) > 0)
        pdf.line_of(
            _("Balance %(currency)s: %(balance)s, of which overdue: %(overdue)s")
            % {"currency": code, "balance": w.money(balance, code), "overdue": w.money(overdue, code)},
            bold=True,
        )


def _payment(pdf: _Document, to: Payee) -> None:
    pdf.ln(4)
    pdf.line_of(_("How to pay"), bold=True, size=11, height=6)
    if to.iban:
        pdf.line_of(_("Bank transfer to %(name)s") % {"name": to.name})
        pdf.line_of(f"IBAN {to.printed_iban}" + (f"   BIC {to.bic}" if to.bic else "") + (f"   {to.bank}" if to.bank else ""))
    else:
        pdf.line_of(_("Bank transfer to %(name)s, to the account on our invoices.") % {"name": to.name})
    pdf.line_of(_("Please quote each invoice's payment reference, so that your payment is matched to it automatically."), size=9)


def statement_pdf(customer: Customer, *, as_of: dt.date, language: str, link: str | None = None) -> bytes:
    """The statement of ``customer``'s open items on ``as_of``, in ``language`` (en, de, fr, es),
    with ``link`` (their portal's address) printed when given."""
    w = _Writer(locale_for(language, customer.country))
    items = list(Invoice.objects.filter(customer=customer, open_amount__gt=0).order_by("due_date", "invoice_ref", "pk"))
    with translation.override(language):
        pdf = _Document(as_of)
        title = _("Statement of account")
        pdf.set_title(printable(f"{title} {customer.customer_ref}"))
        pdf.add_page()
        pdf.line_of(settings.RECOUP_COMPANY_NAME, size=15, bold=True, height=8)
        pdf.set_draw_color(120, 120, 120)
        pdf.line(18, pdf.get_y() + 1, 192, pdf.get_y() + 1)
        pdf.ln(6)
        pdf.line_of(customer.name, bold=True)
        pdf.line_of(_("Customer number %(ref)s") % {"ref": customer.customer_ref}, size=9)
        pdf.ln(4)
        pdf.line_of(_("%(title)s as of %(date)s") % {"title": title, "date": w.date(as_of)}, size=13, bold=True, height=7)
        pdf.ln(2)
        if items:
            _items_table(pdf, items, as_of, w)
            _totals(pdf, items, as_of, w)
        else:
            pdf.line_of(_("Nothing is open on your account. Thank you."))
        _payment(pdf, payee())
        if link:
            pdf.ln(4)
            pdf.line_of(_("Your account online"), bold=True, size=11, height=6)
            pdf.line_of(_("See your open items, promise a payment date, dispute an item or ask us to call you:"), size=9)
            pdf.set_text_color(30, 80, 160)
            pdf.line_of(link, size=9, link=link)
            pdf.set_text_color(0, 0, 0)
        return bytes(pdf.output())
