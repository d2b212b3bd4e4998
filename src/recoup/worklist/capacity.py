"""Who calls whom today: filling collectors' capacity from the ranked list. Pure, no Django."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

Status = Literal["scheduled", "pool", "over_capacity"]


@dataclass(frozen=True, slots=True)
class Caller:
    id: int
    senior: bool
    capacity: int


@dataclass(frozen=True, slots=True)
class Candidate:
    """An eligible customer, in rank order, with the collector whose portfolio it is in."""

    customer_id: int
    collector_id: int | None
    escalated: bool


@dataclass(frozen=True, slots=True)
class Assignment:
    customer_id: int
    collector_id: int | None
    status: Status


def assign(ranked: Sequence[Candidate], callers: Iterable[Caller], *, used: Mapping[int, int] | None = None) -> list[Assignment]:
    """Fill each caller's remaining capacity, best-ranked first.

    1. Escalated accounts go to a senior: their own collector when that is a senior with room,
       else the senior with the most room left; with no senior free they stay with their own
       collector (still marked escalated) so they are not lost.
    2. Portfolio accounts go to their collector while the collector has room; the rest are
       over capacity today (they are someone's portfolio, so nobody else takes them).
    3. Unassigned accounts (no collector, or one who does not take calls) are spread over the
       callers with the most room left; when nobody has room they stay in the shared pool.

    ``used`` is capacity already taken today (incremental updates pass it).
    Returns one assignment per candidate, in the order given.
    """
    by_id = {c.id: c for c in callers if c.capacity > 0}
    room = {cid: c.capacity - (used or {}).get(cid, 0) for cid, c in by_id.items()}
    seniors = [cid for cid, c in by_id.items() if c.senior]
    decided: dict[int, Assignment] = {}

    def most_room(pool: list[int]) -> int | None:
        free = [cid for cid in pool if room[cid] > 0]
        if not free:
            return None
        return max(free, key=lambda cid: (room[cid], -cid))

    def take(candidate: Candidate, caller: int | None) -> None:
        if caller is None:
            decided[candidate.customer_id] = Assignment(candidate.customer_id, None, "pool")
            return
        room[caller] -= 1
        decided[candidate.customer_id] = Assignment(candidate.customer_id, caller, "scheduled")

    # Portfolios (and escalations) first, so a collector's own accounts are never crowded out
    # by the pool; then the pool in rank order.
    for candidate in ranked:
        own = candidate.collector_id if candidate.collector_id in by_id else None
        if candidate.escalated and seniors:
            if own is not None and by_id[own].senior and room[own] > 0:
                take(candidate, own)
                continue
            senior = most_room(seniors)
            if senior is not None:
                take(candidate, senior)
                continue
        if own is not None:
            if room[own] > 0:
                take(candidate, own)
            else:
                decided[candidate.customer_id] = Assignment(candidate.customer_id, own, "over_capacity")
    for candidate in ranked:
        if candidate.customer_id in decided:
            continue
        take(candidate, most_room(list(by_id)))
    return [decided[c.customer_id] for c in ranked]
