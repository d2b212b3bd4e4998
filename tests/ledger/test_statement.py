"""The statement of account PDF: every open item with its RF reference, totals per currency, how to
pay and the customer's link, in the customer's language."""

from __future__ import annotations

import datetime as dt
import re
import zlib

import pytest
from django.test import override_settings

from recoup.ledger.models import Customer, Invoice
from recoup.ledger.statement import statement_pdf

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 3, 2)


def pdf_text(document: bytes) -> str:
    out = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", document, re.S):
        try:
            out.append(zlib.decompress(stream).decode("cp1252"))
        except zlib.error:
            continue
    return "\n".join(out)


@pytest.fixture
def customer() -> Customer:
    customer = Customer.objects.create(customer_ref="M-7", name="Müller & Łódź", country="DE", currency="EUR")
    for ref, amount, due, currency in (
        ("R-100", 250_000, AS_OF - dt.timedelta(days=45), "EUR"),
        ("R-101", 99_950, AS_OF + dt.timedelta(days=5), "EUR"),
        ("U-7", 120_000, AS_OF - dt.timedelta(days=2), "USD"),
    ):
        Invoice.objects.create(
            customer=customer,
            invoice_ref=ref,
            issue_date=due - dt.timedelta(days=30),
            due_date=due,
            currency=currency,
            amount=amount,
            open_amount=amount,
        )
    Invoice.objects.create(
        customer=customer,
        invoice_ref="CN-1",
        kind="credit_note",
        issue_date=AS_OF,
        due_date=AS_OF,
        currency="EUR",
        amount=10_000,
        open_amount=10_000,
    )
    return customer


@override_settings(RECOUP_PAYEE_IBAN="DE89370400440532013000", RECOUP_PAYEE_BIC="COBADEFFXXX", RECOUP_COMPANY_NAME="Werkzeug AG")
def test_a_german_statement(customer) -> None:
    document = statement_pdf(customer, as_of=AS_OF, language="de", link="https://ar.example/portal/open#secret")
    assert document.startswith(b"%PDF-")
    text = pdf_text(document)
    for expected in (
        "Kontoauszug zum 02.03.2026",
        "Müller & Lódz",  # outside the PDF fonts' repertoire: ź written as z, Ł as L
        "RF72 R100",
        "RF45 R101",
        "45",
        "2.500,00",
        "Saldo EUR: 3.399,50",  # 2,500.00 + 999.50 − 100.00 credit
        "davon überfällig: 2.500,00",
        "Saldo USD: 1.200,00",
        "DE89 3704 0044 0532 0130 00",
        "https://ar.example/portal/open#secret",
    ):
        assert expected in text, expected
    assert "Statement of account" not in text


def test_the_same_books_give_the_same_document(customer) -> None:
    assert statement_pdf(customer, as_of=AS_OF, language="en") == statement_pdf(customer, as_of=AS_OF, language="en")
    assert "Nothing is open" in pdf_text(
        statement_pdf(Customer.objects.create(customer_ref="E", name="Empty"), as_of=AS_OF, language="en")
    )
