"""Customers, templates and queued messages for the composing and outbox tests."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from recoup.accounts.models import Role, User
from recoup.dunning import outbox
from recoup.dunning.composing import ItemLine, compose
from recoup.dunning.models import Channel, Message, MessageItem, MessageStatus, MessageTemplate
from recoup.ledger.models import Contact, Customer, Invoice

SUBJECT = "{{ company_name }}: {{ item_count }} overdue invoice(s), {{ total }}"
BODY = """Dear {{ contact_name or customer_name }},

the following invoices are {{ days_overdue }} days overdue:

{{ items_table }}

Total: {% for t in totals %}{{ t }}{% if not loop.last %}, {% endif %}{% endfor %}
{% if discount_percent %}
Pay {{ discount_totals }} by {{ discount_pay_by }} and keep {{ discount_percent }} %.
{% endif %}
Pay to:
{{ payment_instructions }}

Your account: {{ link }}"""

BODY_DE = """Sehr geehrte Damen und Herren,

folgende Rechnungen sind seit {{ days_overdue }} Tagen fällig:

{{ items_table }}

Summe: {{ total }}"""


def make_user(key: str, role: str) -> User:
    return User.objects.create_user(email=f"{key}@example.com", password="pw-" + key * 3, first_name=key.title(), role=role)


def manager() -> User:
    return make_user("manager", Role.MANAGER)


def template(key: str = "overdue-notice", language: str = "en", subject: str = SUBJECT, body: str = BODY) -> MessageTemplate:
    """The test's own text for ``key`` (replacing the sample of that key and language)."""
    found, _ = MessageTemplate.objects.update_or_create(
        key=key,
        language=language,
        defaults={"channel": Channel.EMAIL, "name": key.replace("-", " ").title(), "subject": subject, "body": body},
    )
    return found


def customer(ref: str = "ACME", *, language: str | None = None, country: str = "US", email: str = "ap@acme.example") -> Customer:
    attributes = {"language": language} if language else {}
    c = Customer.objects.create(
        customer_ref=ref, name=f"{ref.title()} Inc.", country=country, currency="USD", attributes=attributes
    )
    Contact.objects.create(customer=c, name="Petra Payables", email=email, is_primary=True, role="AP")
    return c


def invoice(c: Customer, ref: str, amount: int, due: dt.date, currency: str = "USD") -> Invoice:
    return Invoice.objects.create(
        customer=c,
        invoice_ref=ref,
        issue_date=due - dt.timedelta(days=30),
        due_date=due,
        currency=currency,
        amount=amount,
        open_amount=amount,
    )


def lines(invoices: list[Invoice], as_of: dt.date) -> list[ItemLine]:
    return [
        ItemLine(i.pk, i.invoice_ref, i.issue_date, i.due_date, max(0, (as_of - i.due_date).days), i.open_amount, i.currency)
        for i in invoices
    ]


def queue_message(
    c: Customer, invoices: list[Invoice], *, as_of: dt.date, step_key: str = "overdue", now: dt.datetime | None = None
) -> Message:
    """A message written the way a run writes one (without sending it)."""
    now = now or timezone.now()
    contact = c.contacts.first()
    composed = compose(
        customer=c, contact=contact, step_or_template_key="overdue-notice", items=lines(invoices, as_of), as_of=as_of
    )
    key = outbox.idempotency_key(c.pk, step_key, [i.pk for i in invoices])
    totals: dict[str, int] = {}
    for i in invoices:
        totals[i.currency] = totals.get(i.currency, 0) + i.open_amount
    message = Message.objects.create(
        customer=c,
        step_key=step_key,
        channel=Channel.EMAIL,
        idempotency_key=key,
        message_id=outbox.message_id_for(key),
        to_name=contact.name if contact else "",
        to_address=contact.email if contact else "",
        language=composed.language,
        subject=composed.subject,
        body_text=composed.body_text,
        body_html=composed.body_html,
        totals=totals,
        status=MessageStatus.QUEUED,
        created_at=now,
    )
    for i in invoices:
        MessageItem.objects.create(message=message, invoice=i, open_amount=i.open_amount, currency=i.currency)
    return message
