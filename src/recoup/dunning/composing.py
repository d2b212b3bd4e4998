"""Writing a follow-up message: a manager's MessageTemplate, in the customer's language, filled
with the customer's items through the playbook's sandbox (recoup.playbook.rendering).

The sandbox takes plain values only (text, numbers, dates, lists of text), so everything a
template can show is formatted here, in the customer's locale: each item as a line, the items as
a table, totals per currency (amounts in different currencies are never added), the discount
offer and how to pay. A template that names anything else is refused on save with the name.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from babel.dates import format_date
from django.conf import settings

from recoup.dunning.models import MessageTemplate, SequenceStep
from recoup.kernel.locales import locale_for
from recoup.kernel.money import money_formatter
from recoup.kernel.references import creditor_reference, printed
from recoup.ledger.models import Contact, Customer
from recoup.ledger.remittance import payee
from recoup.playbook.rendering import RenderError, render, validate
from recoup.portal.selectors import customer_language
from recoup.promises.rules import discounted as discounted_amount

__all__ = [
    "MESSAGE_SAMPLE_VARIABLES",
    "MESSAGE_VARIABLES",
    "ComposeError",
    "Composed",
    "ItemLine",
    "compose",
    "message_variables",
    "template_for",
    "template_problems",
]

FALLBACK_LANGUAGE = "en"

# What a message template may use (shown in the template editor); all formatted already.
MESSAGE_VARIABLES: dict[str, str] = {
    "customer_name": "Customer's name",
    "customer_ref": "Customer number in the ERP",
    "contact_name": "Name of the recipient (billing contact)",
    "company_name": "Our company's name",
    "today": "Date of the message, written out",
    "items": "One line per invoice: number, due date, days overdue, open amount (a list: use a for loop)",
    "items_table": "The invoices as a table with a heading line",
    "invoice_refs": "Invoice numbers (a list: use join or a for loop)",
    "item_count": "Number of invoices in the message",
    "totals": "Open total per currency (a list, one entry per currency)",
    "total": "Open totals, all currencies in one line",
    "days_overdue": "Days the oldest invoice in the message is past due (0 before the due date)",
    "oldest_due_date": "Due date of the oldest invoice in the message",
    "discount_percent": "Early-payment discount offered, in percent (empty when none)",
    "discount_pay_by": "Last day to pay for the discount",
    "discount_totals": "What to pay with the discount, all currencies in one line",
    "payment_instructions": "Bank details and the payment reference of each invoice",
    "link": "The customer's online account (portal) link: open items, promise, dispute, callback",
    "statement_attached": "'yes' when the statement of account is attached",
}

MESSAGE_SAMPLE_VARIABLES: dict[str, Any] = {
    "customer_name": "Northwind Traders",
    "customer_ref": "C-10042",
    "contact_name": "Jane Miller",
    "company_name": "Example Supplies",
    "today": "2 December 2026",
    "items": ["INV-1042 · due 8 October 2026 · 55 days overdue · $1,200.00"],
    "items_table": "Invoice   Due date         Days overdue   Open\nINV-1042  8 October 2026   55             $1,200.00",
    "invoice_refs": ["INV-1042"],
    "item_count": 1,
    "totals": ["$1,200.00"],
    "total": "$1,200.00",
    "days_overdue": 55,
    "oldest_due_date": "8 October 2026",
    "discount_percent": "2",
    "discount_pay_by": "16 December 2026",
    "discount_totals": "$1,176.00",
    "payment_instructions": "Example Supplies, IBAN DE89 3704 0044 0532 0130 00\nReference INV-1042: RF18 INV1042",
    "link": "https://recoup.example/portal/abc",
    "statement_attached": "yes",
}


class ComposeError(ValueError):
    """A message that cannot be written; the text names the template and what is wrong."""


@dataclass(frozen=True)
class ItemLine:
    """An invoice as a message lists it; amounts in minor units of ``currency``."""

    invoice_id: int
    invoice_ref: str
    issue_date: dt.date
    due_date: dt.date
    days_overdue: int
    open_amount: int
    currency: str


@dataclass(frozen=True)
class Composed:
    subject: str
    body_text: str
    body_html: str
    language: str


def template_for(key: str, language: str) -> MessageTemplate:
    """The template ``key`` in ``language``, else in English."""
    found = {t.language: t for t in MessageTemplate.objects.filter(key=key, language__in={language, FALLBACK_LANGUAGE})}
    template = found.get(language) or found.get(FALLBACK_LANGUAGE)
    if template is None:
        raise ComposeError(f"There is no message template “{key}” (in {language} or English).")
    return template


def template_problems(subject: str, body: str) -> list[str]:
    """Every problem with a message template's subject and body, each named; [] when fine."""
    problems = [f"Subject: {p}" for p in validate(subject, MESSAGE_VARIABLES)]
    problems += [f"Body: {p}" for p in validate(body, MESSAGE_VARIABLES)]
    if "\n" in subject or "\r" in subject:
        problems.append("Subject: must be one line.")
    return problems


