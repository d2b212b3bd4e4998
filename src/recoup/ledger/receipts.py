"""Cash received, applied set-based: one payment applied by hand or thousands from a bank statement.

Payments, their allocations and deductions are written as columns in one transaction, checked
first by ``rules.check_receipts`` and backed by the database's check constraints; each payment
gets one audit event, and the customers say "customer changed" (kind "ledger") on commit.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import polars as pl
from django.db import connection, transaction

from recoup.audit.services import actor_label_for, bulk_insert_frame
from recoup.database.bulk import SQLITE_PARAMS, fetch_frame, insert_frame, is_postgres, reserve_ids
from recoup.ledger.balances import recompute_balances
from recoup.ledger.events import customers_changed
from recoup.ledger.rules import WRITTEN_OFF, CashReceipt, OpenItem, check_receipts


def open_items_for_update(invoice_ids: Sequence[int]) -> dict[int, OpenItem]:
    """The items as they are now, locked until the caller's transaction ends (PostgreSQL: FOR
    UPDATE; SQLite: the whole file is locked by BEGIN IMMEDIATE already)."""
    ids = sorted(set(invoice_ids))
    lock = " FOR UPDATE" if is_postgres(connection) else ""
    items: dict[int, OpenItem] = {}
    schema = {
        "id": pl.Int64,
        "ref": pl.String,
        "customer_id": pl.Int64,
        "currency": pl.String,
        "open": pl.Int64,
        "kind": pl.String,
    }
    for start in range(0, len(ids), SQLITE_PARAMS):
        chunk = ids[start : start + SQLITE_PARAMS]
        frame = fetch_frame(
            connection,
            "SELECT id, invoice_ref, customer_id, currency, open_amount, kind FROM ledger_invoice"
            f" WHERE id IN ({', '.join(['%s'] * len(chunk))}) ORDER BY id{lock}",
            chunk,
            schema=schema,
        )
        for row in frame.iter_rows():
            items[row[0]] = OpenItem(ref=row[1], customer_id=row[2], currency=row[3], open_amount=row[4], kind=row[5])
    return items


@transaction.atomic
def receive_cash(
    receipts: Sequence[CashReceipt], *, source: str, actor: Any, now: dt.datetime, actor_label: str | None = None
) -> list[int]:
    """Record payments and apply them, in one transaction, set-based: the ids of the new payments.

    Used for one payment applied by hand and for thousands applied by a bank statement alike.
    Each payment gets one audit event naming its allocations and deductions; a deduction written
    off (discount, bank charges) becomes a credit note applied to its item. The check constraints
    back up ``check_receipts``: an over-allocation rolls everything back.
    """
    if not receipts:
        return []
    touched = sorted({i for r in receipts for i, _ in r.allocations} | {i for r in receipts for i, _, _ in r.deductions})
    items = open_items_for_update(touched)
    check_receipts(receipts, items)
    stamp = now.astimezone(dt.UTC).replace(tzinfo=None)
    payment_ids = reserve_ids(connection, "ledger_payment", len(receipts)).to_list()
    insert_frame(connection, "ledger_payment", _payments_frame(receipts, payment_ids, source, stamp))
    allocations = [(pid, i, a, r.received_on) for pid, r in zip(payment_ids, receipts, strict=True) for i, a in r.allocations]
    insert_frame(
        connection,
        "ledger_allocation",
        pl.DataFrame(
            allocations,
            schema={"payment_id": pl.Int64, "invoice_id": pl.Int64, "amount": pl.Int64, "applied_on": pl.Date},
            orient="row",
        ).with_columns(pl.lit(stamp).dt.replace_time_zone("UTC").alias("created_at")),
    )
    credit_ids = _deductions(receipts, payment_ids, items, stamp)
    recompute_balances(connection, invoice_ids=touched + credit_ids, payment_ids=payment_ids)
    _audit_receipts(receipts, payment_ids, items, actor=actor, label=actor_label or actor_label_for(actor), at=now)
    customers_changed([r.customer_id for r in receipts], kind="ledger")
    return payment_ids


def _payments_frame(receipts: Sequence[CashReceipt], ids: list[int], source: str, stamp: dt.datetime) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": ids,
            "source": [source] * len(ids),
            "payment_ref": [r.payment_ref for r in receipts],
            "customer_id": [r.customer_id for r in receipts],
            "received_on": [r.received_on for r in receipts],
            "amount": [r.amount for r in receipts],
            "currency": [r.currency for r in receipts],
            # Derived below by recompute_balances; written whole so the constraint holds meanwhile.
            "unapplied_amount": [r.amount for r in receipts],
            "method": [r.method for r in receipts],
            "reference": [r.reference[:500] for r in receipts],
            "attributes": ["{}"] * len(ids),
            "import_hash": [""] * len(ids),
        },
        schema_overrides={"id": pl.Int64, "customer_id": pl.Int64, "amount": pl.Int64, "unapplied_amount": pl.Int64},
    ).with_columns(pl.lit(stamp).dt.replace_time_zone("UTC").alias(c) for c in ("created_at", "updated_at"))


def _deductions(
    receipts: Sequence[CashReceipt], payment_ids: list[int], items: dict[int, OpenItem], stamp: dt.datetime
) -> list[int]:
    """Deduction rows, and a credit note applied to the item for each one written off; returns the
    credit notes' ids."""
    rows = [(pid, r, i, a, why) for pid, r in zip(payment_ids, receipts, strict=True) for i, a, why in r.deductions]
    if not rows:
        return []
    written = [row for row in rows if row[4] in WRITTEN_OFF]
    credit_ids = reserve_ids(connection, "ledger_invoice", len(written)).to_list()
    by_row = {id(row): cid for row, cid in zip(written, credit_ids, strict=True)}
    utc = pl.lit(stamp).dt.replace_time_zone("UTC")
    if written:
        notes = pl.DataFrame(
            {
                "id": credit_ids,
                "source": ["cashapp"] * len(written),
                "invoice_ref": [f"WO-{r.payment_ref}-{items[i].ref}"[:100] for _, r, i, _, _ in written],
                "customer_id": [items[i].customer_id for _, _, i, _, _ in written],
                "kind": ["credit_note"] * len(written),
                "issue_date": [r.received_on for _, r, _, _, _ in written],
                "due_date": [r.received_on for _, r, _, _, _ in written],
                "currency": [items[i].currency for _, _, i, _, _ in written],
                "amount": [a for _, _, _, a, _ in written],
                "open_amount": [a for _, _, _, a, _ in written],
                "credited_invoice_id": [i for _, _, i, _, _ in written],
                "po_number": [""] * len(written),
                "description": [
                    f"{why.replace('_', ' ')} written off on payment {r.payment_ref}"[:500] for _, r, _, _, why in written
                ],
                "attributes": ["{}"] * len(written),
                "import_hash": [""] * len(written),
            },
            schema_overrides={
                "id": pl.Int64,
                "customer_id": pl.Int64,
                "credited_invoice_id": pl.Int64,
                "amount": pl.Int64,
                "open_amount": pl.Int64,
            },
        ).with_columns(utc.alias("created_at"), utc.alias("updated_at"))
        insert_frame(connection, "ledger_invoice", notes)
        insert_frame(
            connection,
            "ledger_allocation",
            notes.select(
                pl.col("id").alias("credit_note_id"),
                pl.col("credited_invoice_id").alias("invoice_id"),
                "amount",
                pl.col("issue_date").alias("applied_on"),
                "created_at",
            ),
        )
    deductions = pl.DataFrame(
        {
            "payment_id": [row[0] for row in rows],
            "invoice_id": [row[2] for row in rows],
            "amount": [row[3] for row in rows],
            "reason": [row[4] for row in rows],
            "credit_note_id": [by_row.get(id(row)) for row in rows],
            "applied_on": [row[1].received_on for row in rows],
        },
        schema_overrides={"payment_id": pl.Int64, "invoice_id": pl.Int64, "amount": pl.Int64, "credit_note_id": pl.Int64},
    ).with_columns(utc.alias("created_at"))
    insert_frame(connection, "ledger_deduction", deductions)
    return credit_ids


