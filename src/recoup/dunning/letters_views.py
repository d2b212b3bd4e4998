"""Letters, statements and discounts from the collector's side (docs/followups-letters.md).

Downloads of a customer's statement of account and of each letter written to them; the day's
letters as one PDF for the printer (seniors and managers); a collector's early-payment discount
offer on chosen items, and a senior's decision on one beyond its proposer's limit. Thin: each
view checks who may see the customer, calls one service or selector, and renders.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from recoup.accounts.permissions import require_senior
from recoup.dunning.models import Channel, Message
from recoup.ledger import clock
from recoup.ledger import selectors as ledger_selectors
from recoup.ledger.letters import Letter, letters_pdf
from recoup.ledger.models import Customer
from recoup.ledger.statement import statement_pdf
from recoup.portal.selectors import customer_language
from recoup.promises import selectors as promise_selectors
from recoup.promises import services as promises
from recoup.promises.models import DiscountOffer
from recoup.promises.services import PromiseError

# The languages statements and letters are written in (as the portal's).
LANGUAGES = ("en", "de", "fr", "es")


def _customer(request: HttpRequest, pk: int) -> Customer:
    try:
        return ledger_selectors.customer_detail(pk, user=request.user)
    except Customer.DoesNotExist:
        raise Http404("No such customer") from None
    except ledger_selectors.NotYours as exc:
        raise PermissionDenied(str(exc)) from None


def _language(customer: Customer) -> str:
    language = (customer_language(customer) or "en")[:2].lower()
    return language if language in LANGUAGES else "en"


def _pdf(document: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_GET
def statement_download(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    as_of = clock.today()
    document = statement_pdf(customer, as_of=as_of, language=_language(customer))
    return _pdf(document, f"statement-{customer.customer_ref}-{as_of:%Y-%m-%d}.pdf")


@require_GET
def letter_download(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(Message.objects.select_related("customer"), pk=pk, channel=Channel.LETTER)
    customer = message.customer
    if customer is None:
        raise Http404("Not a letter to a customer")
    _customer(request, customer.pk)
    letter = _letter(message)
    return _pdf(
        letters_pdf([letter], dated=letter.as_of, title=message.subject),
        f"letter-{customer.customer_ref}-{letter.as_of:%Y-%m-%d}.pdf",
    )


def _letter(message: Message) -> Letter:
    """The letter as it was written: its items with the amounts open that day (MessageItem), not
    today's, so a reprint says what the customer received."""
    invoices = []
    for item in message.items.select_related("invoice"):
        invoice = item.invoice
        invoice.open_amount = item.open_amount  # not saved: the letter's own figure
        invoices.append(invoice)
    as_of = clock.business_date(message.created_at)
    if message.customer is None:  # internal messages (reports) are never letters
        raise Http404("Not a letter to a customer")
    return Letter(message.customer, message.subject, message.body_text, invoices, as_of, message.language)


def _letters_of(day: dt.date) -> list[Message]:
    """The letters written on business date ``day``, by customer."""
    # created_at is an instant; the business date is the company's, so look a day either side.
    around = Message.objects.filter(
        channel=Channel.LETTER,
        customer__isnull=False,
        created_at__date__gte=day - dt.timedelta(days=1),
        created_at__date__lte=day + dt.timedelta(days=1),
    ).select_related("customer")
    chosen = [m for m in around if clock.business_date(m.created_at) == day]
    return sorted(chosen, key=lambda m: (m.customer.customer_ref if m.customer else "", m.created_at, m.pk))


def _day(request: HttpRequest) -> dt.date:
    raw = request.GET.get("day", "")
    if not raw:
        return clock.today()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise Http404(f"{raw!r} is not a date (YYYY-MM-DD)") from None


@require_GET
def letters_of_day(request: HttpRequest) -> HttpResponse:
    require_senior(request.user, "print the day's letters")
    day = _day(request)
    context = {
        "nav": "followups",
        "day": day,
        "letters": _letters_of(day),
        "discounts_waiting": promise_selectors.discounts_awaiting_approval().count(),
    }
    return render(request, "dunning/letters_day.html", context)


@require_GET
def letters_batch(request: HttpRequest) -> HttpResponse:
    require_senior(request.user, "print the day's letters")
    day = _day(request)
    batch = [_letter(message) for message in _letters_of(day)]
    return _pdf(letters_pdf(batch, dated=day, title=f"Letters of {day:%Y-%m-%d}"), f"letters-{day:%Y-%m-%d}.pdf")


def _discount_bp(raw: str) -> int:
    """ "2.5" (percent) → 250 basis points; a clear error for anything else."""
    try:
        bp = Decimal(raw.strip().replace(",", ".").rstrip("%").strip()) * 100
    except InvalidOperation:
        raise PromiseError(f"the discount {raw!r} is not a percentage such as 2 or 2.5") from None
    if bp != bp.to_integral_value():
        raise PromiseError(f"the discount {raw!r} has more than two decimals")
    return int(bp)


def _days(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise PromiseError(f"the days {raw!r} are not a whole number") from None


@require_http_methods(["GET", "POST"])
def discount_offer(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    items = [i for i in ledger_selectors.open_items(customer, clock.today()) if not i.is_credit]
    form: dict[str, Any] = {"percent": "2", "days": "10", "chosen": set()}
    if request.method == "POST":
        chosen = {int(v) for v in request.POST.getlist("invoice") if v.isdigit()}
        form = {"percent": request.POST.get("percent", ""), "days": request.POST.get("days", ""), "chosen": chosen}
        try:
            offer = promises.offer_discount(
                customer=customer,
                invoices=[i for i in items if i.pk in chosen],
                discount_bp=_discount_bp(form["percent"]),
                days=_days(form["days"]),
                actor=request.user,
                now=timezone.now(),
                source="collector",
            )
        except PromiseError as exc:
            messages.error(request, f"No offer made: {exc}.")
        else:
            if offer.status == DiscountOffer.Status.PENDING_APPROVAL:
                messages.info(request, f"A {offer.percent} % discount is beyond your limit: it awaits a senior's approval.")
            else:
                messages.success(request, f"Offered {offer.percent} % for payment by {offer.valid_until:%d %b %Y}.")
            return redirect(reverse("followups-discount-offer", args=[customer.pk]))
    context = {
        "nav": "customers",
        "customer": customer,
        "items": items,
        "form": form,
        "offers": promise_selectors.discount_offers_of(customer.pk),
        "in_offers": promise_selectors.invoices_in_open_offers(customer.pk),
    }
    return render(request, "dunning/discount_offer.html", context)


@require_GET
def discounts_pending(request: HttpRequest) -> HttpResponse:
    require_senior(request.user, "approve discounts")
    offers = list(promise_selectors.discounts_awaiting_approval())
    return render(request, "dunning/discounts_pending.html", {"nav": "followups", "offers": offers})


@require_POST
def discount_decide(request: HttpRequest, pk: int) -> HttpResponse:
    require_senior(request.user, "approve discounts")
    offer = get_object_or_404(DiscountOffer, pk=pk)
    approve = request.POST.get("approve") == "1"
    try:
        promises.decide_discount(actor=request.user, offer=offer, approve=approve, now=timezone.now())
    except PromiseError as exc:
        messages.error(request, f"{exc}.")
    else:
        messages.success(request, "Discount approved: the window starts today." if approve else "Discount declined.")
    return redirect(reverse("followups-discounts"))
