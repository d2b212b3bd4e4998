"""A follow-up letter as PDF (the "final notice" step, or any letter a template writes).

The letterhead from settings (``paper.letterhead``), the customer's postal address for a window
envelope, the date and customer number, the subject and body the template rendered, the items the
letter is about with their age, an aging summary and the totals per currency, and how to pay
with an RF reference per invoice (``ledger/remittance.py``). Drawn with the same parts as the
statement of account (``ledger/paper.py``); same arguments, same PDF.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils import translation
from django.utils.translation import gettext as _

from recoup.kernel.locales import locale_for
from recoup.ledger import paper
from recoup.ledger.models import Customer, Invoice
from recoup.ledger.remittance import payee

__all__ = ["letter_pdf"]


def _address_block(pdf: paper.Document, customer: Customer) -> None:
    contact = paper.billing_contact(customer)
    pdf.line_of(customer.name, bold=True)
    if contact and contact.name.strip():
        pdf.line_of(_("Attn. %(name)s") % {"name": contact.name})
    for line in paper.postal_address(customer):
        pdf.line_of(line)


def _dateline(pdf: paper.Document, customer: Customer, as_of: dt.date, w: paper.Writer) -> None:
    pdf.ln(6)
    pdf.set_font("Helvetica", "", 9)
    for text in (w.date(as_of), _("Customer number %(ref)s") % {"ref": customer.customer_ref}):
        pdf.cell(0, 4.5, paper.printable(text), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def _body(pdf: paper.Document, body_text: str) -> None:
    for paragraph in body_text.replace("\r\n", "\n").split("\n\n"):
        if paragraph.strip():
            pdf.line_of(paragraph.strip("\n"), size=10, height=5)
            pdf.ln(2.5)


def letter_pdf(
    customer: Customer,
    *,
    subject: str,
    body_text: str,
    invoices: Sequence[Invoice],
    as_of: dt.date,
    language: str,
    link: str | None = None,
) -> bytes:
    """The letter to ``customer`` about ``invoices`` (as they stand now: credit notes included,
    settled ones left out), dated ``as_of``, in ``language``; ``link`` (their portal) printed when given."""
    w = paper.Writer(locale_for(language, customer.country))
    items = sorted((i for i in invoices if i.open_amount > 0), key=lambda i: (i.due_date, i.invoice_ref, i.pk))
    with translation.override(language):
        pdf = paper.Document(as_of)
        pdf.set_title(paper.printable(f"{subject} {customer.customer_ref}"))
        pdf.add_page()
        paper.draw_letterhead(pdf, paper.letterhead(), full=True)
        _address_block(pdf, customer)
        _dateline(pdf, customer, as_of, w)
        pdf.line_of(subject, size=12, bold=True, height=6)
        pdf.ln(3)
        _body(pdf, body_text)
        if items:
            paper.items_table(pdf, items, as_of, w)
            paper.aging_table(pdf, items, as_of, w)
            paper.totals(pdf, items, as_of, w)
        paper.payment(pdf, payee())
        if link:
            paper.portal_link(pdf, link)
        return bytes(pdf.output())
