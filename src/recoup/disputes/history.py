"""A case's history in words, read from the audit trail: every status change, comment,
attachment, invitation, stakeholder access and resolution, with who and when.

Every service that changes a case records its audit event on the case itself, so the trail
and the history cannot disagree: the page shows what the audit holds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from recoup.audit.selectors import history
from recoup.disputes.models import Dispute
from recoup.kernel.money import Money, UnknownCurrency, format_money

REASONS = dict(Dispute.Reason.choices)
RESOLUTIONS = dict(Dispute.Resolution.choices)
STATUSES = dict(Dispute.Status.choices)


@dataclass(frozen=True, slots=True)
class HistoryLine:
    at: dt.datetime
    who: str
    action: str
    text: str


def _money(currency: str) -> Callable[[object], str]:
    def fmt(minor: object) -> str:
        try:
            return format_money(Money(int(str(minor)), currency), locale=settings.RECOUP_LOCALE)
        except (UnknownCurrency, ValueError):
            return f"{minor} {currency}"

    return fmt


def _amounts(entries: object, money: Callable[[object], str]) -> str:
    """``{"INV-1": 5000, ...}`` as "INV-1 $50.00, …"."""
    if not isinstance(entries, Mapping):
        return ""
    return ", ".join(f"{ref} {money(amount)}" for ref, amount in entries.items())


def describe(action: str, before: Mapping[str, Any], after: Mapping[str, Any], currency: str) -> str:
    """One audit event on a case, as a sentence."""
    money = _money(currency)
    texts: dict[str, Callable[[], str]] = {
        "dispute.open": lambda: (
            f"Opened: {REASONS.get(after.get('reason', ''), after.get('reason'))}, {money(after.get('amount'))}"
            f" on {', '.join(after.get('invoices', []))}"
        ),
        "dispute.assign": lambda: f"Owner: {before.get('owner') or 'nobody'} → {after.get('owner') or 'nobody'}",
        "dispute.status": lambda: (
            f"Status: {STATUSES.get(before.get('status', ''), before.get('status'))} → "
            f"{STATUSES.get(after.get('status', ''), after.get('status'))}"
        ),
        "dispute.amount": lambda: f"Disputed amount: {money(before.get('amount'))} → {money(after.get('amount'))}",
        "dispute.comment": lambda: ("Internal note: " if after.get("internal") else "Commented: ") + str(after.get("body", "")),
        "dispute.attach": lambda: f"Attached {after.get('name')} ({after.get('content_type')}, {after.get('size')} bytes)",
        "dispute.invite": lambda: (
            f"Invited {after.get('name')} <{after.get('email')}> ({after.get('role')}) until {after.get('expires_at', '')[:10]}"
        ),
        "dispute.revoke": lambda: f"Withdrew the link of {after.get('name')} <{after.get('email')}>",
        "dispute.link_open": lambda: "Opened the case through their link",
        "dispute.link_view": lambda: "Read the case through their link",
        "dispute.link_refused": lambda: f"A link was refused: {after.get('why')}",
        "dispute.download": lambda: f"Downloaded {after.get('name')}",
        "dispute.escalate": lambda: f"SLA passed ({after.get('sla_due')}): escalated to {after.get('escalated_to')}",
        "dispute.write_off_propose": lambda: (
            f"Proposed writing off {_amounts(after.get('amounts'), money)}: beyond the proposer's limit, awaits approval"
        ),
        "dispute.write_off_reject": lambda: f"Write-off of {money(after.get('total'))} not approved",
        "dispute.resolve": lambda: _resolution(after, money),
        "dispute.reject": lambda: f"Rejected, the invoice stands: {after.get('note', '')}",
    }
    describe_one = texts.get(action)
    return describe_one() if describe_one else action


def _resolution(after: Mapping[str, Any], money: Callable[[object], str]) -> str:
    kind = RESOLUTIONS.get(after.get("resolution", ""), after.get("resolution"))
    parts = [f"Resolved: {kind}"]
    if after.get("amounts"):
        parts.append(_amounts(after["amounts"], money))
    if after.get("documents"):
        parts.append("documents " + ", ".join(after["documents"]))
    if after.get("approved_by"):
        parts.append(f"approved by {after['approved_by']}")
    if after.get("note"):
        parts.append(str(after["note"]))
    return "; ".join(parts)


def case_history(case: Dispute) -> list[HistoryLine]:
    """Oldest first, as a case is read."""
    events = list(history(case, limit=1000))
    events.reverse()
    return [
        HistoryLine(e.at, e.actor_label, e.action, describe(e.action, e.before or {}, e.after or {}, case.currency))
        for e in events
    ]
