"""Reads about disputes: which invoices are in dispute, and the facts the worklist ranks by."""

from __future__ import annotations

import polars as pl

from recoup.database import sql
from recoup.database.columnar import Reader

OPEN_STATUSES = "('open', 'in_review')"


def disputed_invoices(read: Reader, *, customer_id: int | None = None) -> pl.DataFrame:
    """Invoices with an open dispute (they leave dunning and the amounts called about)."""
    return read(
        "SELECT DISTINCT di.invoice_id FROM disputes_dispute_invoices di JOIN disputes_dispute d ON d.id = di.dispute_id"
        f" WHERE d.status IN {OPEN_STATUSES}" + sql.for_customer("d.customer_id", customer_id),
        {"invoice_id": pl.Int64},
    )


def dispute_facts(read: Reader, *, customer_id: int | None = None) -> pl.DataFrame:
    """Per customer and currency: the amount in open disputes and when the last one was settled."""
    return read(
        "SELECT customer_id, currency,"
        f" CAST(SUM(CASE WHEN status IN {OPEN_STATUSES} THEN amount ELSE 0 END) AS BIGINT) AS open_dispute,"
        " MAX(CASE WHEN status IN ('resolved', 'rejected') THEN resolved_on END) AS last_dispute_resolved_on"
        " FROM disputes_dispute WHERE 1 = 1" + sql.for_customer("customer_id", customer_id) + " GROUP BY customer_id, currency",
        {"customer_id": pl.Int64, "currency": pl.String, "open_dispute": pl.Int64, "last_dispute_resolved_on": pl.Date},
    )
