"""What a customer does through their link, through the same services as the collector's pages.

Each action checks everything first, then writes in one transaction: an inbound activity on
channel "portal" (the activity log), the promise, dispute case, contact or task through the
services of the apps that own them, and the collector's follow-up task. Those services say
"customer changed", so the worklist follows on commit: a customer who promised or disputed
everything leaves today's list as the strategy says. Every item named in a request is looked
up within the link's customer, so a link never reaches another customer's data; a refusal says
what the customer can do about it, in their language, and never names anything of anyone else.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from recoup.activities.models import Activity, Channel, Outcome
from recoup.activities.services import log_activity
from recoup.disputes import attachments
from recoup.disputes.models import Dispute
from recoup.disputes.services import MAX_COMMENT, add_attachment, add_comment, open_dispute
from recoup.kernel.money import Money, format_money
from recoup.ledger import services as ledger_services
from recoup.ledger.clock import business_date
from recoup.ledger.models import Customer, Invoice
from recoup.ledger.selectors import customer_holiday_country, customer_zone
from recoup.portal import rules, selectors
from recoup.portal.models import PortalLink
from recoup.portal.services import CustomerActor
from recoup.promises.models import Promise
from recoup.promises.services import make_promise
from recoup.worklist import services as worklist
from recoup.worklist.models import Task
from recoup.worklist.scheduling import FollowUp, next_follow_up


class ActionRefused(ValueError):
    """Why a request was not taken, in the customer's language, with what to do instead."""


@dataclass
class Done:
    activity: Activity
    promises: list[Promise] = field(default_factory=list)
    disputes: list[Dispute] = field(default_factory=list)
    task: Task | None = None
    # The promised date was beyond the strategy's limit: a call was asked for instead.
    call_instead: bool = False


def _items(customer: Customer, ids: Iterable[int], *, undisputed: bool) -> list[Invoice]:
    """The chosen items, each an open invoice or debit note of ``customer`` (and not under an
    open dispute, when ``undisputed``); anything else refuses the whole request."""
    wanted = {int(i) for i in ids}
    if not wanted:
        raise ActionRefused(_("Choose at least one invoice."))
    found = Invoice.objects.filter(customer=customer, pk__in=wanted, open_amount__gt=0).exclude(kind=Invoice.Kind.CREDIT_NOTE)
    if undisputed:
        found = found.exclude(disputes__status__in=selectors.OPEN_DISPUTE)
    invoices = list(found.order_by("due_date", "invoice_ref", "pk").distinct())
    if len(invoices) != len(wanted):
        raise ActionRefused(_("Some of the chosen invoices are no longer open or are already disputed. Please reload the page."))
    return invoices


def _by_currency(invoices: Sequence[Invoice]) -> dict[str, list[Invoice]]:
    groups: dict[str, list[Invoice]] = defaultdict(list)
    for invoice in invoices:
        groups[invoice.currency].append(invoice)
    return dict(sorted(groups.items()))


def _amounts(invoices: Sequence[Invoice]) -> str:
    return ", ".join(
        format_money(Money(sum(i.open_amount for i in group), code)) for code, group in _by_currency(invoices).items()
    )


def _log(link: PortalLink, *, now: dt.datetime, outcome: str = "", notes: str = "", feedback: str = "") -> Activity:
    return log_activity(
        actor=CustomerActor(link),
        customer=link.customer,
        at=now,
        channel=Channel.PORTAL,
        direction=Activity.Direction.INBOUND,
        outcome=outcome,
        contact=selectors.contact_of(link.customer),
        notes=notes,
        customer_feedback=feedback,
    )


def _follow_up(
    link: PortalLink,
    follow: FollowUp | None,
    *,
    now: dt.datetime,
    activity: Activity,
    promise: Promise | None = None,
    dispute: Dispute | None = None,
) -> Task | None:
    """The task for the customer's collector (or whoever takes the pool's requests)."""
    user = selectors.responsible_user(link.customer)
    if user is None or follow is None:
        return None
    zone = customer_zone(link.customer).zone
    return worklist.schedule_follow_up(
        user, link.customer, follow, zone=zone, at=now, activity=activity, promise=promise, dispute=dispute
    )


