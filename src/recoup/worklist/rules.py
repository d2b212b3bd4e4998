"""Collection strategies and the valuation of customers: pure, no Django.

A strategy is data (stored as JSON on ``worklist.Strategy``): valuation rules that award
points, exclusions, the contact cadence, business hours and escalation thresholds.
``parse_strategy`` turns that data into a ``StrategySpec`` or says exactly what is wrong;
``valuate`` scores a whole ledger at once, columnar, from two frames:

- ``items``: one row per open debit item (``customer_id``, ``invoice_id``, ``invoice_ref``,
  ``open_home``, ``due_date``, ``p_30``, ``expected_pay_date``, ``disputed``);
- ``customers``: one row per customer with the facts the rules read (see ``CUSTOMER_FACTS``).

Amounts are integer minor units of the home currency (thresholds too); dates are ``date``;
``as_of`` and ``now`` are always arguments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import polars as pl

from recoup.kernel.calendar import BusinessHours

__all__ = [
    "CUSTOMER_FACTS",
    "ITEM_FACTS",
    "OBJECTIVES",
    "RULE_KINDS",
    "Escalation",
    "Exclusions",
    "ParamSpec",
    "RuleKind",
    "RuleSpec",
    "StrategyError",
    "StrategySpec",
    "choose_objective",
    "exclusion_columns",
    "exclusion_text",
    "parse_strategy",
    "reason_text",
    "strategy_to_data",
    "valuate",
]


# --- the rule catalogue -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParamSpec:
    name: str
    label: str
    kind: Literal["days", "amount", "probability", "count"]
    default: int | float
    minimum: int | float = 0
    maximum: int | float = 10**12


@dataclass(frozen=True, slots=True)
class RuleKind:
    code: str
    label: str
    params: tuple[ParamSpec, ...]
    default_points: int


def _days(name: str, label: str, default: int, minimum: int = 0, maximum: int = 3650) -> ParamSpec:
    return ParamSpec(name, label, "days", default, minimum, maximum)


RULE_KINDS: dict[str, RuleKind] = {
    k.code: k
    for k in (
        RuleKind(
            "overdue_amount",
            "Overdue amount over X for at least D days",
            (
                ParamSpec("min_amount", "more than (home currency, minor units)", "amount", 1_000_000),
                _days("min_days", "days", 3),
            ),
            60,
        ),
        RuleKind("oldest_overdue", "Oldest item overdue at least D days", (_days("min_days", "days", 60, 1),), 30),
        RuleKind("promise_broken", "Promise broken within the last D days", (_days("within_days", "days", 7, 1),), 80),
        RuleKind("promise_due_today", "Promise due today", (), 50),
        RuleKind(
            "no_contact",
            "No successful contact for D days (while overdue)",
            (_days("days", "days", 10, 1),),
            20,
        ),
        RuleKind(
            "risk",
            "P(late more than 30 days) above p",
            (ParamSpec("min_probability", "probability", "probability", 0.5, 0.0, 1.0),),
            40,
        ),
        RuleKind(
            "preventive",
            "Due within D days with a late-payment history",
            (
                _days("within_days", "days", 5, 0),
                ParamSpec("min_late", "invoices paid late in the last year", "count", 2, 1, 10_000),
            ),
            15,
        ),
        RuleKind("credit_limit", "Credit limit exceeded", (), 40),
        RuleKind("dispute_resolved", "Dispute resolved within the last D days", (_days("within_days", "days", 7, 1),), 30),
        RuleKind("instalment_due", "Payment-plan instalment due within D days", (_days("within_days", "days", 2, 0),), 35),
    )
}

# What each objective asks of the call, in the order they win when several apply.
OBJECTIVES: dict[str, str] = {
    "broken_promise": "Follow up the broken promise",
    "plan_instalment": "Confirm the payment-plan instalment",
    "promise_due": "Confirm the payment promised for today",
    "dispute_blocker": "Resolve the dispute blocking payment",
    "secure_date": "Secure a payment date",
    "preventive": "Preventive reminder",
}


class StrategyError(ValueError):
    """Every problem in a strategy's data, each as (field path, message)."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{path}: {message}" for path, message in self.problems))


@dataclass(frozen=True, slots=True)
class RuleSpec:
    kind: str
    points: int
    params: Mapping[str, int | float] = field(default_factory=dict)

    def param(self, name: str) -> Any:
        return self.params[name]


