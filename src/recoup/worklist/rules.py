"""Collection strategies and the valuation of customers: pure, no Django.

The work is done in three modules, re-exported here so that callers need one import:
``strategy`` (the catalogue of valuation rules; a strategy's data parsed and written back),
``valuation`` (the fact frames and ``valuate``, which scores a whole ledger at once) and
``reasons`` (a call's objective, and why a rule fired or a customer is excluded, in words).
"""

from __future__ import annotations

from recoup.worklist.reasons import EXCLUSION_TEXT, OBJECTIVES, choose_objective, exclusion_text, reason_text
from recoup.worklist.strategy import (
    RULE_KINDS,
    Escalation,
    Exclusions,
    ParamSpec,
    RuleKind,
    RuleSpec,
    StrategyError,
    StrategySpec,
    parse_strategy,
    strategy_to_data,
)
from recoup.worklist.valuation import CUSTOMER_FACTS, ITEM_FACTS, exclusion_columns, valuate

__all__ = [
    "CUSTOMER_FACTS",
    "EXCLUSION_TEXT",
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
