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
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _

from recoup.kernel.locales import locale_for
from recoup.ledger import paper
from recoup.ledger.models import Customer, Invoice
from recoup.ledger.remittance import payee

__all__ = ["Letter", "letter_pdf", "letters_pdf"]


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


def _tabular(paragraph: str) -> bool:
    # A template's plain-text table (columns aligned with spaces) keeps its columns only in a
    # fixed-width font.
    return any("  " in line.strip() or "|" in line for line in paragraph.splitlines())


def _body(pdf: paper.Document, body_text: str) -> None:
    for paragraph in body_text.replace("\r\n", "\n").split("\n\n"):
        if not paragraph.strip():
            continue
        if _tabular(paragraph):
            pdf.set_font("Courier", "", 8.5)
            pdf.multi_cell(0, 4, paper.printable(paragraph.strip("\n")), new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.line_of(paragraph.strip("\n"), size=10, height=5)
        pdf.ln(2.5)


@dataclass(frozen=True)
class Letter:
    """One letter of a batch: the arguments of ``letter_pdf``."""

    customer: Customer
    subject: str
    body_text: str
    invoices: Sequence[Invoice]
    as_of: dt.date
    language: str
    link: str | None = None


def _draw(pdf: paper.Document, letter: Letter, head: paper.Letterhead) -> None:
    customer, as_of = letter.customer, letter.as_of
    w = paper.Writer(locale_for(letter.language, customer.country))
    items = sorted((i for i in letter.invoices if i.open_amount > 0), key=lambda i: (i.due_date, i.invoice_ref, i.pk))
    with translation.override(letter.language):
        pdf.add_page()
        paper.draw_letterhead(pdf, head, full=True)
        _address_block(pdf, customer)
        _dateline(pdf, customer, as_of, w)
        pdf.line_of(letter.subject, size=12, bold=True, height=6)
        pdf.ln(3)
        _body(pdf, letter.body_text)
        if items:
            paper.items_table(pdf, items, as_of, w)
            paper.aging_table(pdf, items, as_of, w)
            paper.totals(pdf, items, as_of, w)
        paper.payment(pdf, payee())
        if letter.link:
            paper.portal_link(pdf, letter.link)


def letters_pdf(letters: Sequence[Letter], *, dated: dt.date, title: str) -> bytes:
    """Several letters in one PDF, each from a new page: the day's batch for the printer."""
    pdf = paper.Document(dated)
    pdf.set_title(paper.printable(title))
    head = paper.letterhead()
    for letter in letters:
        _draw(pdf, letter, head)
    if not letters:
        pdf.add_page()
        pdf.line_of(title, bold=True)
    return bytes(pdf.output())


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
    letter = Letter(customer, subject, body_text, invoices, as_of, language, link)
    return letters_pdf([letter], dated=as_of, title=f"{subject} {customer.customer_ref}")
