"""The cash forecast at a date (docs/forecast.md): its inputs as known then, the forecast, its
formats, and the weekly record kept to measure it against the cash that came.

The arithmetic is pure (recoup.analytics.forecast); this module reads what it needs as of the
date: the ledger up to it, promises and plan instalments still open then, the promise-kept
history judged by then, and the prediction model's expected pay dates if they were scored by
then (for a past date they were not: the forecast rests on the customer histories alone).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import polars as pl
from django.db import connection, transaction

from recoup.analytics.forecast import COMMITMENTS_SCHEMA, PREDICTED_SCHEMA, PROMISE_HISTORY_SCHEMA, Forecast, forecast
from recoup.analytics.frames import Ledger
from recoup.database.bulk import fetch_frame
from recoup.kernel.money import currency_exponent
from recoup.ledger.exports import neutralise_formulas
from recoup.ledger.frames import load_ledger
from recoup.reports.models import ForecastWeek

__all__ = ["FORMATS", "forecast_as_of", "forecast_bytes", "forecast_frame", "forecast_json", "inputs_as_of", "record_forecast"]

FORMATS = ("table", "csv", "xlsx", "json")
# A promise is judged tolerance days after its date; an instalment judged since then has no
# date of its own, so one due more than this many days before the as-of date counts as judged.
INSTALMENT_JUDGED_AFTER_DAYS = 3


def _end_of(day: dt.date) -> dt.datetime:
    """The first instant after ``day`` (UTC): rows created before it were known at its end."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)


def _commitments(as_of: dt.date) -> pl.DataFrame:
    """Promises made by ``as_of`` and not judged by then; instalments of plans agreed by then."""
    iso = as_of.isoformat()
    promises = fetch_frame(
        connection,
        "SELECT 'p' || CAST(p.id AS VARCHAR(20)) AS commitment_id, p.customer_id, pi.invoice_id, p.amount,"
        ' p.promised_date AS "on" FROM promises_promise p'
        " LEFT JOIN promises_promise_invoices pi ON pi.promise_id = p.id"
        " WHERE p.created_at < %s AND p.status <> 'cancelled' AND (p.resolved_on IS NULL OR p.resolved_on > %s)",
        [_end_of(as_of), iso],
        schema=COMMITMENTS_SCHEMA,
    )
    instalments = fetch_frame(
        connection,
        "SELECT 'i' || CAST(n.id AS VARCHAR(20)) AS commitment_id, p.customer_id, pi.invoice_id, n.amount,"
        ' n.due_date AS "on" FROM promises_instalment n JOIN promises_paymentplan p ON p.id = n.plan_id'
        " LEFT JOIN promises_paymentplan_invoices pi ON pi.paymentplan_id = p.id"
        " WHERE p.created_at < %s AND p.status NOT IN ('proposed', 'cancelled') AND n.due_date > %s",
        [_end_of(as_of), (as_of - dt.timedelta(days=INSTALMENT_JUDGED_AFTER_DAYS)).isoformat()],
        schema=COMMITMENTS_SCHEMA,
    )
    return pl.concat([promises, instalments], how="vertical")


def _promise_history(as_of: dt.date) -> pl.DataFrame:
    """Promises judged by ``as_of`` and instalments past their judging date (kept or not)."""
    promises = fetch_frame(
        connection,
        "SELECT customer_id, amount, kept_amount, resolved_on FROM promises_promise"
        " WHERE resolved_on IS NOT NULL AND resolved_on <= %s AND status IN ('kept', 'partially_kept', 'broken')",
        [as_of.isoformat()],
        schema=PROMISE_HISTORY_SCHEMA,
    )
    judged = as_of - dt.timedelta(days=INSTALMENT_JUDGED_AFTER_DAYS)
    instalments = fetch_frame(
        connection,
        "SELECT p.customer_id, n.amount, n.kept_amount, n.due_date AS resolved_on FROM promises_instalment n"
        " JOIN promises_paymentplan p ON p.id = n.plan_id"
        " WHERE n.status IN ('kept', 'partially_kept', 'broken') AND n.due_date <= %s",
        [judged.isoformat()],
        schema=PROMISE_HISTORY_SCHEMA,
    )
    return pl.concat([promises, instalments], how="vertical")


