from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from recoup.ledger import selectors
from recoup.ledger.models import Customer, FxRate, Invoice

pytestmark = pytest.mark.django_db


def _rows(client, **params):
    response = client.get(reverse("customer-list"), params)
    assert response.status_code == 200
    return response, list(response.context["page"].object_list)


def test_balances_from_hand_built_ledger(user, ledger, today):
    rows = {c.customer_ref: c for c in selectors.customer_list(user=user, as_of=today)}
    acme, globex, initech = rows["C-100"], rows["C-200"], rows["C-300"]
    # 10000 open invoice − 2000 unused credit; the paid invoice counts for nothing.
    assert (acme.open_balance, acme.overdue_balance, acme.open_items) == (8000, 10000, 2)
    assert acme.oldest_due == today - dt.timedelta(days=30)
    assert (globex.open_balance, globex.overdue_balance, globex.open_items) == (57000, 50000, 2)
    assert (initech.open_balance, initech.overdue_balance, initech.open_items, initech.oldest_due) == (0, 0, 0, None)


def test_contacts_do_not_multiply_balances(user, ledger, today):
    # Two contacts both matching the search must not double the sums nor the row.
    ledger["acme"].contacts.create(name="Second", email="second@acme.example")
    rows = list(selectors.customer_list(user=user, search="acme.example", as_of=today))
    assert [c.customer_ref for c in rows] == ["C-100"]
    assert rows[0].open_balance == 8000


def test_due_today_is_not_overdue(user, ledger, today):
    Invoice.objects.create(
        customer=ledger["initech"],
        invoice_ref="I-1",
        issue_date=today,
        due_date=today,
        currency="USD",
        amount=300,
        open_amount=300,
    )
    [initech] = selectors.customer_list(user=user, search="C-300", as_of=today)
    assert (initech.open_balance, initech.overdue_balance) == (300, 0)
    [tomorrow] = selectors.customer_list(user=user, search="C-300", as_of=today + dt.timedelta(days=1))
    assert tomorrow.overdue_balance == 300


def test_unknown_sort_key_is_refused_by_the_selector(user, today):
    with pytest.raises(ValueError):
        selectors.customer_list(user=user, sort="password", as_of=today)


def test_list_page_shows_balances_in_customer_currency(client_in, ledger):
    response, _ = _rows(client_in)
    html = response.content.decode()
    assert "$80.00" in html and "$100.00" in html
    assert "€570.00" in html and "€500.00" in html
    assert "Balances are in each customer's own currency" in html
    assert "30 d" in html  # Acme's oldest item age


@pytest.fixture
def eur_rate(db, today):
    return FxRate.objects.create(currency="EUR", on=today - dt.timedelta(days=3), rate=Decimal("1.08"))


def test_default_sort_puts_biggest_overdue_first(client_in, ledger, eur_rate):
    _, rows = _rows(client_in)
    assert [c.customer_ref for c in rows] == ["C-200", "C-100", "C-300"]


def _overdue_customer(ref: str, currency: str, minor: int, today: dt.date) -> Customer:
    customer = Customer.objects.create(customer_ref=ref, name=f"Customer {ref}", currency=currency)
    Invoice.objects.create(
        customer=customer,
        invoice_ref=f"{ref}-1",
        issue_date=today - dt.timedelta(days=60),
        due_date=today - dt.timedelta(days=30),
        currency=currency,
        amount=minor,
        open_amount=minor,
    )
    return customer


@pytest.fixture
def four_currencies(db, today):
    """Raw minor units rank INR, BRL, JPY, USD; their values in USD rank INR, JPY, USD, BRL."""
    _overdue_customer("IN-1", "INR", 670_000_000, today)  # ₹6,700,000.00 ≈ $80,400
    _overdue_customer("JP-1", "JPY", 8_590_000, today)  # ¥8,590,000 ≈ $57,553
    _overdue_customer("US-1", "USD", 5_000_000, today)  # $50,000.00
    _overdue_customer("BR-1", "BRL", 9_200_000, today)  # R$92,000.00 ≈ $17,480
    _overdue_customer("CH-1", "CHF", 100, today)  # CHF 1.00, and no rate for CHF
    on = today - dt.timedelta(days=1)
    for code, rate in (("INR", "0.012"), ("JPY", "0.0067"), ("BRL", "0.19")):
        FxRate.objects.create(currency=code, on=on, rate=Decimal(rate))
    # A later rate than the list's date must not be used.
    FxRate.objects.create(currency="BRL", on=today + dt.timedelta(days=5), rate=Decimal("100"))


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-overdue", ["IN-1", "JP-1", "US-1", "BR-1", "CH-1"]),
        ("overdue", ["BR-1", "US-1", "JP-1", "IN-1", "CH-1"]),
        ("-open", ["IN-1", "JP-1", "US-1", "BR-1", "CH-1"]),
    ],
)
def test_balance_sorts_compare_values_in_the_home_currency(client_in, four_currencies, sort, expected):
    response, rows = _rows(client_in, sort=sort)
    assert [c.customer_ref for c in rows] == expected
    html = response.content.decode()
    # Amounts stay in their own currency, with the home value beside them; CHF has no rate.
    assert "₹6,700,000.00" in html and 'title="≈ $80,400.00"' in html
    assert "No exchange rate for CHF" in html


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-overdue", ["C-200", "C-100", "C-300"]),
        ("overdue", ["C-300", "C-100", "C-200"]),
        ("-open", ["C-200", "C-100", "C-300"]),
        ("open", ["C-300", "C-100", "C-200"]),
        ("name", ["C-100", "C-200", "C-300"]),
        ("-name", ["C-300", "C-200", "C-100"]),
        ("ref", ["C-100", "C-200", "C-300"]),
        ("nonsense", ["C-200", "C-100", "C-300"]),
    ],
)
def test_sorting(client_in, ledger, eur_rate, sort, expected):
    _, rows = _rows(client_in, sort=sort)
    assert [c.customer_ref for c in rows] == expected


