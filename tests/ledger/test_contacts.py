"""Correcting a contact through the ledger: validated, stored in E.164, audited, "customer changed"."""

from __future__ import annotations

import pytest
from django.utils import timezone

from recoup.audit.models import AuditEvent
from recoup.ledger.events import customer_changed
from recoup.ledger.models import Contact, Customer
from recoup.ledger.services import ContactError, save_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer() -> Customer:
    customer = Customer.objects.create(customer_ref="K-1", name="Kestrel SARL", country="FR", currency="EUR")
    Contact.objects.create(customer=customer, name="Odile", phone="", undialable_phone="01 23", is_primary=True)
    return customer


def test_a_contact_is_corrected_in_e164_audited_and_heard(customer, django_capture_on_commit_callbacks) -> None:
    heard = []
    customer_changed.connect(lambda sender, change, **kw: heard.append(change), weak=False, dispatch_uid="t-contacts")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            contact = save_contact(
                customer=customer,
                contact=customer.contacts.get(),
                name="Odile Martin",
                email="odile@kestrel.example",
                phone="01 42 68 53 00",
                actor=None,
                now=timezone.now(),
            )
    finally:
        customer_changed.disconnect(dispatch_uid="t-contacts")
    assert (contact.name, contact.phone, contact.undialable_phone) == ("Odile Martin", "+33142685300", "")
    event = AuditEvent.objects.get(action="contact.update")
    assert event.before == {"name": "Odile", "email": "", "phone": "01 23"}
    assert event.after["phone"] == "+33142685300"
    assert [sorted(c.kinds) for c in heard] == [["contact"]]


def test_a_customer_without_contacts_gets_a_primary_one(customer) -> None:
    customer.contacts.all().delete()
    contact = save_contact(customer=customer, contact=None, name="AP team", email="", phone="", actor=None, now=timezone.now())
    assert contact.is_primary and AuditEvent.objects.filter(action="contact.create").exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": " ", "email": "", "phone": ""}, "name"),
        ({"name": "Odile", "email": "not-an-address", "phone": ""}, "email"),
        ({"name": "Odile", "email": "", "phone": "12"}, "phone"),
    ],
)
def test_bad_details_are_refused_naming_the_field(customer, fields: dict[str, str], field: str) -> None:
    with pytest.raises(ContactError) as refused:
        save_contact(customer=customer, contact=customer.contacts.get(), actor=None, now=timezone.now(), **fields)
    assert refused.value.field == field
    assert customer.contacts.get().name == "Odile" and not AuditEvent.objects.exists()


def test_a_contact_of_another_customer_is_refused(customer) -> None:
    other = Customer.objects.create(customer_ref="K-2", name="Other", currency="EUR")
    with pytest.raises(ContactError):
        save_contact(
            customer=other, contact=customer.contacts.get(), name="X", email="", phone="", actor=None, now=timezone.now()
        )
