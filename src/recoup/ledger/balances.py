"""Open and unapplied amounts, derived from allocations in one statement per table."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.backends.base.base import BaseDatabaseWrapper

from recoup.database.bulk import SQLITE_PARAMS


def recompute_balances(
    connection: BaseDatabaseWrapper, invoice_ids: Sequence[int] | None = None, payment_ids: Sequence[int] | None = None
) -> None:
    """Derive open and unapplied amounts from allocations.

    `None` means every row; an empty list means none. The check constraints on the two
    derived columns turn an over-allocation into an IntegrityError here, which rolls the
    caller's transaction back.
    """
    invoice_sql = (
        "UPDATE ledger_invoice SET open_amount = amount"
        " - COALESCE((SELECT SUM(a.amount) FROM ledger_allocation a WHERE a.invoice_id = ledger_invoice.id), 0)"
        " - COALESCE((SELECT SUM(a.amount) FROM ledger_allocation a WHERE a.credit_note_id = ledger_invoice.id), 0)"
    )
    payment_sql = (
        "UPDATE ledger_payment SET unapplied_amount = amount"
        " - COALESCE((SELECT SUM(a.amount) FROM ledger_allocation a WHERE a.payment_id = ledger_payment.id), 0)"
    )
    with connection.cursor() as cursor:
        for sql, ids in ((invoice_sql, invoice_ids), (payment_sql, payment_ids)):
            if ids is None:
                cursor.execute(sql)
                continue
            ids = sorted(set(ids))
            for start in range(0, len(ids), SQLITE_PARAMS):
                chunk = ids[start : start + SQLITE_PARAMS]
                cursor.execute(f"{sql} WHERE id IN ({', '.join(['%s'] * len(chunk))})", chunk)