@dataclass(frozen=True, slots=True)
class Exclusions:
    open_promise: bool = True
    all_disputed: bool = True
    # A successful contact (someone reached) within this many days keeps the customer off.
    contacted_within_days: int = 3
    do_not_call: bool = True
    on_hold: bool = True


@dataclass(frozen=True, slots=True)
class Escalation:
    # Accounts routed to a senior: an open dispute over this amount (home minor units, 0 = off)
    # or this many broken promises (0 = off).
    dispute_amount_over: int = 5_000_000
    broken_promises: int = 2


@dataclass(frozen=True, slots=True)
class StrategySpec:
    rules: tuple[RuleSpec, ...]
    exclusions: Exclusions = field(default_factory=Exclusions)
    # Cadence: days between call attempts to the same customer (1 = at most one a day).
    attempt_spacing_days: int = 1
    hours: BusinessHours = field(default_factory=BusinessHours)
    escalation: Escalation = field(default_factory=Escalation)


def _int(value: object, path: str, problems: list[tuple[str, str]], *, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or (isinstance(value, float) and not value.is_integer()):
        problems.append((path, f"must be a whole number, got {value!r}"))
        return minimum
    number = int(value)
    if not minimum <= number <= maximum:
        problems.append((path, f"must be between {minimum} and {maximum}, got {number}"))
    return number


def _time(value: object, path: str, problems: list[tuple[str, str]]) -> dt.time:
    try:
        return dt.time.fromisoformat(str(value))
    except ValueError:
        problems.append((path, f"must be a time like 09:00, got {value!r}"))
        return dt.time(0, 0)


def parse_strategy(data: Mapping[str, Any]) -> StrategySpec:
    """Validate a strategy's stored data; raise ``StrategyError`` listing every problem."""
    problems: list[tuple[str, str]] = []
    if not isinstance(data, Mapping):
        raise StrategyError([("", "a strategy must be an object")])
    rules: list[RuleSpec] = []
    raw_rules = data.get("rules", [])
    if not isinstance(raw_rules, list):
        problems.append(("rules", "must be a list"))
        raw_rules = []
    for i, raw in enumerate(raw_rules):
        path = f"rules[{i}]"
        if not isinstance(raw, Mapping):
            problems.append((path, "must be an object"))
            continue
        kind = RULE_KINDS.get(str(raw.get("kind")))
        if kind is None:
            problems.append((f"{path}.kind", f"unknown rule {raw.get('kind')!r}; known: {', '.join(RULE_KINDS)}"))
            continue
        points = _int(raw.get("points", kind.default_points), f"{path}.points", problems, minimum=-1000, maximum=1000)
        params: dict[str, int | float] = {}
        given = raw.get("params", {}) or {}
        if not isinstance(given, Mapping):
            problems.append((f"{path}.params", "must be an object"))
            given = {}
        for unknown in set(given) - {p.name for p in kind.params}:
            problems.append((f"{path}.params.{unknown}", f"is not a parameter of {kind.code}"))
        for spec in kind.params:
            value = given.get(spec.name, spec.default)
            ppath = f"{path}.params.{spec.name}"
            if spec.kind == "probability":
                if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= float(value) <= 1.0:
                    problems.append((ppath, f"must be a probability between 0 and 1, got {value!r}"))
                    value = spec.default
                params[spec.name] = float(value)
            else:
                params[spec.name] = _int(value, ppath, problems, minimum=int(spec.minimum), maximum=int(spec.maximum))
        rules.append(RuleSpec(kind.code, points, params))

    raw_ex = data.get("exclusions", {}) or {}
    if not isinstance(raw_ex, Mapping):
        problems.append(("exclusions", "must be an object"))
        raw_ex = {}
    defaults = Exclusions()
    flags = {}
    for name in ("open_promise", "all_disputed", "do_not_call", "on_hold"):
        value = raw_ex.get(name, getattr(defaults, name))
        if not isinstance(value, bool):
            problems.append((f"exclusions.{name}", f"must be true or false, got {value!r}"))
            value = getattr(defaults, name)
        flags[name] = value
    contacted = _int(
        raw_ex.get("contacted_within_days", defaults.contacted_within_days),
        "exclusions.contacted_within_days",
        problems,
        minimum=0,
        maximum=365,
    )
    spacing = _int(data.get("attempt_spacing_days", 1), "attempt_spacing_days", problems, minimum=0, maximum=365)

    raw_hours = data.get("hours", {}) or {}
    hours = BusinessHours()
    if not isinstance(raw_hours, Mapping):
        problems.append(("hours", "must be an object"))
    else:
        start = _time(raw_hours.get("start", "09:00"), "hours.start", problems)
        end = _time(raw_hours.get("end", "17:00"), "hours.end", problems)
        weekdays = raw_hours.get("weekdays", [0, 1, 2, 3, 4])
        if not isinstance(weekdays, list) or not weekdays or not all(isinstance(d, int) and 0 <= d <= 6 for d in weekdays):
            problems.append(("hours.weekdays", f"must list days 0 (Monday) to 6 (Sunday), got {weekdays!r}"))
            weekdays = [0, 1, 2, 3, 4]
        if start >= end:
            problems.append(("hours", f"start {start:%H:%M} must be before end {end:%H:%M}"))
        else:
            hours = BusinessHours(frozenset(weekdays), start, end)

    raw_esc = data.get("escalation", {}) or {}
    if not isinstance(raw_esc, Mapping):
        problems.append(("escalation", "must be an object"))
        raw_esc = {}
    default_esc = Escalation()
    escalation = Escalation(
        dispute_amount_over=_int(
            raw_esc.get("dispute_amount_over", default_esc.dispute_amount_over),
            "escalation.dispute_amount_over",
            problems,
            minimum=0,
            maximum=10**15,
        ),
        broken_promises=_int(
            raw_esc.get("broken_promises", default_esc.broken_promises),
            "escalation.broken_promises",
            problems,
            minimum=0,
            maximum=100,
        ),
    )
    if problems:
        raise StrategyError(problems)
    return StrategySpec(
        rules=tuple(rules),
        exclusions=Exclusions(contacted_within_days=contacted, **flags),
        attempt_spacing_days=spacing,
        hours=hours,
        escalation=escalation,
    )


def strategy_to_data(spec: StrategySpec) -> dict[str, Any]:
    """The JSON form of a spec; ``parse_strategy(strategy_to_data(s)) == s``."""
    ex = spec.exclusions
    return {
        "rules": [{"kind": r.kind, "points": r.points, "params": dict(r.params)} for r in spec.rules],
        "exclusions": {
            "open_promise": ex.open_promise,
            "all_disputed": ex.all_disputed,
            "contacted_within_days": ex.contacted_within_days,
            "do_not_call": ex.do_not_call,
            "on_hold": ex.on_hold,
        },
        "attempt_spacing_days": spec.attempt_spacing_days,
        "hours": {
            "start": spec.hours.start.strftime("%H:%M"),
            "end": spec.hours.end.strftime("%H:%M"),
            "weekdays": sorted(spec.hours.weekdays),
        },
        "escalation": {
            "dispute_amount_over": spec.escalation.dispute_amount_over,
            "broken_promises": spec.escalation.broken_promises,
        },
    }


# --- facts ---------------------------------------------------------------------------------

ITEM_FACTS: dict[str, Any] = {
    "customer_id": pl.Int64,
    "invoice_id": pl.Int64,
    "invoice_ref": pl.String,
    "open_home": pl.Int64,
    # The item's own amount and currency: what the collector reads out on the call.
    "open_amount": pl.Int64,
    "currency": pl.String,
    "due_date": pl.Date,
    "p_30": pl.Float64,
    "expected_pay_date": pl.Date,
    "disputed": pl.Boolean,
}

# One row per customer. Datetimes are UTC instants; null means "never" / "none".
CUSTOMER_FACTS: dict[str, Any] = {
    "customer_id": pl.Int64,
    "status": pl.String,
    "is_consumer": pl.Boolean,
    "credit_limit_home": pl.Int64,
    "do_not_call": pl.Boolean,  # every contact with a phone number is marked do-not-call
    "open_promise_date": pl.Date,  # earliest promised date among open promises
    "last_broken_on": pl.Date,  # when the latest broken promise was judged
    "broken_promises": pl.Int64,
    "open_dispute_home": pl.Int64,
    "last_dispute_resolved_on": pl.Date,
    "next_instalment_due": pl.Date,  # earliest open instalment of an active plan
    "late_paid_last_year": pl.Int64,
    "last_reached_at": pl.Datetime("us", "UTC"),
    "last_attempt_at": pl.Datetime("us", "UTC"),
    "last_conversation_at": pl.Datetime("us", "UTC"),
    "calls_last_7_days": pl.Int64,
}


def _customer_item_facts(items: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    overdue = pl.col("due_date") < as_of
    live = ~pl.col("disputed")
    days = (pl.lit(as_of) - pl.col("due_date")).dt.total_days()
    p = pl.col("p_30").fill_null(1.0)
    return items.group_by("customer_id").agg(
        open_home=pl.col("open_home").sum(),
        overdue_home=pl.col("open_home").filter(overdue & live).sum(),
        disputed_home=pl.col("open_home").filter(pl.col("disputed")).sum(),
        all_disputed=pl.col("disputed").all(),
        oldest_overdue_days=days.filter(overdue & live).max(),
        # Cash at risk: what is overdue times the chance it is still unpaid in 30 days; an item
        # without a prediction counts in full (no model yet means no evidence it will come in).
        cash_at_risk=(pl.col("open_home").filter(overdue & live) * p.filter(overdue & live)).sum().round(0).cast(pl.Int64),
        # Only real predictions: without a model nothing is claimed about risk.
        max_p_30=pl.col("p_30").filter(live).max(),
        next_due=pl.col("due_date").filter(~overdue & live).min(),
        predicted_pay_date=pl.col("expected_pay_date").filter(live).max(),
        overdue_currencies=pl.col("currency").filter(overdue & live).n_unique(),
        overdue_currency=pl.col("currency").filter(overdue & live).first(),
        overdue_own=pl.col("open_amount").filter(overdue & live).sum(),
        disputed_own=pl.col("open_amount").filter(pl.col("disputed")).sum(),
        disputed_currencies=pl.col("currency").filter(pl.col("disputed")).n_unique(),
        disputed_currency=pl.col("currency").filter(pl.col("disputed")).first(),
    )


def _rule_expr(rule: RuleSpec, items: pl.DataFrame, as_of: dt.date) -> tuple[pl.Expr, pl.DataFrame | None]:
    """A boolean expression over the joined customer frame, plus any per-customer frame it needs."""
    col = pl.col
    if rule.kind == "overdue_amount":
        min_days = int(rule.param("min_days"))
        cutoff = as_of - dt.timedelta(days=min_days)
        name = f"overdue_{min_days}d"
        extra = (
            items.filter((col("due_date") <= cutoff) & (col("due_date") < as_of) & ~col("disputed"))
            .group_by("customer_id")
            .agg(col("open_home").sum().alias(name))
        )
        return col(name).fill_null(0) > int(rule.param("min_amount")), extra
    if rule.kind == "oldest_overdue":
        return col("oldest_overdue_days").fill_null(0) >= int(rule.param("min_days")), None
    if rule.kind == "promise_broken":
        since = as_of - dt.timedelta(days=int(rule.param("within_days")))
        return col("last_broken_on").is_not_null() & (col("last_broken_on") >= since), None
    if rule.kind == "promise_due_today":
        return col("open_promise_date").is_not_null() & (col("open_promise_date") == as_of), None
    if rule.kind == "no_contact":
        # Measured in whole days of the as-of date, so the answer does not change during the day.
        cutoff_day = as_of - dt.timedelta(days=int(rule.param("days")))
        last = col("last_reached_at").dt.date()
        return (col("overdue_home") > 0) & (last.is_null() | (last <= cutoff_day)), None
    if rule.kind == "risk":
        return col("max_p_30").fill_null(0.0) > float(rule.param("min_probability")), None
    if rule.kind == "preventive":
        horizon = as_of + dt.timedelta(days=int(rule.param("within_days")))
        return (
            col("next_due").is_not_null()
            & (col("next_due") <= horizon)
            & (col("late_paid_last_year").fill_null(0) >= int(rule.param("min_late")))
        ), None
    if rule.kind == "credit_limit":
        return col("credit_limit_home").is_not_null() & (col("open_home") > col("credit_limit_home")), None
    if rule.kind == "dispute_resolved":
        since = as_of - dt.timedelta(days=int(rule.param("within_days")))
        return col("last_dispute_resolved_on").is_not_null() & (col("last_dispute_resolved_on") >= since), None
    if rule.kind == "instalment_due":
        horizon = as_of + dt.timedelta(days=int(rule.param("within_days")))
        return col("next_instalment_due").is_not_null() & (col("next_instalment_due") <= horizon), None
    raise ValueError(f"unknown rule kind {rule.kind!r}")


def exclusion_columns(spec: StrategySpec, as_of: dt.date, now: dt.datetime) -> list[tuple[str, pl.Expr]]:
    """(code, condition) in the order they are reported; the first that holds is the reason."""
    col = pl.col
    ex = spec.exclusions
    out: list[tuple[str, pl.Expr]] = []
    if ex.on_hold:
        out.append(("on_hold", col("status").is_in(["on_hold", "with_agency"])))
    if ex.all_disputed:
        out.append(("all_disputed", col("all_disputed")))
    if ex.open_promise:
        out.append(("open_promise", col("open_promise_date").is_not_null() & (col("open_promise_date") > as_of)))
    if ex.contacted_within_days > 0:
        since = as_of - dt.timedelta(days=ex.contacted_within_days)
        out.append(("recently_contacted", col("last_reached_at").dt.date().fill_null(dt.date.min) > since))
    if spec.attempt_spacing_days > 0:
        since = as_of - dt.timedelta(days=spec.attempt_spacing_days)
        out.append(("cadence", col("last_attempt_at").dt.date().fill_null(dt.date.min) > since))
    if ex.do_not_call:
        out.append(("do_not_call", col("do_not_call").fill_null(False)))
    # Regulation F (consumers only): 7 calls in 7 days, or a conversation in the last 7 days.
    week_ago = now - dt.timedelta(days=7)
    out.append(("consumer_7_in_7", col("is_consumer") & (col("calls_last_7_days").fill_null(0) >= 7)))
    out.append(
        (
            "consumer_conversation",
            col("is_consumer") & col("last_conversation_at").is_not_null() & (col("last_conversation_at") > week_ago),
        )
    )
    return out


def valuate(
    items: pl.DataFrame, customers: pl.DataFrame, spec: StrategySpec, *, as_of: dt.date, now: dt.datetime
) -> pl.DataFrame:
    """Points, fired rules, exclusion and escalation per customer with anything open.

    Returns ``customers`` (restricted to those with open debit items) joined with the item
    aggregates, plus ``points``, ``fired`` (list of rule indexes into ``spec.rules``),
    ``exclusion`` (code or null) and ``escalated``.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    aggregated = _customer_item_facts(items, as_of)
    frame = aggregated.join(customers, on="customer_id", how="left")
    conditions: list[pl.Expr] = []
    for i, rule in enumerate(spec.rules):
        expr, extra = _rule_expr(rule, items, as_of)
        if extra is not None and extra.columns[-1] not in frame.columns:
            frame = frame.join(extra, on="customer_id", how="left")
        conditions.append(expr.fill_null(False).alias(f"__fired_{i}"))
    if conditions:
        frame = frame.with_columns(conditions)
        fired_cols = [f"__fired_{i}" for i in range(len(spec.rules))]
        points = pl.sum_horizontal(
            [pl.when(pl.col(c)).then(r.points).otherwise(0) for c, r in zip(fired_cols, spec.rules, strict=True)]
        )
        fired = pl.concat_list(
            [pl.when(pl.col(c)).then(pl.lit(i)).otherwise(None) for i, c in enumerate(fired_cols)]
        ).list.drop_nulls()
        frame = frame.with_columns(points=points.cast(pl.Int64), fired=fired)
    else:
        frame = frame.with_columns(points=pl.lit(0, pl.Int64), fired=pl.lit([], pl.List(pl.Int64)))
    exclusion: pl.Expr = pl.lit(None, pl.String)
    for code, cond in reversed(exclusion_columns(spec, as_of, now)):
        exclusion = pl.when(cond.fill_null(False)).then(pl.lit(code)).otherwise(exclusion)
    esc = spec.escalation
    escalated = pl.lit(False)
    if esc.dispute_amount_over > 0:
        escalated = escalated | (pl.col("open_dispute_home").fill_null(0) > esc.dispute_amount_over)
    if esc.broken_promises > 0:
        escalated = escalated | (pl.col("broken_promises").fill_null(0) >= esc.broken_promises)
    keep = [c for c in frame.columns if not c.startswith("__")]
    return frame.select(keep).with_columns(exclusion=exclusion, escalated=escalated)


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
    elif kind == "instalment_due":
        text = f"Plan instalment due {_day(row['next_instalment_due'])}"
    else:
        raise ValueError(f"unknown rule kind {kind!r}")
    return f"{text} (+{rule.points})" if rule.points >= 0 else f"{text} ({rule.points})"


EXCLUSION_TEXT: dict[str, str] = {
    "on_hold": "The account is on hold or with an agency",
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