def _next_window(customer: Customer, now: dt.datetime, kind: str, title: str) -> FollowUp | None:
    """A task at the start of the customer's next calling window (the next business day)."""
    follow = next_follow_up(
        "no_answer",
        at=now,
        zone=customer_zone(customer).zone,
        hours=worklist.hours_for(customer),
        country=customer_holiday_country(customer),
        subdivision=customer.region or None,
    )
    return FollowUp(kind, follow.due_at, title) if follow else None  # type: ignore[arg-type]


def promise(link: PortalLink, *, invoice_ids: Iterable[int], promised: dt.date | None, now: dt.datetime) -> Done:
    """The customer promises to pay the chosen items in full by ``promised`` (one promise per
    currency). A date beyond the strategy's limit asks for a call instead of making a promise."""
    customer = link.customer
    invoices = _items(customer, invoice_ids, undisputed=True)
    if promised is None:
        raise ActionRefused(_("Choose the date you will pay by."))
    as_of = business_date(now)
    max_days = worklist.strategy_for(customer).promise_max_days
    verdict = rules.promise_verdict(promised, as_of=as_of, max_days=max_days)
    if verdict == "past":
        raise ActionRefused(_("The date is in the past. Choose today or a later date."))
    refs = ", ".join(i.invoice_ref for i in invoices)
    with transaction.atomic():
        if verdict == "call":
            notes = (
                f"Offered online to pay {refs} ({_amounts(invoices)}) by {promised:%d %b %Y}, beyond the "
                f"{max_days} days the strategy allows without a call: agree a date with them."
            )
            activity = _log(link, now=now, notes=notes)
            follow = _next_window(customer, now, "call", f"Call: offered online to pay by {promised:%d %b %Y}")
            return Done(activity, task=_follow_up(link, follow, now=now, activity=activity), call_instead=True)
        activity = _log(
            link, now=now, outcome=Outcome.PROMISE_TO_PAY, notes=f"Promised online to pay {refs} by {promised:%d %b %Y}."
        )
        made = [
            make_promise(
                actor=CustomerActor(link),
                customer=customer,
                amount=sum(i.open_amount for i in group),
                promised_date=promised,
                invoices=group,
                now=now,
                made_in=activity,
            )
            for group in _by_currency(invoices).values()
        ]
        follow = next_follow_up(
            Outcome.PROMISE_TO_PAY,
            at=now,
            zone=customer_zone(customer).zone,
            hours=worklist.hours_for(customer),
            country=customer_holiday_country(customer),
            subdivision=customer.region or None,
            promised_date=promised,
            tolerance_days=made[0].tolerance_days,
        )
        task = _follow_up(link, follow, now=now, activity=activity, promise=made[0])
    return Done(activity, promises=made, task=task)


@dataclass(frozen=True)
class Upload:
    name: str
    chunks: Iterable[bytes]
    size: int | None


def _checked(upload: Upload | None) -> attachments.Checked | None:
    if upload is None:
        return None
    try:
        return attachments.check(upload.name, upload.chunks, declared_size=upload.size)
    except attachments.AttachmentRefused:
        limit = int(settings.RECOUP_ATTACHMENT_MAX_BYTES) // (1024 * 1024)
        raise ActionRefused(
            _(
                "The file was not accepted. Attach a PDF, a photo (JPEG, PNG, GIF, WebP), a text file, "
                "an XLSX or a DOCX file of at most %(size)s MB, named as what it contains."
            )
            % {"size": limit}
        ) from None


