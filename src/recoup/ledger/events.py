""" "Customer changed": the one domain event, for what a customer owes or may be contacted about.

Every writer (ledger services, imports, activities, promises, plans, disputes, and the apps to
come) calls :func:`customers_changed` inside its transaction. Receivers (the worklist, prediction,
follow-ups …) register in their ``AppConfig.ready()`` with :func:`listen` and hear the change
once the transaction has committed — never for a rollback — batched: a transaction that
changes 100,000 customers, or one customer ten times, makes one :class:`CustomersChanged`.
No writer imports a receiver, so apps below the worklist keep it fresh without knowing it.

The contract (docs/architecture.md):

- ``customer_ids``: every customer whose balance, items, contacts, promises, disputes, plans,
  status or predictions changed; ``kinds``: what changed (``KINDS``), so a receiver can ignore
  what does not concern it (prediction ignores its own "prediction" changes).
- Delivered after commit, in the thread that committed; outside a transaction, at once.
- Receivers must be quick or queue a job; an exception in one is logged and does not stop the
  others (the writer's work is already committed).
- At least once: a rolled-back savepoint inside a committed transaction may leave its customers
  in the batch. A receiver re-reads the database, so an extra notice costs a refresh, never a
  wrong answer.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, transaction
from django.dispatch import Signal

log = logging.getLogger(__name__)

KINDS = frozenset(
    {
        "ledger",  # invoices, credit notes, payments, allocations: what is owed
        "customer",  # the customer's own record: status, collector, zone, segment, terms
        "contact",  # contacts and their phones, do-not-call
        "activity",  # calls, e-mails, notes: when the customer was last reached
        "task",  # follow-ups scheduled, done or handed over (a callback moves the next call)
        "promise",  # promises to pay and payment plans
        "dispute",  # dispute cases and their items
        "prediction",  # predicted pay dates and probabilities
        "message",  # reminders, letters and statements sent
    }
)


@dataclass(frozen=True, slots=True)
class CustomersChanged:
    """What one committed transaction changed."""

    customer_ids: frozenset[int]
    kinds: frozenset[str]

    def concerns(self, *kinds: str) -> bool:
        return not self.kinds.isdisjoint(kinds)


# Sent with ``change=CustomersChanged``. Receivers connect through ``listen``.
customer_changed = Signal()

Receiver = Callable[[CustomersChanged], None]


def listen(receiver: Receiver, *, name: str) -> None:
    """Register ``receiver`` (once, however often ready() runs), under a ``name`` for the logs."""

    def handle(sender: object, change: CustomersChanged, **_: object) -> None:
        receiver(change)

    handle.__name__ = name
    customer_changed.connect(handle, dispatch_uid=name, weak=False)


class _Batch:
    """The customers one transaction changed so far; delivered once, when it commits."""

    def __init__(self) -> None:
        self.customer_ids: set[int] = set()
        self.kinds: set[str] = set()
        self.sent = False

    def __call__(self) -> None:
        # Registered once per call in the transaction; the first to run delivers them all.
        if self.sent:
            return
        self.sent = True
        if self.customer_ids:
            deliver(CustomersChanged(frozenset(self.customer_ids), frozenset(self.kinds)))


_pending = threading.local()


def customers_changed(customer_ids: Iterable[int | None], *, kind: str, using: str = DEFAULT_DB_ALIAS) -> None:
    """Say that these customers changed (``kind`` from ``KINDS``); heard after commit, batched.

    Each call registers the transaction's batch as an on-commit callback; the first one run
    delivers the whole batch, the others find it sent. The batch is found again through a weak
    reference: only Django's pending callbacks hold it, and Django drops them when the
    transaction (or the savepoint that registered them) rolls back, so a batch that is gone or
    sent means a new transaction. No private Django state is read.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown change kind {kind!r}; one of {', '.join(sorted(KINDS))}")
    ids = {int(i) for i in customer_ids if i is not None}
    if not ids:
        return
    if not transaction.get_connection(using).in_atomic_block:
        deliver(CustomersChanged(frozenset(ids), frozenset({kind})))
        return
    ref: weakref.ReferenceType[_Batch] | None = getattr(_pending, using, None)
    batch = ref() if ref is not None else None
    if batch is None or batch.sent:
        batch = _Batch()
        setattr(_pending, using, weakref.ref(batch))
    batch.customer_ids |= ids
    batch.kinds.add(kind)
    transaction.on_commit(batch, using=using)


def deliver(change: CustomersChanged) -> None:
    """Hand a change to every receiver; one receiver's failure is logged, the others still run."""
    for receiver, result in customer_changed.send_robust(sender=CustomersChanged, change=change):
        if isinstance(result, Exception):
            log.error(
                "receiver %s failed for %d customer(s) (%s)",
                getattr(receiver, "__name__", receiver),
                len(change.customer_ids),
                ", ".join(sorted(change.kinds)),
                exc_info=(type(result), result, result.__traceback__),
            )
