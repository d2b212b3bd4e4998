"""A hand-built ledger for the follow-up runs: customers, contacts, invoices, pauses."""

from __future__ import annotations

import datetime as dt
from typing import Any

from recoup.disputes.models import Dispute
from recoup.dunning.models import MessageTemplate
from recoup.ledger.models import Contact, Customer, Invoice
from recoup.promises.models import PaymentPlan, Promise

# Wednesday 11 March 2026, 15:00 UTC: 11:00 in New York (the company's zone in the tests),
# midnight in Tokyo.
AT = dt.datetime(2026, 3, 11, 15, 0, tzinfo=dt.UTC)
AS_OF = dt.date(2026, 3, 11)
TEMPLATES = {
    "friendly-reminder": "email",
    "overdue-notice": "email",
    "second-notice": "email",
    "final-notice": "letter",
}


def ensure_templates() -> None:
    """The sample templates, when the outbox's sample migration has not shipped them."""
    for key, channel in TEMPLATES.items():
        MessageTemplate.objects.get_or_create(
            key=key,
            language="en",
            defaults={
                "channel": channel,
                "name": key,
                "subject": key.replace("-", " ").capitalize() + " for {{ customer_name }}",
                "body": "Dear {{ contact_name }},\n\n{{ items_table }}\n",
            },
        )


def customer(ref: str, *, zone: str = "America/New_York", country: str = "US", **fields: Any) -> Customer:
    return Customer.objects.create(
        customer_ref=ref, name=f"Customer {ref}", timezone=zone, country=country, currency="USD", **fields
    )


def contact(cust: Customer, name: str, *, role: str = "", email: str = "", primary: bool = False, dnc: bool = False) -> Contact:
    return Contact.objects.create(
        customer=cust, name=name, role=role, email=email, is_primary=primary, do_not_call=dnc, phone="+12125550100"
    )


def invoice(cust: Customer, ref: str, *, days_overdue: int, amount: int = 100000) -> Invoice:
    due = AS_OF - dt.timedelta(days=days_overdue)
    return Invoice.objects.create(
        customer=cust,
        invoice_ref=ref,
        issue_date=due - dt.timedelta(days=30),
        due_date=due,
        currency="USD",
        amount=amount,
        open_amount=amount,
    )


def dispute(cust: Customer, inv: Invoice) -> Dispute:
    case = Dispute.objects.create(
        customer=cust, reason=Dispute.Reason.QUALITY, amount=inv.open_amount, currency="USD", opened_on=AS_OF
    )
    case.invoices.add(inv)
    return case


def promise(cust: Customer, inv: Invoice, *, on: dt.date) -> Promise:
    made = Promise.objects.create(customer=cust, amount=inv.open_amount, currency="USD", promised_date=on, created_at=AT)
    made.invoices.add(inv)
    return made


def plan(cust: Customer, inv: Invoice) -> PaymentPlan:
    made = PaymentPlan.objects.create(customer=cust, currency="USD", status=PaymentPlan.Status.ACTIVE, created_at=AT)
    made.invoices.add(inv)
    return made


def eight_customers() -> dict[str, Any]:
    """The issue's ledger plus a call, a final letter and a credit hold; returns the expectations."""
    ensure_templates()
    c = {}
    c["soon"] = customer("DUE-IN-3")
    contact(c["soon"], "Ann Primary", email="ann@soon.example", primary=True)
    contact(c["soon"], "Bob Billing", role="Billing", email="billing@soon.example")
    invoice(c["soon"], "S-1", days_overdue=-3)
    c["late1"] = customer("LATE-1")
    contact(c["late1"], "Lee", email="lee@late1.example", primary=True)
    invoice(c["late1"], "L1-1", days_overdue=1)
    c["late14"] = customer("LATE-14")
    contact(c["late14"], "Pat AP", role="AP", email="ap@late14.example")
    invoice(c["late14"], "L14-1", days_overdue=14, amount=120050)
    invoice(c["late14"], "L14-2", days_overdue=16, amount=30000)
    c["disputed"] = customer("DISPUTED")
    contact(c["disputed"], "Dee", email="dee@disputed.example", primary=True)
    dispute(c["disputed"], invoice(c["disputed"], "D-1", days_overdue=14))
    invoice(c["disputed"], "D-2", days_overdue=1)
    c["promised"] = customer("PROMISED")
    contact(c["promised"], "Pam", email="pam@promised.example", primary=True)
    promise(c["promised"], invoice(c["promised"], "P-1", days_overdue=5), on=AS_OF + dt.timedelta(days=4))
    c["plan"] = customer("PLAN")
    contact(c["plan"], "Paul", email="paul@plan.example", primary=True)
    plan(c["plan"], invoice(c["plan"], "PL-1", days_overdue=20))
    c["tokyo"] = customer("TOKYO", zone="Asia/Tokyo", country="JP")
    contact(c["tokyo"], "Taro", email="taro@tokyo.example", primary=True)
    invoice(c["tokyo"], "T-1", days_overdue=1)
    c["dnc"] = customer("DO-NOT-CONTACT")
    contact(c["dnc"], "Dan", email="dan@dnc.example", primary=True, dnc=True)
    invoice(c["dnc"], "N-1", days_overdue=1)
    c["call"] = customer("LATE-7")
    contact(c["call"], "Cal", email="cal@late7.example", primary=True)
    invoice(c["call"], "C7-1", days_overdue=8)
    c["final"] = customer("LATE-31")
    contact(c["final"], "Fay", email="fay@late31.example", primary=True)
    invoice(c["final"], "F-1", days_overdue=31)
    c["hold"] = customer("LATE-50")
    contact(c["hold"], "Hal", email="hal@late50.example", primary=True)
    invoice(c["hold"], "H-1", days_overdue=50)
    return c