def dispute(
    link: PortalLink, *, invoice_ids: Iterable[int], reason: str, comment: str, upload: Upload | None, now: dt.datetime
) -> Done:
    """The customer disputes the chosen items: a case per currency, their comment and file on it,
    owned by their collector, and a task for the collector to review it."""
    customer = link.customer
    invoices = _items(customer, invoice_ids, undisputed=True)
    if reason not in Dispute.Reason.values:
        raise ActionRefused(_("Choose what is wrong."))
    comment = comment.strip()
    if not comment:
        raise ActionRefused(_("Tell us what is wrong, so that we can put it right."))
    if len(comment) > MAX_COMMENT:
        raise ActionRefused(_("Please keep the comment under %(n)s characters.") % {"n": MAX_COMMENT})
    checked = _checked(upload)
    actor = CustomerActor(link)
    with transaction.atomic():
        activity = _log(link, now=now, outcome=Outcome.DISPUTE, feedback=comment)
        cases = []
        for group in _by_currency(invoices).values():
            case = open_dispute(
                actor=actor,
                customer=customer,
                invoices=group,
                reason=reason,
                now=now,
                owner=customer.collector,
                opened_in=activity,
            )
            add_comment(case=case, body=comment, now=now, actor=actor)
            cases.append(case)
        follow = _next_window(customer, now, "review", "Review the dispute the customer opened online")
        task = _follow_up(link, follow, now=now, activity=activity, dispute=cases[0])
        # Last: a file is written before its row, and is only removed again if its own row fails.
        if checked is not None:
            for case in cases:
                add_attachment(case=case, name=checked.name, chunks=[checked.data], size=checked.size, now=now, actor=actor)
    return Done(activity, disputes=cases, task=task)


def callback(link: PortalLink, *, day: dt.date | None, wall: dt.time | None, note: str, now: dt.datetime) -> Done:
    """A call at the customer's local ``day`` and ``wall`` time, inside their calling hours."""
    customer = link.customer
    if day is None or wall is None:
        raise ActionRefused(_("Choose a day and a time for our call."))
    zone = customer_zone(customer).zone
    hours = worklist.hours_for(customer)
    try:
        due = rules.callback_at(
            day,
            wall,
            zone=zone,
            hours=hours,
            now=now,
            country=customer_holiday_country(customer),
            subdivision=customer.region or None,
        )
    except rules.CallbackRefused as refused:
        messages = {
            "past": _("That time has already passed. Choose a later one."),
            "too_far": _("Choose a day within the next %(n)s days.") % {"n": rules.CALLBACK_HORIZON_DAYS},
            "closed": _("We do not call at that time. Choose a business day within our calling hours."),
        }
        raise ActionRefused(messages[refused.problem]) from None
    note = note.strip()[:1000]
    with transaction.atomic():
        activity = _log(
            link,
            now=now,
            outcome=Outcome.CALLBACK,
            notes=f"Asked online for a call on {day:%d %b %Y} at {wall:%H:%M} ({zone}).",
            feedback=note,
        )
        task = _follow_up(link, FollowUp("callback", due, "Call back as the customer asked online"), now=now, activity=activity)
    return Done(activity, task=task)


def update_contact(link: PortalLink, *, name: str, email: str, phone: str, now: dt.datetime) -> Done:
    """The customer corrects their accounts-payable contact (or names one when there is none)."""
    customer = link.customer
    contact = selectors.contact_of(customer)
    messages = {
        "name": _("Enter the name of the person who handles our invoices."),
        "email": _("Enter a valid e-mail address."),
        "phone": _("Enter a valid phone number, with the country code if it is not in your country."),
    }
    with transaction.atomic():
        try:
            saved = ledger_services.save_contact(
                customer=customer, contact=contact, name=name, email=email, phone=phone, actor=CustomerActor(link), now=now
            )
        except ledger_services.ContactError as exc:
            raise ActionRefused(messages.get(exc.field, messages["name"])) from None
        activity = _log(link, now=now, notes=f"Updated the accounts-payable contact online: {saved.name}.")
    return Done(activity)


def feedback(link: PortalLink, *, text: str, now: dt.datetime) -> Done:
    text = text.strip()
    if not text:
        raise ActionRefused(_("Write your message first."))
    if len(text) > MAX_COMMENT:
        raise ActionRefused(_("Please keep the comment under %(n)s characters.") % {"n": MAX_COMMENT})
    with transaction.atomic():
        activity = _log(link, now=now, notes="Left a message online.", feedback=text)
    return Done(activity)
