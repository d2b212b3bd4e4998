"""A customer's statement of account as PDF, in their language (drawn with ``ledger/paper.py``).

Every open item with its dates, age, open amount and RF creditor reference; totals per currency
(amounts in different currencies are never added); how to pay; and, when given, the customer's
portal link, where they can promise a date, dispute an item or ask for a call. The customer
portal serves it, and letters and e-mails can attach the same document. Same books, same
``as_of``: the same PDF.
"""

from __future__ import annotations

import datetime as dt

from django.utils import translation
from django.utils.translation import gettext as _

from recoup.kernel.locales import locale_for
from recoup.ledger import paper
from recoup.ledger.models import Customer, Invoice
from recoup.ledger.paper import printable
from recoup.ledger.remittance import payee

__all__ = ["printable", "statement_pdf"]


def statement_pdf(customer: Customer, *, as_of: dt.date, language: str, link: str | None = None) -> bytes:
    """The statement of ``customer``'s open items on ``as_of``, in ``language`` (en, de, fr, es),
    with ``link`` (their portal's address) printed when given."""
    w = paper.Writer(locale_for(language, customer.country))
    items = list(Invoice.objects.filter(customer=customer, open_amount__gt=0).order_by("due_date", "invoice_ref", "pk"))
    with translation.override(language):
        pdf = paper.Document(as_of)
        title = _("Statement of account")
        pdf.set_title(printable(f"{title} {customer.customer_ref}"))
        pdf.add_page()
        paper.draw_letterhead(pdf, paper.letterhead(), full=False)
        pdf.line_of(customer.name, bold=True)
        pdf.line_of(_("Customer number %(ref)s") % {"ref": customer.customer_ref}, size=9)
        pdf.ln(4)
        pdf.line_of(_("%(title)s as of %(date)s") % {"title": title, "date": w.date(as_of)}, size=13, bold=True, height=7)
        pdf.ln(2)
        if items:
            paper.items_table(pdf, items, as_of, w)
            paper.totals(pdf, items, as_of, w)
        else:
            pdf.line_of(_("Nothing is open on your account. Thank you."))
        paper.payment(pdf, payee())
        if link:
            paper.portal_link(pdf, link)
        return bytes(pdf.output())