def test_sort_header_toggles_and_reports_aria_sort(client_in, ledger):
    html = client_in.get(reverse("customer-list"), {"sort": "-overdue"}).content.decode()
    assert 'aria-sort="descending"><a href="?sort=overdue"' in html
    assert 'aria-sort="none"><a href="?sort=-open"' in html
    assert 'aria-sort="none"><a href="?sort=name"' in html


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("C-200", ["C-200"]),
        ("c-100", ["C-100"]),
        ("pat@ACME.example", ["C-100"]),
        ("hank@globex", ["C-200"]),
        ("+4930", ["C-200"]),
        ("initech", ["C-300"]),
        ("nobody-here", []),
    ],
)
def test_search(client_in, ledger, q, expected):
    _, rows = _rows(client_in, q=q)
    assert [c.customer_ref for c in rows] == expected


def test_htmx_search_returns_only_the_table_fragment(client_in, ledger):
    response = client_in.get(
        reverse("customer-list"), {"q": "globex"}, headers={"HX-Request": "true", "HX-Target": "customer-results"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="customer-results"' in html
    assert "Globex" in html and "Acme" not in html
    assert "<html" not in html and "<header" not in html
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_whole_page(client_in, ledger):
    response = client_in.get(
        reverse("customer-list"),
        headers={"HX-Request": "true", "HX-Target": "customer-results", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in response.content.decode()


def test_list_is_paginated_by_50(client_in, db):
    Customer.objects.bulk_create(Customer(customer_ref=f"P-{i:03}", name=f"Customer {i:03}") for i in range(120))
    response, rows = _rows(client_in, sort="ref")
    assert len(rows) == 50
    assert response.context["page"].paginator.num_pages == 3
    _, last = _rows(client_in, sort="ref", page=3)
    assert [c.customer_ref for c in last][-1] == "P-119"
    assert 'href="?page=2&amp;sort=ref"' in response.content.decode()


def test_list_query_count_does_not_grow_with_rows(client_in, ledger, django_assert_max_num_queries):
    # session + user + count + page: balances are subqueries, collectors are joined.
    with django_assert_max_num_queries(6):
        client_in.get(reverse("customer-list"))


def test_customer_page_lists_only_open_items(client_in, ledger, today):
    response = client_in.get(reverse("customer-detail", args=[ledger["acme"].pk]))
    assert response.status_code == 200
    items = response.context["items"]
    assert [i.invoice_ref for i in items] == ["INV-1", "CN-1"]
    assert [i.days_overdue for i in items] == [30, None]
    html = response.content.decode()
    assert "INV-PAID" not in html.split("Recent payments")[0]
    totals = response.context["totals"]
    assert (totals.open_balance, totals.overdue_balance, totals.unused_credit, totals.count) == (8000, 10000, 2000, 2)
    # The payment shows under recent payments with the invoice it settled.
    assert "PAY-1" in html and "INV-PAID" in html


def test_customer_page_header_and_contacts(client_in, ledger):
    acme = ledger["acme"]
    acme.payment_terms_days = 30
    acme.credit_limit = 2500000
    acme.timezone = "America/Chicago"
    acme.save()
    html = client_in.get(reverse("customer-detail", args=[acme.pk])).content.decode()
    for text in ("Acme Tools", "C-100", "Active", "SMB", "America/Chicago", "Net 30", "$25,000.00", "Unassigned"):
        assert text in html
    assert 'href="tel:+13125550100"' in html
    assert "+1 312-555-0100" in html
    assert 'href="mailto:pat@acme.example"' in html
    assert "Primary" in html


def test_do_not_call_number_is_not_a_link(client_in, ledger):
    html = client_in.get(reverse("customer-detail", args=[ledger["globex"].pk])).content.decode()
    assert "Do not call" in html
    assert "tel:+4930123456" not in html


def test_customer_without_open_items(client_in, ledger):
    html = client_in.get(reverse("customer-detail", args=[ledger["initech"].pk])).content.decode()
    assert "Nothing open" in html


def test_unknown_customer_is_404(client_in, db):
    assert client_in.get(reverse("customer-detail", args=[999999])).status_code == 404


def test_money_filter_uses_currency_precision():
    from recoup.web.templatetags.money import money

    assert money(123456, "USD") == "$1,234.56"
    assert money(1234, "JPY") == "¥1,234"
    assert money(1234, "BHD").endswith("1.234")  # three decimals
    assert money(-2000, "USD") == "-$20.00"
    assert money(None, "USD") == ""
    assert money(5, "???") == "5 ???"
