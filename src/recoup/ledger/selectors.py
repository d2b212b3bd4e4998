"""Reads of the ledger for pages and APIs. Nothing here writes.

Balances are computed with correlated subqueries over the invoice table rather than
JOIN + GROUP BY: joining customers to invoices (and to contacts for search) multiplies rows
before the aggregate, which is both wrong (sums counted twice) and slow at 2M invoices. Each
subquery walks the (customer, open_amount) index for `open_amount > 0`, so closed items —
the vast majority — are never read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, overload

import polars as pl
from django.conf import settings
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DateField,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from recoup.accounts.selectors import sees_whole_team
from recoup.analytics.frames import convert_to_home
from recoup.kernel.calendar import ResolvedZone, holiday_country, resolve_timezone
from recoup.kernel.phone import InvalidPhone, normalize_phone, phone_country
from recoup.ledger.frames import fx_rates
from recoup.ledger.models import Contact, Customer, Invoice, Payment

# Public sort keys → ORM ordering. The primary key breaks ties so pagination is stable.
SORT_KEYS: dict[str, tuple[str, ...]] = {
    "name": ("name", "pk"),
    "-name": ("-name", "-pk"),
    "open": ("open_balance", "name", "pk"),
    "-open": ("-open_balance", "name", "pk"),
    "overdue": ("overdue_balance", "name", "pk"),
    "-overdue": ("-overdue_balance", "-open_balance", "name", "pk"),
    "ref": ("customer_ref",),
}
DEFAULT_SORT = "-overdue"
# Sort keys on a balance: compared in the home currency (see ByHomeValue), never as raw numbers.
BALANCE_SORTS = {"open": "open_balance", "overdue": "overdue_balance"}

_DEBIT_KINDS = (Invoice.Kind.INVOICE, Invoice.Kind.DEBIT_NOTE)


def visible_customers(user: Any) -> QuerySet[Customer]:
    """The customers `user` may see. The one place role scoping lives.

    A collector sees their own portfolio and the unassigned pool; everyone else sees all.
    Every list, page and API endpoint goes through here (or `customer_for`).
    """
    if sees_whole_team(user):
        return Customer.objects.all()
    if getattr(user, "pk", None) is None:
        return Customer.objects.none()
    return Customer.objects.filter(Q(collector=user) | Q(collector__isnull=True))


class NotYours(PermissionError):
    """The customer exists but belongs to another collector's portfolio (HTTP 403)."""


def visible_customer_ids(user: Any) -> list[int]:
    return list(visible_customers(user).values_list("pk", flat=True))


def customer_for(user: Any, pk: int) -> Customer:
    """One customer `user` may work on; Customer.DoesNotExist if there is none, NotYours if
    it is someone else's."""
    customer = Customer.objects.select_related("collector", "parent").prefetch_related("contacts").get(pk=pk)
    if not visible_customers(user).filter(pk=pk).exists():
        raise NotYours(f"customer {customer.customer_ref} is in another collector's portfolio")
    return customer


def _open_items_of_outer_customer() -> QuerySet[Invoice]:
    # order_by() clears Invoice.Meta.ordering, which would otherwise leak into the GROUP BY.
    return Invoice.objects.filter(customer=OuterRef("pk"), open_amount__gt=0).order_by()


def _aggregate_subquery(queryset: QuerySet[Invoice], expression: Any, output_field: Any) -> Subquery:
    """One aggregate over one customer's rows, as a scalar subquery."""
    return Subquery(
        queryset.values("customer").annotate(result=expression).values("result")[:1],
        output_field=output_field,
    )


def _signed_open_amount() -> Case:
    # A credit note's open amount is unused credit: it lowers what the customer owes.
    return Case(
        When(kind=Invoice.Kind.CREDIT_NOTE, then=-F("open_amount")),
        default=F("open_amount"),
        output_field=BigIntegerField(),
    )


