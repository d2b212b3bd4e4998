"""The forecast parts of `recoup report` (the command module stays about the older reports):
`report forecast --as-of DATE [--weeks 13] [--format ...]` and `report forecast-backtest`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.core.management.base import CommandError, OutputWrapper

from recoup.ledger.frames import load_ledger
from recoup.reports import forecast_accuracy, forecasting


def print_forecast(
    as_of: dt.date, weeks: int, fmt: str, output: Path | None, stdout: OutputWrapper, stderr: OutputWrapper
) -> None:
    if not 1 <= weeks <= 52:
        raise CommandError(f"--weeks must be between 1 and 52, not {weeks}")
    result = forecasting.forecast_as_of(as_of, weeks=weeks)
    if fmt == "table":
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"Cash forecast as of {as_of:%Y-%m-%d} in {result.currency} (low–high: 10th–90th percentile)")
        for name in ("Week", "Start", "Expected", "Low", "High"):
            table.add_column(name, justify="right" if name in ("Expected", "Low", "High") else "left")
        for row in forecasting.forecast_frame(result).iter_rows(named=True):
            table.add_row(str(row["week"]), row["start"].isoformat(), row["expected"], row["low"], row["high"])
        Console(file=stdout, width=120).print(table)  # type: ignore[arg-type]  # OutputWrapper is a text stream
        return
    data = forecasting.forecast_bytes(result, fmt)
    emit(data, output, stdout, stderr)


def run_backtest(
    dates_text: str | None, count: int, weeks: int, output: Path | None, stdout: OutputWrapper, stderr: OutputWrapper
) -> None:
    ledger = load_ledger()
    try:
        dates = (
            [dt.date.fromisoformat(d.strip()) for d in dates_text.split(",") if d.strip()]
            if dates_text
            else forecast_accuracy.default_backtest_dates(ledger, count, weeks)
        )
    except ValueError as exc:
        raise CommandError(f"--dates: {exc} (expected YYYY-MM-DD,YYYY-MM-DD,…)") from exc
    result = forecast_accuracy.backtest(dates, weeks=weeks, ledger=ledger)
    emit(json.dumps(result, indent=1).encode(), output, stdout, stderr)


def emit(data: bytes, output: Path | None, stdout: OutputWrapper, stderr: OutputWrapper) -> None:
    if output is None:
        if data[:2] == b"PK":
            raise CommandError("--format xlsx needs --output FILE")
        stdout.write(data.decode(), ending="")
        return
    output.write_bytes(data)
    stderr.write(f"wrote {output}")
