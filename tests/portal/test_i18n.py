"""The customer's pages are written in English, German, French and Spanish, with no string left in
English on a page in another language, and the compiled catalogs match their sources."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.conf import settings
from django.test import Client, override_settings

from recoup.disputes.models import Dispute
from recoup.ledger.models import Customer, Invoice, Payment
from recoup.ledger.services import allocate_payment
from recoup.portal import page, services
from recoup.promises.services import make_promise

from .conftest import add_invoice, opened, token_of

LOCALE = Path(__file__).resolve().parents[2] / "src" / "recoup" / "locale"
LANGUAGES = ("de", "fr", "es")
BANK = {"RECOUP_PAYEE_IBAN": "DE89370400440532013000", "RECOUP_PAYEE_BIC": "COBADEFFXXX", "RECOUP_PAYEE_BANK": "Commerzbank"}


class _Text(HTMLParser):
    """Every piece of text a reader sees or hears: text nodes and the attributes read out."""

    SPOKEN = ("placeholder", "title", "aria-label", "alt")

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in self.SPOKEN and value:
                self.nodes.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and not self._skip:
            self.nodes.append(text)


def texts(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.nodes


def catalog(language: str):  # type: ignore[no-untyped-def]
    with (LOCALE / language / "LC_MESSAGES" / "django.po").open("rb") as f:
        return read_po(f, locale=language)


def same_in(language: str) -> set[str]:
    """Words that are the same in English and ``language`` ("Name" in German): translated, not forgotten."""
    out = set()
    for message in catalog(language):
        if message.id and not isinstance(message.id, tuple) and message.string == message.id:
            out.add(message.id)
    return out


@pytest.fixture
def busy_acme(acme: Customer, now: dt.datetime, as_of: dt.date) -> Customer:
    """Acme with every kind of line the page can show: a payment applied, a credit note, a
    promise and a dispute, so that every sentence of the page is rendered."""
    add_invoice(acme, "CN-7", 50_000, as_of - dt.timedelta(days=3), kind=Invoice.Kind.CREDIT_NOTE)
    payment = Payment.objects.create(
        customer=acme, payment_ref="PAY-1", received_on=as_of, amount=100_000, currency="EUR", unapplied_amount=100_000
    )
    allocate_payment(
        payment=payment,
        invoice=Invoice.objects.get(invoice_ref="INV-1001"),
        amount=100_000,
        applied_on=as_of,
        actor=None,
        now=now,
    )
    make_promise(
        actor=None,
        customer=acme,
        amount=410_000,
        promised_date=as_of + dt.timedelta(days=4),
        invoices=[Invoice.objects.get(invoice_ref="INV-1002")],
        now=now,
    )
    case = Dispute.objects.create(customer=acme, reason="pricing", amount=500_000, currency="EUR", opened_on=as_of)
    case.invoices.set([Invoice.objects.get(invoice_ref="INV-1003")])
    return acme


def _data_of(customer: Customer) -> set[str]:
    """What is the customer's or the company's own, shown as it is in every language."""
    values = {
        customer.name,
        customer.customer_ref,
        settings.RECOUP_COMPANY_NAME,
        "IBAN",
        "BIC",
        *BANK.values(),
        "DE89 3704 0044 0532 0130 00",
        "Europe/Berlin",
    }
    values |= set(page.LANGUAGE_NAMES.values())
    for invoice in customer.invoices.all():
        values |= {invoice.invoice_ref, invoice.po_number, invoice.description}
    for contact in customer.contacts.all():
        values |= {contact.name, contact.email, contact.phone}
    return {v for v in values if v}


def _page(client: Client, language: str, path: str = "/portal/", **kwargs: object) -> list[str]:
    client.post("/portal/language", {"language": language})
    response = client.get(path) if not kwargs else client.post(path, kwargs)
    return texts(response.content.decode())


def _untranslated(english: list[str], translated: list[str], language: str, data: set[str]) -> list[str]:
    same = same_in(language)
    left = set(english) - data - same
    return [
        t for t in translated if t in left and re.search(r"[^\W\d_]", t) and not re.fullmatch(r"[A-Z]{2,}[-\s]?\d[\w\s-]*", t)
    ]


@pytest.mark.django_db
@override_settings(**BANK)
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_has_no_english_left_in_another_language(busy_acme, now, language) -> None:
    client = opened(busy_acme, now)
    english = _page(client, "en")
    assert "Promise a payment date" in english and "Credit note" in english and "Payment received" in " ".join(english)
    translated = _page(client, language)
    assert _untranslated(english, translated, language, _data_of(busy_acme)) == []
    assert len(translated) >= len(english) * 0.9


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_refusals_and_thanks_are_translated_too(acme, now, language) -> None:
    client = opened(acme, now)
    refusal_en = _page(client, "en", "/portal/feedback", message=" ")
    refusal = _page(client, language, "/portal/feedback", message=" ")
    assert "Write your message first." in refusal_en
    assert _untranslated(refusal_en, refusal, language, _data_of(acme)) == []
    client.post("/portal/feedback", {"message": "Danke"})
    thanks = " ".join(texts(client.get("/portal/").content.decode()))
    assert "Thank you for your message." not in thanks and catalog(language)["Thank you for your message."].string in thanks


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pages_without_a_link_are_translated(acme, now, language) -> None:
    client = Client()
    for path in ("/portal/open", "/portal/"):
        english = _page(client, "en", path)
        assert _untranslated(english, _page(client, language, path), language, set()) == [], path
    url = services.link_for(acme, now=now)
    client.post("/portal/open", {"token": token_of(url)})
    client.post("/portal/language", {"language": language})
    left = texts(client.post("/portal/leave").content.decode())
    assert "You have left your account" not in left and catalog(language)["You have left your account"].string in left


@pytest.mark.django_db
def test_the_customers_own_language_comes_first_then_the_browsers(acme, now) -> None:
    acme.attributes = {"language": "es"}
    acme.save()
    assert "Su cuenta" in opened(acme, now).get("/portal/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    acme.attributes = {}
    acme.save()
    response = opened(acme, now).get("/portal/", HTTP_ACCEPT_LANGUAGE="fr-CH, en;q=0.5")
    assert "Votre compte" in response.content.decode() and response["Content-Language"] == "fr"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_the_compiled_catalog_matches_its_source(language) -> None:
    source = catalog(language)
    missing = [m.id for m in source if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)) or m.fuzzy)]
    assert missing == []
    with (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as f:
        compiled = read_mo(f)

    def entries(messages) -> dict:  # type: ignore[no-untyped-def]
        def plain(value):  # type: ignore[no-untyped-def]
            return tuple(value) if isinstance(value, list | tuple) else value

        return {plain(m.id): plain(m.string) for m in messages if m.id}

    assert entries(source) == entries(compiled)


def test_every_dispute_reason_is_worded_for_the_customer() -> None:
    assert set(page.REASONS) == set(Dispute.Reason.values)
