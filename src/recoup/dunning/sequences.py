"""Editing a strategy's follow-up sequence (the step editor): validated as a whole, every
problem named, saved in one transaction and audited. Steps are matched by key, so what each
invoice has had (recorded by key) stays meaningful when a manager moves or relabels a step."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction

from recoup.accounts.permissions import require_manager
from recoup.audit.services import record_event
from recoup.dunning.models import MessageTemplate, SequenceStep
from recoup.dunning.rules import MESSAGE_CHANNELS, StepProblem, validate_steps
from recoup.worklist.models import Strategy

FIELDS = ("key", "label", "offset_days", "channel", "template_key", "discount_bp", "discount_days", "attach_statement", "active")


class StepsError(ValueError):
    def __init__(self, problems: Sequence[StepProblem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{p.where}: {p.problem}" for p in self.problems))


def steps_of(strategy: Strategy) -> list[SequenceStep]:
    return list(SequenceStep.objects.filter(strategy=strategy).order_by("offset_days", "id"))


def as_rows(steps: Sequence[SequenceStep]) -> list[dict[str, Any]]:
    return [{name: getattr(step, name) for name in FIELDS} for step in steps]


def template_keys() -> frozenset[str]:
    return frozenset(MessageTemplate.objects.values_list("key", flat=True))


def _optional_int(value: object) -> int | None:
    text = str(value if value is not None else "").strip()
    return int(text) if text else None


def save_steps(*, strategy: Strategy, rows: Sequence[Mapping[str, Any]], actor: Any, now: dt.datetime) -> list[SequenceStep]:
    """Replace the strategy's sequence with ``rows`` (all or nothing); raises StepsError."""
    require_manager(actor, "edit follow-up sequences")
    problems = validate_steps(rows, template_keys=template_keys())
    if problems:
        raise StepsError(problems)
    with transaction.atomic():
        before = as_rows(steps_of(strategy))
        existing = {s.key: s for s in SequenceStep.objects.select_for_update().filter(strategy=strategy)}
        kept: set[str] = set()
        for row in rows:
            key = str(row["key"]).strip()
            step = existing.get(key) or SequenceStep(strategy=strategy, key=key)
            step.label = str(row["label"]).strip()[:100]
            step.offset_days = int(str(row["offset_days"]).strip())
            step.channel = str(row["channel"])
            step.template_key = str(row.get("template_key") or "").strip() if step.channel in MESSAGE_CHANNELS else ""
            step.discount_bp = _optional_int(row.get("discount_bp"))
            step.discount_days = _optional_int(row.get("discount_days"))
            step.attach_statement = bool(row.get("attach_statement"))
            step.active = bool(row.get("active", True))
            step.save()
            kept.add(key)
        SequenceStep.objects.filter(strategy=strategy).exclude(key__in=kept).delete()
        saved = steps_of(strategy)
        record_event(
            actor=actor,
            action="dunning.sequence.saved",
            obj=strategy,
            before={"steps": before},
            after={"steps": as_rows(saved)},
            at=now,
        )
    return saved