def compose(
    *,
    customer: Customer,
    contact: Contact | None,
    step_or_template_key: SequenceStep | str,
    items: Sequence[ItemLine],
    as_of: dt.date,
    discount: Any | None = None,
    link: str | None = None,
    statement_attached: bool = False,
    template: MessageTemplate | None = None,
) -> Composed:
    """The message for ``customer`` at a step (or a template key) listing ``items``.

    ``discount`` is the DiscountOffer made with the message (its ``discount_bp`` and the last
    day to pay, ``expires_on``/``valid_until`` or ``days`` from ``as_of``). ``template`` replaces
    the stored one (the editor's preview of an unsaved text).
    """
    if isinstance(step_or_template_key, SequenceStep):
        key = step_or_template_key.template_key
        statement_attached = statement_attached or step_or_template_key.attach_statement
    else:
        key = step_or_template_key
    language = (customer_language(customer) or FALLBACK_LANGUAGE).split("-")[0].split("_")[0].lower()
    if template is None:
        template = template_for(key, language)
    variables = message_variables(
        customer=customer,
        contact=contact,
        items=items,
        as_of=as_of,
        language=template.language,
        discount=discount,
        link=link,
        statement_attached=statement_attached,
    )
    try:
        subject = render(template.subject, variables, MESSAGE_VARIABLES)
        body = render(template.body, variables, MESSAGE_VARIABLES)
    except RenderError as exc:
        raise ComposeError(f"Template “{template.key}” [{template.language}]: {exc}") from None
    subject = " ".join(subject.split())
    return Composed(subject=subject, body_text=body, body_html=as_html(body), language=template.language)


def message_variables(
    *,
    customer: Customer,
    contact: Contact | None,
    items: Sequence[ItemLine],
    as_of: dt.date,
    language: str,
    discount: Any | None = None,
    link: str | None = None,
    statement_attached: bool = False,
) -> dict[str, Any]:
    """What a template sees, written in the customer's locale."""
    locale = locale_for(language, customer.country)

    def day(d: dt.date) -> str:
        return str(format_date(d, format="long", locale=locale))

    def money(minor: int, currency: str) -> str:
        return money_formatter(currency, locale)(minor)

    ordered = sorted(items, key=lambda i: (i.due_date, i.invoice_ref))
    totals = _totals(ordered, first=customer.currency)
    rows = [(i.invoice_ref, day(i.due_date), str(i.days_overdue), money(i.open_amount, i.currency)) for i in ordered]
    variables: dict[str, Any] = {
        "customer_name": customer.name,
        "customer_ref": customer.customer_ref,
        "contact_name": contact.name if contact else "",
        "company_name": str(settings.RECOUP_COMPANY_NAME),
        "today": day(as_of),
        "items": [f"{ref} · {due} · {days} · {amount}" for ref, due, days, amount in rows],
        "items_table": _table(rows, _HEADINGS.get(language, _HEADINGS[FALLBACK_LANGUAGE])),
        "invoice_refs": [i.invoice_ref for i in ordered],
        "item_count": len(ordered),
        "totals": [money(v, c) for c, v in totals.items()],
        "total": " + ".join(money(v, c) for c, v in totals.items()),
        "days_overdue": max((i.days_overdue for i in ordered), default=0),
        "oldest_due_date": day(ordered[0].due_date) if ordered else "",
        "payment_instructions": _payment_instructions(ordered),
        "link": link or "",
        "statement_attached": "yes" if statement_attached else "",
    }
    variables.update(_discount_variables(discount, totals, as_of, day, money))
    return variables