def with_balances(queryset: QuerySet[Customer], *, as_of: dt.date) -> QuerySet[Customer]:
    """Annotate open_balance, overdue_balance, oldest_due and open_items (minor units, customer's currency)."""
    open_items = _open_items_of_outer_customer()
    debits = open_items.filter(kind__in=_DEBIT_KINDS)
    zero = Value(0, output_field=BigIntegerField())
    return queryset.annotate(
        open_balance=Coalesce(_aggregate_subquery(open_items, Sum(_signed_open_amount()), BigIntegerField()), zero),
        overdue_balance=Coalesce(
            _aggregate_subquery(debits.filter(due_date__lt=as_of), Sum("open_amount"), BigIntegerField()),
            zero,
        ),
        oldest_due=_aggregate_subquery(debits, Min("due_date"), DateField()),
        open_items=Coalesce(_aggregate_subquery(open_items, Count("pk"), IntegerField()), Value(0, output_field=IntegerField())),
    )


def _search(queryset: QuerySet[Customer], search: str) -> QuerySet[Customer]:
    term = search.strip()
    if not term:
        return queryset
    # EXISTS rather than a join on contacts: a customer with three matching contacts must
    # still appear once, and the balances must not be multiplied.
    contact_match = Contact.objects.filter(customer=OuterRef("pk")).filter(Q(email__icontains=term) | Q(phone__icontains=term))
    return queryset.filter(Q(name__icontains=term) | Q(customer_ref__icontains=term) | Exists(contact_match))


def customer_list(*, user: Any, search: str = "", sort: str = DEFAULT_SORT, as_of: dt.date) -> QuerySet[Customer] | ByHomeValue:
    """Customers `user` may see, matching `search`, with balances as of `as_of`, ordered by `sort`.

    Sorting by a balance compares the balances in the home currency (ByHomeValue): ranked by
    their raw numbers, ¥8,590,000 would come before $92,000. Raises ValueError for an unknown
    sort key; the view decides what to do with bad input.
    """
    if sort not in SORT_KEYS:
        raise ValueError(f"unknown sort key {sort!r}; expected one of {', '.join(SORT_KEYS)}")
    queryset = with_balances(_search(visible_customers(user), search).select_related("collector"), as_of=as_of)
    if sort.lstrip("-") in BALANCE_SORTS:
        return ByHomeValue(queryset, sort, as_of=as_of)
    return queryset.order_by(*SORT_KEYS[sort])


# What ordering by home value reads of every matching customer (balances from with_balances).
_ORDER_SCHEMA = {"pk": pl.Int64, "currency": pl.String, "open_balance": pl.Int64, "overdue_balance": pl.Int64, "name": pl.String}


class ByHomeValue(Sequence[Customer]):
    """Customers ordered by a balance converted to the home currency at the rates of `as_of`.

    Only (id, currency, balances, name) of every matching customer are read to order them;
    the customers themselves are loaded a page at a time. Each loaded customer carries
    `open_home` and `overdue_home` (home minor units; None without a rate). Customers whose
    currency has no rate cannot be compared and come last, in the order of their own amounts;
    `unrated` names those currencies.
    """

    def __init__(self, queryset: QuerySet[Customer], sort: str, *, as_of: dt.date) -> None:
        self.queryset = queryset
        self.home = str(settings.RECOUP_HOME_CURRENCY).upper()
        rows = list(queryset.order_by().values_list(*_ORDER_SCHEMA))
        frame = pl.DataFrame(rows, schema=_ORDER_SCHEMA, orient="row").with_columns(on=pl.lit(as_of, dtype=pl.Date))
        converted = convert_to_home(
            frame.select("pk", "currency", "on", open_home="open_balance", overdue_home="overdue_balance"),
            ["open_home", "overdue_home"],
            "on",
            fx_rates=fx_rates(as_of=as_of),
            home=self.home,
            strict=False,
        )
        frame = frame.with_columns(converted["open_home"], converted["overdue_home"])
        self.unrated = sorted(frame.filter(pl.col("overdue_home").is_null())["currency"].unique().to_list())
        descending = sort.startswith("-")
        balance = BALANCE_SORTS[sort.lstrip("-")]
        other = "open_home" if balance == "overdue_balance" else "overdue_home"
        # Without a rate the home value is null: those rows go last, ordered by their own amounts.
        keys = [balance.replace("_balance", "_home"), balance, other, "name", "pk"]
        flags = [descending, descending, descending, False, False]
        ordered = frame.sort(keys, descending=flags, nulls_last=True)
        self.ids: list[int] = ordered["pk"].to_list()
        self.home_values = dict(zip(ordered["pk"].to_list(), ordered.select("open_home", "overdue_home").rows(), strict=True))

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> Customer: ...
    @overload
    def __getitem__(self, index: slice) -> list[Customer]: ...
    def __getitem__(self, index: int | slice) -> Customer | list[Customer]:
        if isinstance(index, int):
            return self._load([self.ids[index]])[0]
        return self._load(self.ids[index])

    def __iter__(self) -> Iterator[Customer]:
        return iter(self._load(self.ids))

    def _load(self, ids: list[int]) -> list[Customer]:
        by_pk: dict[int, Customer] = {}
        for start in range(0, len(ids), 500):  # a page is 50; whole iteration stays under SQLite's variable limit
            by_pk.update((c.pk, c) for c in self.queryset.filter(pk__in=ids[start : start + 500]))
        out = []
        for pk in ids:
            customer = by_pk[pk]
            customer.open_home, customer.overdue_home = self.home_values[pk]  # type: ignore[attr-defined]
            out.append(customer)
        return out


