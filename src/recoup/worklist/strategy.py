"""Collection strategies as data: the catalogue of valuation rules, and parsing a strategy.

A strategy is data (stored as JSON on ``worklist.Strategy``): valuation rules that award
points, exclusions, the contact cadence, business hours and escalation thresholds.
``parse_strategy`` turns that data into a ``StrategySpec`` or says exactly what is wrong;
``strategy_to_data`` is its inverse. Pure: no Django.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from recoup.kernel.calendar import BusinessHours

__all__ = [
    "RULE_KINDS",
    "Escalation",
    "Exclusions",
    "ParamSpec",
    "RuleKind",
    "RuleSpec",
    "StrategyError",
    "StrategySpec",
    "parse_strategy",
    "strategy_to_data",
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
        RuleKind("dispute_sla_breached", "A dispute case is past its SLA", (), 25),
        RuleKind("instalment_due", "Payment-plan instalment due within D days", (_days("within_days", "days", 2, 0),), 35),
    )
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
    # The furthest a customer may promise to pay without a collector (the customer portal): a
    # later date asks for a call instead, so longer terms are negotiated, not clicked.
    promise_max_days: int = 30


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


Problems = list[tuple[str, str]]


def _section(data: Mapping[str, Any], name: str, problems: Problems) -> Mapping[str, Any] | None:
    raw = data.get(name, {}) or {}
    if not isinstance(raw, Mapping):
        problems.append((name, "must be an object"))
        return None
    return raw


def _param(spec: ParamSpec, value: object, path: str, problems: Problems) -> int | float:
    if spec.kind == "probability":
        if not isinstance(value, bool) and isinstance(value, int | float) and 0.0 <= float(value) <= 1.0:
            return float(value)
        problems.append((path, f"must be a probability between 0 and 1, got {value!r}"))
        return float(spec.default)
    return _int(value, path, problems, minimum=int(spec.minimum), maximum=int(spec.maximum))


def _rule(raw: object, path: str, problems: Problems) -> RuleSpec | None:
    if not isinstance(raw, Mapping):
        problems.append((path, "must be an object"))
        return None
    kind = RULE_KINDS.get(str(raw.get("kind")))
    if kind is None:
        problems.append((f"{path}.kind", f"unknown rule {raw.get('kind')!r}; known: {', '.join(RULE_KINDS)}"))
        return None
    points = _int(raw.get("points", kind.default_points), f"{path}.points", problems, minimum=-1000, maximum=1000)
    given = raw.get("params", {}) or {}
    if not isinstance(given, Mapping):
        problems.append((f"{path}.params", "must be an object"))
        given = {}
    for unknown in set(given) - {p.name for p in kind.params}:
        problems.append((f"{path}.params.{unknown}", f"is not a parameter of {kind.code}"))
    params = {
        spec.name: _param(spec, given.get(spec.name, spec.default), f"{path}.params.{spec.name}", problems)
        for spec in kind.params
    }
    return RuleSpec(kind.code, points, params)


def _rules(data: Mapping[str, Any], problems: Problems) -> tuple[RuleSpec, ...]:
    raw_rules = data.get("rules", [])
    if not isinstance(raw_rules, list):
        problems.append(("rules", "must be a list"))
        raw_rules = []
    parsed = (_rule(raw, f"rules[{i}]", problems) for i, raw in enumerate(raw_rules))
    return tuple(rule for rule in parsed if rule is not None)


def _exclusions(data: Mapping[str, Any], problems: Problems) -> Exclusions:
    raw_ex = _section(data, "exclusions", problems) or {}
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
    return Exclusions(contacted_within_days=contacted, **flags)


def _hours(data: Mapping[str, Any], problems: Problems) -> BusinessHours:
    raw_hours = _section(data, "hours", problems)
    if raw_hours is None:
        return BusinessHours()
    start = _time(raw_hours.get("start", "09:00"), "hours.start", problems)
    end = _time(raw_hours.get("end", "17:00"), "hours.end", problems)
    weekdays = raw_hours.get("weekdays", [0, 1, 2, 3, 4])
    if not isinstance(weekdays, list) or not weekdays or not all(isinstance(d, int) and 0 <= d <= 6 for d in weekdays):
        problems.append(("hours.weekdays", f"must list days 0 (Monday) to 6 (Sunday), got {weekdays!r}"))
        weekdays = [0, 1, 2, 3, 4]
    if start >= end:
        problems.append(("hours", f"start {start:%H:%M} must be before end {end:%H:%M}"))
        return BusinessHours()
    return BusinessHours(frozenset(weekdays), start, end)


def _escalation(data: Mapping[str, Any], problems: Problems) -> Escalation:
    raw_esc = _section(data, "escalation", problems) or {}
    default = Escalation()
    return Escalation(
        dispute_amount_over=_int(
            raw_esc.get("dispute_amount_over", default.dispute_amount_over),
            "escalation.dispute_amount_over",
            problems,
            minimum=0,
            maximum=10**15,
        ),
        broken_promises=_int(
            raw_esc.get("broken_promises", default.broken_promises),
            "escalation.broken_promises",
            problems,
            minimum=0,
            maximum=100,
        ),
    )


def parse_strategy(data: Mapping[str, Any]) -> StrategySpec:
    """Validate a strategy's stored data; raise ``StrategyError`` listing every problem."""
    if not isinstance(data, Mapping):
        raise StrategyError([("", "a strategy must be an object")])
    problems: Problems = []
    rules = _rules(data, problems)
    exclusions = _exclusions(data, problems)
    spacing = _int(data.get("attempt_spacing_days", 1), "attempt_spacing_days", problems, minimum=0, maximum=365)
    hours = _hours(data, problems)
    escalation = _escalation(data, problems)
    promise_max_days = _int(data.get("promise_max_days", 30), "promise_max_days", problems, minimum=1, maximum=365)
    if problems:
        raise StrategyError(problems)
    return StrategySpec(
        rules=rules,
        exclusions=exclusions,
        attempt_spacing_days=spacing,
        hours=hours,
        escalation=escalation,
        promise_max_days=promise_max_days,
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
        "promise_max_days": spec.promise_max_days,
    }