_HEADINGS = {
    "en": ("Invoice", "Due date", "Days overdue", "Open"),
    "de": ("Rechnung", "Fällig am", "Tage überfällig", "Offen"),
    "es": ("Factura", "Vencimiento", "Días de retraso", "Pendiente"),
    "fr": ("Facture", "Échéance", "Jours de retard", "Restant dû"),
}


def _totals(items: Sequence[ItemLine], *, first: str) -> dict[str, int]:
    """Open amount per currency, the customer's own currency first."""
    totals: dict[str, int] = {}
    for item in items:
        totals[item.currency] = totals.get(item.currency, 0) + item.open_amount
    return dict(sorted(totals.items(), key=lambda kv: (kv[0] != first, kv[0])))


def _table(rows: Sequence[tuple[str, str, str, str]], headings: tuple[str, str, str, str]) -> str:
    lines = [headings, *rows]
    widths = [max(len(line[col]) for line in lines) for col in range(4)]
    out = []
    for line in lines:
        cells = [line[col].ljust(widths[col]) for col in range(3)] + [line[3].rjust(widths[3])]
        out.append("  ".join(cells).rstrip())
    return "\n".join(out)


def _payment_instructions(items: Sequence[ItemLine]) -> str:
    to = payee()
    lines = [to.name]
    if to.printed_iban:
        lines.append(f"IBAN {to.printed_iban}" + (f" · BIC {to.bic}" if to.bic else ""))
    if to.bank:
        lines.append(to.bank)
    for item in items:
        reference = creditor_reference(item.invoice_ref)
        lines.append(f"{item.invoice_ref}: {printed(reference) if reference else item.invoice_ref}")
    return "\n".join(line for line in lines if line)


def _discount_variables(discount: Any | None, totals: Mapping[str, int], as_of: dt.date, day: Any, money: Any) -> dict[str, Any]:
    empty = {"discount_percent": "", "discount_pay_by": "", "discount_totals": ""}
    bp = getattr(discount, "discount_bp", None) if discount is not None else None
    if not bp:
        return empty
    pay_by = getattr(discount, "expires_on", None) or getattr(discount, "valid_until", None)
    if isinstance(pay_by, dt.datetime):
        pay_by = pay_by.date()
    if pay_by is None:
        pay_by = as_of + dt.timedelta(days=int(getattr(discount, "days", 0) or 0))
    whole, rest = divmod(int(bp), 100)
    percent = str(getattr(discount, "percent", "") or (f"{whole}" if not rest else f"{whole}.{rest:02d}".rstrip("0")))
    amounts = getattr(discount, "amounts", None)
    if callable(amounts):
        # The offer's own amounts: a payment of exactly what the message says settles the items.
        discounted = {a.currency: int(a.discounted_amount) for a in amounts()}
    else:  # a preview without an offer: rounded as an offer rounds
        discounted = {c: discounted_amount(v, int(bp)) for c, v in totals.items()}
    return {
        "discount_percent": percent,
        "discount_pay_by": day(pay_by),
        "discount_totals": " + ".join(money(v, c) for c, v in discounted.items()),
    }


_URL = re.compile(r"(https?://[^\s<>\"']+)")


def as_html(text: str) -> str:
    """The plain-text body as simple HTML: paragraphs, line breaks, tables kept aligned, links."""
    blocks = [b for b in re.split(r"\n\s*\n", text) if b.strip()]
    out = []
    for block in blocks:
        escaped = html.escape(block)
        linked = _URL.sub(r'<a href="\1">\1</a>', escaped)
        if any("  " in line.strip() for line in block.splitlines()):
            out.append(f'<pre style="font-family:monospace">{linked}</pre>')
        else:
            out.append("<p>" + linked.replace("\n", "<br>\n") + "</p>")
    return '<html><body style="font-family:sans-serif">\n' + "\n".join(out) + "\n</body></html>"