def customer_detail(pk: int, *, user: Any) -> Customer:
    """One customer with collector, parent and contacts loaded (see `customer_for`)."""
    return customer_for(user, pk)


def days_overdue(due_date: dt.date, as_of: dt.date) -> int:
    """Days past due on `as_of`; 0 when not yet due."""
    return max(0, (as_of - due_date).days)


def open_items(customer: Customer, as_of: dt.date) -> list[Invoice]:
    """Invoices, debit and credit notes with something left open, oldest due first.

    Each carries `days_overdue` (None for a credit note: unused credit is not late).
    """
    items = list(Invoice.objects.filter(customer=customer, open_amount__gt=0).order_by("due_date", "invoice_ref", "pk"))
    for item in items:
        item.days_overdue = None if item.is_credit else days_overdue(item.due_date, as_of)  # type: ignore[attr-defined]
    return items


@dataclass(frozen=True)
class OpenItemTotals:
    """Totals of a list of open items, in minor units of the customer's currency."""

    open_balance: int
    overdue_balance: int
    unused_credit: int
    count: int


def open_item_totals(items: list[Invoice]) -> OpenItemTotals:
    """Totals over what open_items() returned, so the page and its table cannot disagree."""
    debit = sum(i.open_amount for i in items if not i.is_credit)
    credit = sum(i.open_amount for i in items if i.is_credit)
    overdue = sum(i.open_amount for i in items if not i.is_credit and (getattr(i, "days_overdue", 0) or 0) > 0)
    return OpenItemTotals(open_balance=debit - credit, overdue_balance=overdue, unused_credit=credit, count=len(items))


def recent_payments(customer: Customer, limit: int = 20) -> list[Payment]:
    """The customer's latest payments, newest first, with the invoices they were applied to."""
    return list(
        Payment.objects.filter(customer=customer).order_by("-received_on", "-pk").prefetch_related("allocations__invoice")[:limit]
    )


def customer_holiday_country(customer: Customer) -> str:
    """Whose public holidays the customer keeps: theirs, their region's, their phone's, else the company's."""
    number = customer.contacts.exclude(phone="").order_by("-is_primary", "pk").values_list("phone", flat=True).first()
    try:
        by_phone = phone_country(normalize_phone(number, None)) if number else None
    except InvalidPhone:
        by_phone = None
    return holiday_country(customer.country, customer.region, by_phone, settings.RECOUP_COMPANY_COUNTRY)


def customer_zone(customer: Customer) -> ResolvedZone:
    """The customer's time zone as DESIGN §4 resolves it, and where it came from."""
    primary = customer.contacts.filter(is_primary=True).values_list("phone", flat=True).first()
    return resolve_timezone(
        explicit=customer.timezone or None,
        region=customer.region or None,
        country=customer.country or None,
        phone=primary or None,
        default=settings.RECOUP_DEFAULT_TIMEZONE,
    )