def _audit_receipts(
    receipts: Sequence[CashReceipt],
    payment_ids: list[int],
    items: dict[int, OpenItem],
    *,
    actor: Any,
    label: str,
    at: dt.datetime,
) -> None:
    def after(r: CashReceipt) -> str:
        return json.dumps(
            {
                "payment": r.payment_ref,
                "amount": r.amount,
                "currency": r.currency,
                "received_on": r.received_on.isoformat(),
                "allocations": [[items[i].ref, a] for i, a in r.allocations],
                "deductions": [[items[i].ref, a, why] for i, a, why in r.deductions],
            }
        )

    actor_id = actor.pk if getattr(actor, "pk", None) else None
    bulk_insert_frame(
        pl.DataFrame(
            {
                "actor_id": [actor_id] * len(receipts),
                "actor_label": [label] * len(receipts),
                "action": ["cash.receive"] * len(receipts),
                "object_type": ["ledger.payment"] * len(receipts),
                "object_id": payment_ids,
                "object_ref": [r.payment_ref[:200] for r in receipts],
                "before": [None] * len(receipts),
                "after": [after(r) for r in receipts],
                "import_run_id": [None] * len(receipts),
            },
            schema_overrides={"actor_id": pl.Int64, "object_id": pl.Int64, "before": pl.String, "import_run_id": pl.Int64},
        ).with_columns(pl.lit(at.astimezone(dt.UTC).replace(tzinfo=None)).dt.replace_time_zone("UTC").alias("at"))
    )
