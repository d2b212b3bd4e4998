"""Forms of the cash-application pages: parse what the page posts, in the page's words."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.conf import settings

from recoup.kernel.money import MoneyParseError, UnknownCurrency, parse_minor
from recoup.ledger.models import Customer, Invoice

MAX_UPLOAD = 10 * 1024 * 1024


class UploadForm(forms.Form):
    file = forms.FileField(label="Bank statement")
    mapping = forms.FileField(label="Mapping for a CSV statement (.toml)", required=False)
    dry_run = forms.BooleanField(label="Check only, apply nothing", required=False)

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > min(MAX_UPLOAD, settings.FILE_UPLOAD_MAX_MEMORY_SIZE):
            raise forms.ValidationError(f"{upload.size:,} bytes is more than the {MAX_UPLOAD:,} an upload may have")
        return upload


@dataclass
class Split:
    customer: Customer
    allocations: list[tuple[Invoice, int]]


def parse_split(data: dict[str, str], currency: str) -> Split:
    """The split form: a customer ref and, per open item, the amount to apply (blank: none)."""
    ref = (data.get("customer_ref") or "").strip()
    customer = Customer.objects.filter(customer_ref=ref).first()
    if customer is None:
        raise ValueError(f"no customer with ref {ref!r}")
    allocations = []
    for key, value in data.items():
        if not key.startswith("amount_") or not str(value).strip():
            continue
        invoice = Invoice.objects.filter(
            pk=int(key.removeprefix("amount_")), customer__in=[customer, *customer.children.all()]
        ).first()
        if invoice is None:
            raise ValueError("an item on the form is not this customer's")
        try:
            amount = parse_minor(str(value), currency, thousands_sep=",")
        except (MoneyParseError, UnknownCurrency) as exc:
            raise ValueError(f"{invoice.invoice_ref}: {exc}") from None
        if amount:
            allocations.append((invoice, amount))
    return Split(customer=customer, allocations=allocations)
