"""The follow-up letter PDF: letterhead from settings, the customer's address, the items with their
age, totals per currency and how to pay, read back from the PDF as a person would see it."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from django.test import override_settings

from recoup.ledger.letters import Letter, letter_pdf, letters_pdf
from recoup.ledger.models import Contact, Customer, Invoice

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 3, 2)
HEAD = {
    "RECOUP_COMPANY_NAME": "Werkzeug AG",
    "RECOUP_COMPANY_ADDRESS": "Hafenstraße 1 | 20457 Hamburg",
    "RECOUP_COMPANY_PHONE": "+49 40 123456",
    "RECOUP_COMPANY_EMAIL": "ar@werkzeug.example",
    "RECOUP_PAYEE_IBAN": "DE89370400440532013000",
}


def pdf_text(document: bytes) -> str:
    pdf = pdfium.PdfDocument(document)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def _invoice(customer: Customer, ref: str, amount: int, due: dt.date, currency: str = "EUR") -> Invoice:
    return Invoice.objects.create(
        customer=customer,
        invoice_ref=ref,
        issue_date=due - dt.timedelta(days=30),
        due_date=due,
        currency=currency,
        amount=amount,
        open_amount=amount,
    )


@pytest.fixture
def customer() -> Customer:
    customer = Customer.objects.create(
        customer_ref="K-9",
        name="Łukasz Żółć GmbH",
        country="DE",
        currency="EUR",
        attributes={"street": "Lindenallee 5", "postal_code": "50667", "city": "Köln"},
    )
    Contact.objects.create(customer=customer, name="Erika Muster", role="billing", email="ap@k9.example")
    _invoice(customer, "R-200", 250_000, AS_OF - dt.timedelta(days=45))
    _invoice(customer, "R-201", 99_950, AS_OF - dt.timedelta(days=3))
    _invoice(customer, "U-8", 120_000, AS_OF - dt.timedelta(days=95), "USD")
    return customer


@override_settings(**HEAD)
def test_a_letter_shows_letterhead_address_items_totals_and_how_to_pay(customer) -> None:
    document = letter_pdf(
        customer,
        subject="Final notice",
        body_text="Dear Erika Muster,\n\nthe invoices below are overdue.\n\nKind regards",
        invoices=list(customer.invoices.all()),
        as_of=AS_OF,
        language="en",
        link="https://ar.example/portal/k9",
    )
    assert document.startswith(b"%PDF-")
    text = pdf_text(document)
    for expected in (
        "Werkzeug AG",
        "Hafenstraße 1",
        "20457 Hamburg",
        "ar@werkzeug.example",
        "Lukasz Zólc GmbH",  # outside the fonts' repertoire: Ł, Ż, ł, ć transliterated, ó kept
        "Attn. Erika Muster",
        "Lindenallee 5",
        "50667 Köln",
        "Customer number K-9",
        "Final notice",
        "the invoices below are overdue.",
        "R-200",
        "R-201",
        "U-8",
        "RF",  # each invoice's creditor reference
        "Balance EUR: 3.499,50 €, of which overdue: 3.499,50 €",  # English words, a German customer's amounts
        "Balance USD: 1.200,00 US$, of which overdue: 1.200,00 US$",
        "DE89 3704 0044 0532 0130 00",
        "https://ar.example/portal/k9",
    ):
        assert expected in text, expected


@override_settings(**HEAD)
def test_aging_puts_each_item_in_its_column(customer) -> None:
    text = pdf_text(
        letter_pdf(customer, subject="S", body_text="B", invoices=list(customer.invoices.all()), as_of=AS_OF, language="en")
    )
    aging = text[text.index("Currency") :]
    assert "over 90" in aging
    # R-201 (3 days) in 1-30, R-200 (45 days) in 31-60; U-8 (95 days) beyond 90.
    rows = {line.split()[0]: line.split()[1:] for line in aging.splitlines()[1:3]}
    assert rows["EUR"] == ["-", "999,50", "€", "2.500,00", "€", "-", "-"]
    assert rows["USD"] == ["-", "-", "-", "-", "1.200,00", "US$"]


def test_only_the_given_open_items_and_the_same_pdf_each_time(customer) -> None:
    chosen = list(customer.invoices.filter(invoice_ref="R-201"))
    first = letter_pdf(customer, subject="Reminder", body_text="Please pay.", invoices=chosen, as_of=AS_OF, language="de")
    assert first == letter_pdf(customer, subject="Reminder", body_text="Please pay.", invoices=chosen, as_of=AS_OF, language="de")
    text = pdf_text(first)
    assert "R-201" in text and "R-200" not in text and "U-8" not in text
    assert "999,50" in text  # German amounts
    for label in ("z. Hd. Erika Muster", "Kundennummer K-9", "Währung", "Noch nicht fällig", "über 90", "So bezahlen Sie"):
        assert label in text, label


@override_settings(**HEAD)
def test_a_batch_prints_each_letter_from_a_new_page(customer) -> None:
    other = Customer.objects.create(customer_ref="K-10", name="Second Customer Ltd", country="GB", currency="GBP")
    _invoice(other, "G-1", 5_000, AS_OF - dt.timedelta(days=31), "GBP")
    table = "Invoice   Due          Open\nR-201     27 Feb 2026  999.50 EUR"
    document = letters_pdf(
        [
            Letter(customer, "Final notice", f"Dear customer,\n\n{table}", list(customer.invoices.all()), AS_OF, "en"),
            Letter(other, "Final notice", "Dear customer,", list(other.invoices.all()), AS_OF, "en"),
        ],
        dated=AS_OF,
        title="Letters of 2026-03-02",
    )
    pdf = pdfium.PdfDocument(document)
    pages = [page.get_textpage().get_text_range() for page in pdf]
    pdf.close()
    assert len(pages) == 2
    assert "Lukasz" in pages[0] and "Second Customer Ltd" not in pages[0]
    assert "Second Customer Ltd" in pages[1] and "G-1" in pages[1] and "R-200" not in pages[1]
    # A plain-text table from a template keeps its columns: set in a fixed-width font.
    assert "R-201 27 Feb 2026 999.50 EUR" in pages[0] and b"/BaseFont /Courier" in document


DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@override_settings(**HEAD, RECOUP_PAYEE_BIC="COBADEFFXXX", RECOUP_COMPANY_WEBSITE="werkzeug.example")
def test_the_letter_as_a_picture(customer, tmp_path) -> None:
    """The final notice as the customer sees it on paper (docs/followups-letters.md). With
    RECOUP_WRITE_SCREENSHOTS=1 it refreshes docs/screenshots/followup-letter.png."""
    Contact.objects.filter(customer=customer).update(name="Erika Mustermann")
    body = (
        "Dear Erika Mustermann,\n\n"
        "despite our reminders of 3 and 17 February, the invoices below are still unpaid. Please pay the overdue "
        "amounts within 7 days, quoting each invoice's payment reference.\n\n"
        "Pay 3.429,51 € instead of 3.499,50 € by 12 Mar 2026 and we will credit the difference "
        "(2 % early-payment discount on R-200 and R-201).\n\n"
        "If you have already paid, or if something is wrong with an invoice, please tell us at once "
        "through your online account or by phone.\n\n"
        "Kind regards\nAccounts receivable, Werkzeug AG"
    )
    document = letter_pdf(
        customer,
        subject="Final notice before collection",
        body_text=body,
        invoices=list(customer.invoices.all()),
        as_of=AS_OF,
        language="en",
        link="https://ar.werkzeug.example/portal/k9#d1e8",
    )
    pdf = pdfium.PdfDocument(document)
    try:
        picture = pdf[0].render(scale=1.5).to_pil()
    finally:
        pdf.close()
    assert picture.size == (893, 1263)  # A4 at 108 dpi
    assert picture.convert("L").getextrema()[0] < 64  # there is ink on the page
    shots = DOCS_SCREENSHOTS if os.environ.get("RECOUP_WRITE_SCREENSHOTS") else tmp_path
    picture.save(shots / "followup-letter.png", optimize=True)
