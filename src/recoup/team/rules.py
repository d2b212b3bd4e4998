"""The call scorecard and the bulk-reassignment filter: pure decisions, no Django."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# (field, label, what a 2 means). Three levels rather than yes/no: coaching needs "partly"
# (an objective mumbled, a follow-up set without a time), and 0-2 keeps scoring quick.
CRITERIA: tuple[tuple[str, str, str], ...] = (
    ("objective_stated", "Objective stated", "said early why they called and what they wanted"),
    ("tone", "Tone", "calm, courteous, firm; no pressure or threats"),
    ("documented", "Documented", "the notes let a colleague pick the account up"),
    ("follow_up_set", "Follow-up set", "a dated next step, agreed with the customer"),
    ("outcome", "Outcome", "the call got the best commitment available"),
)
LEVELS = {0: "not done", 1: "partly", 2: "done well"}
MAX_POINTS = 2 * len(CRITERIA)
MAX_BULK = 5000


class ReviewError(ValueError):
    """What is wrong with a review; ``field`` names the criterion at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def check_scores(raw: Mapping[str, object]) -> dict[str, int]:
    """Every criterion scored 0, 1 or 2; raises ReviewError naming the first one that is not."""
    scores: dict[str, int] = {}
    for name, label, _ in CRITERIA:
        value = raw.get(name)
        text = str(value).strip() if value is not None else ""
        if text not in ("0", "1", "2"):
            shown = text or "nothing"
            raise ReviewError(name, f"{label}: score 0, 1 or 2, not {shown}")
        scores[name] = int(text)
    return scores


@dataclass(frozen=True, slots=True)
class ReassignFilter:
    """Which customers a bulk reassignment moves. Empty fields do not filter.

    ``collector_id`` 0 means the shared pool (customers of nobody); None means anyone's.
    ``min_overdue`` is in home-currency minor units, from today's worklist figures.
    """

    segment: str = ""
    country: str = ""
    collector_id: int | None = None
    min_overdue: int = 0

    def describe(self) -> str:
        parts = []
        if self.segment:
            parts.append(f"segment {self.segment}")
        if self.country:
            parts.append(f"country {self.country}")
        if self.collector_id == 0:
            parts.append("in the shared pool")
        elif self.collector_id is not None:
            parts.append(f"of collector #{self.collector_id}")
        if self.min_overdue:
            parts.append(f"overdue at least {self.min_overdue} (minor units)")
        return ", ".join(parts) or "every customer"


def parse_filter(*, segment: str, country: str, collector: str, min_overdue_minor: int | None) -> ReassignFilter:
    """A filter from form values; raises ValueError naming the field that is wrong."""
    country = country.strip().upper()
    if country and (len(country) != 2 or not country.isalpha()):
        raise ValueError(f"country: a two-letter ISO code such as DE, not {country!r}")
    collector = collector.strip()
    if collector and collector != "pool" and not collector.isdigit():
        raise ValueError(f"collector: choose one from the list, not {collector!r}")
    if min_overdue_minor is not None and min_overdue_minor < 0:
        raise ValueError("minimum overdue: must be zero or more")
    return ReassignFilter(
        segment=segment.strip()[:60],
        country=country,
        collector_id=0 if collector == "pool" else (int(collector) if collector else None),
        min_overdue=min_overdue_minor or 0,
    )