def _predicted(as_of: dt.date) -> pl.DataFrame:
    return fetch_frame(
        connection,
        "SELECT invoice_id, expected_pay_date FROM prediction_invoiceprediction WHERE scored_at < %s",
        [_end_of(as_of)],
        schema=PREDICTED_SCHEMA,
    )


def inputs_as_of(as_of: dt.date) -> dict[str, pl.DataFrame]:
    """What the forecast at ``as_of`` may know besides the ledger."""
    return {"commitments": _commitments(as_of), "promise_history": _promise_history(as_of), "predicted": _predicted(as_of)}


def forecast_as_of(as_of: dt.date, *, weeks: int = 13, ledger: Ledger | None = None, use_predictions: bool = True) -> Forecast:
    """The forecast made with what was known at the end of ``as_of``."""
    if ledger is None:
        ledger = load_ledger(as_of=as_of)
    known = inputs_as_of(as_of)
    return forecast(
        ledger,
        as_of,
        weeks=weeks,
        predicted=known["predicted"] if use_predictions else None,
        commitments=known["commitments"],
        promise_history=known["promise_history"],
    )


def decimal(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-currency_exponent(currency))


def forecast_json(result: Forecast) -> dict[str, Any]:
    code = result.currency
    return {
        "as_of": result.as_of.isoformat(),
        "currency": code,
        "weeks": [
            {
                "start": w.start.isoformat(),
                "expected": str(decimal(w.expected, code)),
                "low": str(decimal(w.low, code)),
                "high": str(decimal(w.high, code)),
            }
            for w in result.weeks
        ],
    }


def forecast_frame(result: Forecast) -> pl.DataFrame:
    """One row per week, amounts as decimal text in major units (exact in CSV and XLSX)."""
    code = result.currency
    rows = [
        {
            "week": i,
            "start": w.start,
            "end": w.start + dt.timedelta(days=6),
            "currency": code,
            "expected": str(decimal(w.expected, code)),
            "low": str(decimal(w.low, code)),
            "high": str(decimal(w.high, code)),
        }
        for i, w in enumerate(result.weeks, start=1)
    ]
    return pl.DataFrame(rows)


def forecast_bytes(result: Forecast, fmt: str) -> bytes:
    """JSON, CSV or XLSX of the weekly forecast (formula-looking text neutralised)."""
    if fmt == "json":
        return json.dumps(forecast_json(result), indent=1).encode()
    frame = neutralise_formulas(forecast_frame(result), numeric=("expected", "low", "high"))
    if fmt == "csv":
        return frame.write_csv().encode()
    if fmt == "xlsx":
        # A second sheet with the expected receipts of every day (the weeks are their sums).
        code = result.currency
        days = result.days.select(
            pl.col("day"), pl.col("expected").map_elements(lambda v: str(decimal(v, code)), return_dtype=pl.String)
        )
        return xlsx_bytes({"forecast": frame, "days": days}, numeric=("expected", "low", "high"))
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def xlsx_bytes(sheets: dict[str, pl.DataFrame], *, numeric: tuple[str, ...] = ()) -> bytes:
    """A workbook with one sheet per frame; ``numeric`` decimal-text columns become numbers."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for name, frame in sheets.items():
        sheet = book.create_sheet(name[:31])
        sheet.append(frame.columns)
        idx = {i for i, c in enumerate(frame.columns) if c in numeric}
        for row in frame.iter_rows():
            sheet.append([Decimal(v) if i in idx and v not in (None, "") else v for i, v in enumerate(row)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def record_forecast(*, as_of: dt.date, now: dt.datetime, weeks: int = 13) -> list[ForecastWeek]:
    """Make the forecast at ``as_of`` and keep it (a second run the same day replaces it)."""
    result = forecast_as_of(as_of, weeks=weeks)
    with transaction.atomic():
        ForecastWeek.objects.filter(as_of=as_of).delete()
        rows = [
            ForecastWeek(
                as_of=as_of,
                week=i,
                start=w.start,
                currency=result.currency,
                expected=w.expected,
                low=w.low,
                high=w.high,
                made_at=now,
            )
            for i, w in enumerate(result.weeks, start=1)
        ]
        return ForecastWeek.objects.bulk_create(rows)
