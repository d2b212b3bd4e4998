"""Early-payment discounts: offered within the role's limit (a senior approves beyond it), settled
by a payment of exactly the discounted amount inside the window, the rest closed by a credit note."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from recoup.accounts.models import Role, User
from recoup.audit.models import AuditEvent
from recoup.ledger import receipts
from recoup.ledger.clock import business_date
from recoup.ledger.models import Customer, Invoice
from recoup.ledger.rules import CashReceipt
from recoup.promises import selectors, services
from recoup.promises.models import DiscountOffer
from recoup.promises.rules import OfferLimits, discount_shares, discounted, judge_discount
from recoup.promises.services import PromiseError

pytestmark = pytest.mark.django_db(transaction=True)


def test_discounted_amount_is_rounded_half_up_once_per_currency() -> None:
    assert discounted(10_001, 250) == 9_751  # 9,750.975
    assert discounted(100, 50) == 100  # 99.5 rounds up
    assert discounted(99, 50) == 99  # 98.505
    assert discounted(173_457, 250) == 169_121
    shares = discount_shares([("EUR", 123_457), ("USD", 80_000), ("EUR", 50_000)], 250)
    assert shares == [3_087, 2_000, 1_249]  # EUR: 4,336 off in all; the odd cent to the larger item
    assert judge_discount(OfferLimits(2, 3), discount_bp=200) == "allowed"
    assert judge_discount(OfferLimits(2, 3), discount_bp=201) == "needs_approval"
    assert judge_discount(OfferLimits(2, 3), discount_bp=10_000) == "refused"


@pytest.fixture
def people() -> dict[str, User]:
    return {
        role: User.objects.create_user(email=f"{role}@example.com", password="x-Secret-9", role=role)
        for role in (Role.COLLECTOR, Role.SENIOR)
    }


@pytest.fixture
def books() -> tuple[Customer, list[Invoice]]:
    today = timezone.localdate()
    customer = Customer.objects.create(customer_ref="D-1", name="Early Birds GmbH", currency="EUR")
    invoices = []
    for ref, amount, currency in (("D-100", 123_457, "EUR"), ("D-101", 50_000, "EUR"), ("D-U1", 80_000, "USD")):
        invoices.append(
            Invoice.objects.create(
                customer=customer,
                invoice_ref=ref,
                issue_date=today - dt.timedelta(days=40),
                due_date=today - dt.timedelta(days=10),
                currency=currency,
                amount=amount,
                open_amount=amount,
            )
        )
    return customer, invoices


def _pay(customer: Customer, amount: int, currency: str, received_on: dt.date, ref: str, **kw: object) -> None:
    receipt = CashReceipt(
        payment_ref=ref, received_on=received_on, amount=amount, currency=currency, customer_id=customer.pk, **kw
    )  # type: ignore[arg-type]
    receipts.receive_cash([receipt], source="test", actor=None, now=timezone.now())


def _open(customer: Customer) -> dict[str, int]:
    return dict(customer.invoices.filter(kind="invoice").values_list("invoice_ref", "open_amount"))


def test_a_payment_of_the_discounted_amounts_settles_the_items_with_credit_notes(people, books) -> None:
    customer, invoices = books
    now = timezone.now()
    offer = services.offer_discount(
        customer=customer, invoices=invoices, discount_bp=250, days=10, actor=people[Role.SENIOR], now=now, source="collector"
    )
    assert offer.status == DiscountOffer.Status.OFFERED
    assert offer.valid_until == business_date(now) + dt.timedelta(days=10)
    assert [tuple(a) for a in offer.amounts()] == [("EUR", 173_457, 169_121), ("USD", 80_000, 78_000)]
    assert selectors.open_discount_offer(customer.pk, [invoices[0].pk], business_date(now)) == offer

    _pay(customer, 169_121, "EUR", business_date(now) + dt.timedelta(days=3), "BANK-1")
    assert _open(customer) == {"D-100": 0, "D-101": 0, "D-U1": 80_000}
    offer.refresh_from_db()
    assert offer.status == DiscountOffer.Status.OFFERED  # the USD part is still to come
    credits = customer.invoices.filter(kind="credit_note")
    assert sorted(credits.values_list("amount", flat=True)) == [1_249, 3_087]
    assert all("Early-payment discount 2.5 %" in c.description for c in credits)

    _pay(customer, 78_000, "USD", business_date(now) + dt.timedelta(days=10), "BANK-2")
    offer.refresh_from_db()
    assert offer.status == DiscountOffer.Status.ACCEPTED
    assert _open(customer) == {"D-100": 0, "D-101": 0, "D-U1": 0}
    assert customer.payments.get(payment_ref="BANK-1").unapplied_amount == 0
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions.count("credit_note.issue") == 3 and actions.count("allocate") == 3
    assert "discount.offer" in actions and "discount.settle" in actions
    assert selectors.open_discount_offer(customer.pk, [invoices[0].pk], business_date(now)) is None


def test_one_cent_off_or_after_the_last_day_settles_nothing(people, books) -> None:
    customer, invoices = books
    now = timezone.now()
    offer = services.offer_discount(
        customer=customer,
        invoices=invoices[:2],
        discount_bp=200,
        days=7,
        actor=people[Role.COLLECTOR],
        now=now,
        source="collector",
    )
    _pay(customer, 169_987, "EUR", business_date(now) + dt.timedelta(days=1), "SHORT")  # due: 169,988
    _pay(customer, 169_988, "EUR", business_date(now) + dt.timedelta(days=8), "LATE")
    offer.refresh_from_db()
    assert offer.status == DiscountOffer.Status.OFFERED
    assert _open(customer) == {"D-100": 123_457, "D-101": 50_000, "D-U1": 80_000}
    assert not customer.invoices.filter(kind="credit_note").exists()
    assert services.expire_discounts(as_of=business_date(now) + dt.timedelta(days=8), now=now) == 1
    offer.refresh_from_db()
    assert offer.status == DiscountOffer.Status.EXPIRED


def test_a_payment_already_applied_by_cash_application_is_settled_too(people, books) -> None:
    customer, invoices = books
    now = timezone.now()
    services.offer_discount(
        customer=customer,
        invoices=invoices[:1],
        discount_bp=200,
        days=7,
        actor=people[Role.COLLECTOR],
        now=now,
        source="step:final",
    )
    paid = discounted(123_457, 200)
    _pay(customer, paid, "EUR", business_date(now), "CASHAPP-1", allocations=((invoices[0].pk, paid),))
    assert _open(customer)["D-100"] == 0
    assert customer.invoices.get(kind="credit_note").amount == 123_457 - paid


def test_a_discount_cash_application_took_by_itself_settles_the_offer_without_a_second_credit(people, books) -> None:
    customer, invoices = books
    now = timezone.now()
    offer = services.offer_discount(
        customer=customer,
        invoices=invoices[:1],
        discount_bp=200,
        days=7,
        actor=people[Role.COLLECTOR],
        now=now,
        source="collector",
    )
    paid = discounted(123_457, 200)
    _pay(
        customer,
        paid,
        "EUR",
        business_date(now),
        "CASHAPP-2",
        allocations=((invoices[0].pk, paid),),
        deductions=((invoices[0].pk, 123_457 - paid, "discount"),),
    )
    offer.refresh_from_db()
    assert offer.status == DiscountOffer.Status.ACCEPTED
    assert list(customer.invoices.filter(kind="credit_note").values_list("amount", flat=True)) == [123_457 - paid]


def test_above_the_limit_a_senior_approves_and_the_window_starts_then(people, books) -> None:
    customer, invoices = books
    now = timezone.now()
    offer = services.offer_discount(
        customer=customer,
        invoices=invoices[:1],
        discount_bp=300,
        days=5,
        actor=people[Role.COLLECTOR],
        now=now,
        source="collector",
    )
    assert (offer.status, offer.valid_until) == (DiscountOffer.Status.PENDING_APPROVAL, None)
    assert list(selectors.discounts_awaiting_approval()) == [offer]
    with pytest.raises(PromiseError, match="already in an open discount offer: D-100"):
        services.offer_discount(
            customer=customer, invoices=invoices[:1], discount_bp=100, days=5, actor=people[Role.COLLECTOR], now=now, source="x"
        )
    with pytest.raises(PromiseError, match="beyond your own approval limit"):
        services.decide_discount(actor=people[Role.COLLECTOR], offer=offer, approve=True, now=now)
    later = now + dt.timedelta(days=2)
    offer = services.decide_discount(actor=people[Role.SENIOR], offer=offer, approve=True, now=later)
    assert offer.status == DiscountOffer.Status.OFFERED
    assert offer.valid_until == business_date(later) + dt.timedelta(days=5)
    assert offer.approved_by == people[Role.SENIOR]
    assert AuditEvent.objects.filter(action="discount.approve", object_id=offer.pk).exists()


def test_bad_offers_are_refused_with_the_reason(people, books) -> None:
    customer, invoices = books
    now = timezone.now()
    other = Customer.objects.create(customer_ref="D-2", name="Someone Else")
    for kwargs, reason in (
        ({"invoices": []}, "Choose the invoices"),
        ({"discount_bp": 0}, "more than 0 %"),
        ({"days": 0}, "1 to 90 days"),
        ({"customer": other}, "invoices of another customer: D-100"),
    ):
        arguments = {"customer": customer, "invoices": invoices[:1], "discount_bp": 100, "days": 5} | kwargs
        with pytest.raises(PromiseError, match=reason):
            services.offer_discount(**arguments, actor=people[Role.COLLECTOR], now=now, source="collector")  # type: ignore[arg-type]
    assert not DiscountOffer.objects.exists()
