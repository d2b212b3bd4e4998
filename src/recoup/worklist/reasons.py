"""What a call is for and why a customer is (or is not) on the list, in a collector's words."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from recoup.worklist.strategy import RuleSpec, StrategySpec

__all__ = ["EXCLUSION_TEXT", "OBJECTIVES", "choose_objective", "exclusion_text", "reason_text"]


# What each objective asks of the call, in the order they win when several apply.
OBJECTIVES: dict[str, str] = {
    "broken_promise": "Follow up the broken promise",
    "plan_instalment": "Confirm the payment-plan instalment",
    "promise_due": "Confirm the payment promised for today",
    "dispute_blocker": "Resolve the dispute blocking payment",
    "secure_date": "Secure a payment date",
    "preventive": "Preventive reminder",
}


def choose_objective(fired_kinds: set[str], *, overdue: bool, disputed: bool) -> str:
    """One objective per call, from what fired and the account's situation."""
    if "promise_broken" in fired_kinds:
        return "broken_promise"
    if "instalment_due" in fired_kinds:
        return "plan_instalment"
    if "promise_due_today" in fired_kinds:
        return "promise_due"
    if disputed:
        return "dispute_blocker"
    if overdue:
        return "secure_date"
    return "preventive"


def _day(value: dt.date) -> str:
    return f"{value:%a %d %b %Y}"


def reason_text(rule: RuleSpec, row: Mapping[str, Any], money: Callable[[int], str], as_of: dt.date) -> str:
    """Why a rule fired for this customer, in words a collector reads aloud to a manager."""
    kind = rule.kind
    if kind == "overdue_amount":
        days = int(rule.param("min_days"))
        amount = int(row.get(f"overdue_{days}d") or 0)
        text = f"{money(amount)} overdue {days}+ days (over {money(int(rule.param('min_amount')))})"
    elif kind == "oldest_overdue":
        text = f"Oldest item {row['oldest_overdue_days']} days overdue"
    elif kind == "promise_broken":
        text = f"Promise broken on {_day(row['last_broken_on'])}"
    elif kind == "promise_due_today":
        text = "Payment promised for today"
    elif kind == "no_contact":
        last = row.get("last_reached_at")
        text = "Never reached" if last is None else f"No successful contact for {(as_of - last.date()).days} days"
    elif kind == "risk":
        text = f"{row['max_p_30']:.0%} chance an item is still unpaid in 30 days"
    elif kind == "preventive":
        text = f"Item due {_day(row['next_due'])}; {row['late_paid_last_year']} invoices paid late in the last year"
    elif kind == "credit_limit":
        text = f"Open {money(int(row['open_home']))} exceeds the credit limit of {money(int(row['credit_limit_home']))}"
    elif kind == "dispute_resolved":
        text = f"Dispute resolved on {_day(row['last_dispute_resolved_on'])}"
    elif kind == "dispute_sla_breached":
        text = f"Dispute past its SLA since {_day(row['open_dispute_sla_due'])}"
    elif kind == "instalment_due":
        text = f"Plan instalment due {_day(row['next_instalment_due'])}"
    else:
        raise ValueError(f"unknown rule kind {kind!r}")
    return f"{text} (+{rule.points})" if rule.points >= 0 else f"{text} ({rule.points})"


EXCLUSION_TEXT: dict[str, str] = {
    "on_hold": "The account is on hold or with an agency",
    "callback": "A callback is agreed for later",
    "all_disputed": "Every open item is disputed",
    "open_promise": "An open promise to pay is not yet due",
    "recently_contacted": "Reached recently (strategy: no new call within {days} days of a contact)",
    "cadence": "Already called within the cadence ({days} day(s) between attempts)",
    "do_not_call": "Every contact with a phone number is marked do-not-call",
    "consumer_7_in_7": "Consumer: 7 call attempts in the last 7 days (Regulation F)",
    "consumer_conversation": "Consumer: a conversation in the last 7 days (Regulation F)",
}


def exclusion_text(code: str, spec: StrategySpec) -> str:
    days = spec.exclusions.contacted_within_days if code == "recently_contacted" else spec.attempt_spacing_days
    return EXCLUSION_TEXT[code].format(days=days)
