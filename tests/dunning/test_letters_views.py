"""What a collector and a senior see of letters, statements and discounts: PDFs from the customer
page, the day's letters in one PDF for seniors, a discount offered on chosen items."""

from __future__ import annotations

import datetime as dt

import pypdfium2 as pdfium
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from recoup.accounts.models import Role, User
from recoup.dunning.models import Channel, Message, MessageItem
from recoup.ledger.clock import business_date
from recoup.ledger.models import Customer, Invoice
from recoup.promises.models import DiscountOffer

pytestmark = pytest.mark.django_db


def _text(document: bytes) -> list[str]:
    pdf = pdfium.PdfDocument(document)
    try:
        return [page.get_textpage().get_text_range() for page in pdf]
    finally:
        pdf.close()


@pytest.fixture
def team() -> dict[str, User]:
    return {
        role: User.objects.create_user(email=f"{role}@example.com", password="x-Secret-9", role=role)
        for role in (Role.COLLECTOR, Role.SENIOR)
    }


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _customer(ref: str, name: str, collector: User | None = None) -> tuple[Customer, Invoice]:
    customer = Customer.objects.create(customer_ref=ref, name=name, currency="EUR", collector=collector)
    today = business_date(timezone.now())
    invoice = Invoice.objects.create(
        customer=customer,
        invoice_ref=f"{ref}-INV",
        issue_date=today - dt.timedelta(days=60),
        due_date=today - dt.timedelta(days=30),
        currency="EUR",
        amount=40_000,
        open_amount=40_000,
    )
    return customer, invoice


def _letter(customer: Customer, invoice: Invoice, at: dt.datetime) -> Message:
    message = Message.objects.create(
        customer=customer,
        step_key="final-notice",
        channel=Channel.LETTER,
        idempotency_key=f"key-{customer.pk}",
        message_id=f"<{customer.pk}@recoup.test>",
        subject="Final notice",
        body_text=f"Dear {customer.name},\n\nplease pay now.",
        created_at=at,
    )
    MessageItem.objects.create(message=message, invoice=invoice, open_amount=invoice.open_amount, currency="EUR")
    return message


def test_the_statement_and_a_letter_download_from_the_customer_page(team) -> None:
    customer, invoice = _customer("C-1", "Alpha Ltd", team[Role.COLLECTOR])
    message = _letter(customer, invoice, timezone.now())
    client = _client(team[Role.COLLECTOR])
    statement = client.get(reverse("followups-statement-pdf", args=[customer.pk]))
    assert statement["Content-Type"] == "application/pdf"
    assert "C-1-INV" in _text(statement.content)[0]
    Invoice.objects.filter(pk=invoice.pk).update(open_amount=10_000)  # paid in part since
    letter = _text(client.get(reverse("followups-letter-pdf", args=[message.pk])).content)[0]
    assert "please pay now." in letter
    assert "400.00" in letter and "100.00" not in letter  # a reprint says what was sent
    # Someone else's customer stays closed to a collector.
    other, other_invoice = _customer("C-2", "Beta Ltd", team[Role.SENIOR])
    assert client.get(reverse("followups-statement-pdf", args=[other.pk])).status_code == 403
    assert client.get(reverse("followups-letter-pdf", args=[_letter(other, other_invoice, timezone.now()).pk])).status_code == 403


def test_a_senior_prints_the_days_letters_as_one_pdf(team) -> None:
    now = timezone.now()
    for ref, name in (("L-1", "Alpha Ltd"), ("L-2", "Beta Ltd")):
        _letter(*_customer(ref, name), now)
    _letter(*_customer("L-3", "Yesterday Ltd"), now - dt.timedelta(days=2))
    assert _client(team[Role.COLLECTOR]).get(reverse("followups-letters-batch")).status_code == 403
    senior = _client(team[Role.SENIOR])
    page = senior.get(reverse("followups-letters"))
    assert "Print all 2 letters" in page.content.decode()
    pages = _text(senior.get(reverse("followups-letters-batch")).content)
    assert len(pages) == 2
    assert "Alpha Ltd" in pages[0] and "Beta Ltd" in pages[1]
    assert not any("Yesterday Ltd" in p for p in pages)


def test_a_collector_offers_a_discount_and_a_senior_approves_one_beyond_the_limit(team) -> None:
    customer, invoice = _customer("D-1", "Gamma Ltd", team[Role.COLLECTOR])
    collector = _client(team[Role.COLLECTOR])
    url = reverse("followups-discount-offer", args=[customer.pk])
    refused = collector.post(url, {"percent": "2", "days": "10"}, follow=True)
    assert "No offer made: Choose the invoices the discount is for." in refused.content.decode()
    response = collector.post(url, {"invoice": [invoice.pk], "percent": "3", "days": "10"}, follow=True)
    assert "awaits a senior" in response.content.decode()
    offer = DiscountOffer.objects.get()
    assert offer.status == DiscountOffer.Status.PENDING_APPROVAL
    assert "388,00" in response.content.decode() or "388.00" in response.content.decode()  # 400.00 less 3 %
    senior = _client(team[Role.SENIOR])
    assert "Discounts awaiting approval</a>: 1" in senior.get(reverse("followups-letters")).content.decode()
    assert "Gamma Ltd" in senior.get(reverse("followups-discounts")).content.decode()
    senior.post(reverse("followups-discount-decide", args=[offer.pk]), {"approve": "1"})
    offer.refresh_from_db()
    assert offer.status == DiscountOffer.Status.OFFERED and offer.valid_until is not None
