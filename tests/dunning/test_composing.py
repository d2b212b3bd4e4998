"""Messages are written from the manager's template, in the customer's language, with their items."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from recoup.dunning.composing import ComposeError, compose, template_problems
from recoup.dunning.models import MessageTemplate

from .outbox_builders import BODY_DE, customer, invoice, lines, template

AS_OF = dt.date(2026, 11, 20)


@pytest.mark.django_db
def test_message_lists_every_item_with_totals_per_currency_and_payment_details() -> None:
    template()
    c = customer()
    items = [
        invoice(c, "INV-1", 120_000, AS_OF - dt.timedelta(days=14)),
        invoice(c, "INV-2", 5_050, AS_OF - dt.timedelta(days=3)),
    ]
    items.append(invoice(c, "INV-3", 70_000, AS_OF - dt.timedelta(days=20), currency="EUR"))
    composed = compose(
        customer=c,
        contact=c.contacts.first(),
        step_or_template_key="overdue-notice",
        items=lines(items, AS_OF),
        as_of=AS_OF,
        link="https://pay.example/portal/t0k",
    )
    assert composed.language == "en"
    assert composed.subject.endswith("3 overdue invoice(s), $1,250.50 + €700.00")
    text = composed.body_text
    assert text.startswith("Dear Petra Payables,")
    assert "20 days overdue" in text  # the oldest item
    for ref in ("INV-1", "INV-2", "INV-3"):
        assert ref in text
    assert "Total: $1,250.50, €700.00" in text  # never added across currencies
    assert "RF" in text  # each invoice's payment reference
    assert "https://pay.example/portal/t0k" in text
    assert '<a href="https://pay.example/portal/t0k">' in composed.body_html
    assert "keep" not in text  # no discount offered


@pytest.mark.django_db
def test_the_customers_language_is_used_and_english_is_the_fallback() -> None:
    template()
    template(language="de", subject="Zahlungserinnerung {{ customer_ref }}", body=BODY_DE)
    MessageTemplate.objects.filter(language="es").delete()
    german = customer("KRUPP", language="de", country="DE")
    spanish = customer("SEAT", language="es", country="ES")
    item = lines([invoice(german, "R-9", 1_234_567, AS_OF - dt.timedelta(days=9), currency="EUR")], AS_OF)
    de = compose(customer=german, contact=None, step_or_template_key="overdue-notice", items=item, as_of=AS_OF)
    assert de.language == "de"
    assert de.subject == "Zahlungserinnerung KRUPP"
    assert "12.345,67\xa0€" in de.body_text  # written as in Germany
    assert "Fällig am" in de.body_text  # the table's headings in German
    es_item = lines([invoice(spanish, "F-1", 10_000, AS_OF - dt.timedelta(days=2), currency="EUR")], AS_OF)
    es = compose(customer=spanish, contact=None, step_or_template_key="overdue-notice", items=es_item, as_of=AS_OF)
    assert es.language == "en"  # no Spanish template: English
    assert es.body_text.startswith("Dear Seat Inc.,")


@pytest.mark.django_db
def test_discount_offer_is_in_the_message() -> None:
    template()
    c = customer()
    offer = SimpleNamespace(discount_bp=250, expires_on=AS_OF + dt.timedelta(days=10))
    items = lines([invoice(c, "INV-1", 100_000, AS_OF - dt.timedelta(days=5))], AS_OF)
    composed = compose(customer=c, contact=None, step_or_template_key="overdue-notice", items=items, as_of=AS_OF, discount=offer)
    assert "Pay $975.00 by November 30, 2026 and keep 2.5 %." in composed.body_text
    # An offer's own amounts are what the message asks for (a payment of exactly that settles).
    made = SimpleNamespace(
        discount_bp=250,
        percent="2.5",
        valid_until=AS_OF + dt.timedelta(days=14),
        amounts=lambda: [SimpleNamespace(currency="USD", open_amount=100_000, discounted_amount=97_499)],
    )
    composed = compose(customer=c, contact=None, step_or_template_key="overdue-notice", items=items, as_of=AS_OF, discount=made)
    assert "Pay $974.99 by December 4, 2026 and keep 2.5 %." in composed.body_text


@pytest.mark.django_db
def test_a_missing_template_or_a_broken_one_is_named() -> None:
    c = customer()
    with pytest.raises(ComposeError, match="no message template “payment-plan-letter”"):
        compose(customer=c, contact=None, step_or_template_key="payment-plan-letter", items=[], as_of=AS_OF)
    assert template_problems("Hi {{ custmer_name }}", "{{ items_table.upper() }}") == [
        "Subject: Line 1: unknown variable “custmer_name”. Did you mean “customer_name”?",
        "Body: Line 1: calling a function or method cannot be used in scripts.",
    ]
    assert template_problems("{{ company_name }}", "{{ items_table }}") == []


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "de", "es"])
def test_the_sample_templates_are_valid_polite_and_written_in_the_customers_language(language: str) -> None:
    from recoup.activities import tone

    samples = MessageTemplate.objects.filter(language=language)
    assert sorted(samples.values_list("key", flat=True)) == [
        "final-notice",
        "friendly-reminder",
        "overdue-notice",
        "second-notice",
    ]
    c = customer("KUNDE", language=language, country={"en": "US", "de": "DE", "es": "ES"}[language])
    items = lines([invoice(c, "INV-9", 250_000, AS_OF - dt.timedelta(days=31), currency="EUR")], AS_OF)
    offer = SimpleNamespace(discount_bp=200, expires_on=AS_OF + dt.timedelta(days=7))
    for sample in samples:
        assert template_problems(sample.subject, sample.body) == []
        composed = compose(
            customer=c,
            contact=c.contacts.first(),
            step_or_template_key=sample.key,
            items=items,
            as_of=AS_OF,
            discount=offer,
            link="https://pay.example/p/x",
        )
        assert composed.language == language
        assert "INV-9" in composed.body_text
        assert "https://pay.example/p/x" in composed.body_text
        if language == "en":  # the tone rules are written for English
            assert tone.check(composed.body_text) == [], sample.key
