"""`recoup report aging|dso|cei|disputes|forecast|forecast-backtest --as-of DATE [--from DATE] [--by ...] [--format ...]`.

The forecast's two (docs/forecast.md) live in recoup.reports.forecast_cli."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recoup.kernel.money import Money, UnknownCurrency, format_money
from recoup.ledger import clock
from recoup.ledger.exports import write
from recoup.reports import disputes, forecast_cli, selectors

REPORTS = ("aging", "dso", "cei", "disputes", "forecast", "forecast-backtest")
FORMATS = ("table", "csv", "xlsx", "json")
KPI_LABELS = {
    "dso": "DSO (standard)",
    "dso_countback": "DSO (count-back)",
    "best_possible_dso": "Best possible DSO",
    "add": "ADD",
    "cei": "CEI %",
}
REPORT_KPIS = {"dso": ("dso", "dso_countback", "best_possible_dso", "add"), "cei": ("cei",)}


class Command(BaseCommand):
    help = "Receivables reports: aging buckets, DSO (standard, count-back, best possible, ADD), CEI and disputes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("report", choices=REPORTS)
        parser.add_argument("--as-of", type=dt.date.fromisoformat, help="report date, YYYY-MM-DD (default today)")
        parser.add_argument(
            "--from",
            dest="start",
            type=dt.date.fromisoformat,
            help=f"first day of the DSO/CEI period (default: as-of − {selectors.DEFAULT_PERIOD_DAYS - 1} days;"
            f" disputes: − {disputes.DEFAULT_PERIOD_DAYS - 1} days)",
        )
        parser.add_argument(
            "--part", choices=disputes.PARTS, default="aging", help="disputes as CSV: which table (default aging)"
        )
        parser.add_argument("--by", choices=selectors.GROUPINGS, default="customer", help="aging rows per (default customer)")
        parser.add_argument("--currency", help="only items in this currency")
        parser.add_argument("--home", action="store_true", help="convert to the home currency (RECOUP_HOME_CURRENCY) at FX rates")
        parser.add_argument("--format", choices=FORMATS, default="table")
        parser.add_argument("--weeks", type=int, default=13, help="forecast: weeks ahead (default 13)")
        parser.add_argument("--dates", help="forecast-backtest: as-of dates, YYYY-MM-DD,… (default: --count weekly dates)")
        parser.add_argument("--count", type=int, default=10, help="forecast-backtest: how many weekly as-of dates (default 10)")
        parser.add_argument("--output", "-o", type=Path, help="file to write (default standard output; required for xlsx)")

    def handle(self, *args: Any, **opts: Any) -> None:
        fmt = opts["format"]
        if fmt == "xlsx" and opts["output"] is None:
            raise CommandError("--format xlsx needs --output FILE")
        as_of = opts["as_of"] or clock.today()
        currency = opts["currency"].upper() if opts["currency"] else None
        try:
            if opts["report"] == "forecast":
                forecast_cli.print_forecast(as_of, opts["weeks"], fmt, opts["output"], self.stdout, self.stderr)
            elif opts["report"] == "forecast-backtest":
                forecast_cli.run_backtest(opts["dates"], opts["count"], opts["weeks"], opts["output"], self.stdout, self.stderr)
            elif opts["report"] == "disputes":
                self._disputes(disputes.dispute_report(as_of, opts["start"]), fmt, opts["part"], opts["output"])
            elif opts["report"] == "aging":
                self._aging(as_of, opts["by"], opts["home"], currency, fmt, opts["output"])
            else:
                start = opts["start"] or selectors.default_period_start(as_of)
                self._kpis(opts["report"], start, as_of, opts["home"], currency, fmt, opts["output"])
        except selectors.MissingRate as exc:
            raise CommandError(f"{exc}; import rates with `recoup fx_import FILE`") from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc

    def _aging(self, as_of: dt.date, by: str, home: bool, currency: str | None, fmt: str, output: Path | None) -> None:
        report = selectors.aging_report(as_of, by=by, home=home, currency=currency)
        if fmt == "json":
            self._emit(
                json.dumps(selectors.aging_json(report, selectors.home_currency()), indent=1, default=str).encode(), output
            )
        elif fmt == "table":
            self._table(
                f"Aging as of {as_of:%Y-%m-%d} by {by}" + (f" in {selectors.home_currency()}" if home else ""),
                report.frame,
                totals=report.totals,
            )
        else:
            frame = report.frame.drop("customer_id", strict=False)
            self._emit(write(selectors.as_decimal_columns(frame), fmt, output), output)

    def _disputes(self, report: disputes.DisputeReport, fmt: str, part: str, output: Path | None) -> None:
        if fmt == "table":
            disputes.print_tables(report, self.stdout)
            return
        writers = {"json": disputes.json_bytes, "xlsx": disputes.xlsx_bytes}
        data = writers[fmt](report) if fmt in writers else disputes.csv_bytes(report, part)
        if output is not None and fmt != "json":
            output.write_bytes(data)
            self.stderr.write(f"wrote {output}")
            return
        self._emit(data, output)

    def _kpis(
        self, name: str, start: dt.date, end: dt.date, home: bool, currency: str | None, fmt: str, output: Path | None
    ) -> None:
        report = selectors.kpi_report(start, end, home=home, currency=currency)
        names = REPORT_KPIS[name]
        if fmt == "json":
            data = selectors.kpi_json(report, name)
            data["currencies"] = {c: {k: v[k] for k in names} for c, v in data["currencies"].items()}
            self._emit(json.dumps(data, indent=1).encode(), output)
        elif fmt == "table":
            from rich.console import Console
            from rich.table import Table

            table = Table(title=f"{name.upper()} for {start:%Y-%m-%d} … {end:%Y-%m-%d} ({(end - start).days + 1} days)")
            table.add_column("Currency")
            for key in names:
                table.add_column(KPI_LABELS[key], justify="right")
            for code, values in report.by_currency.items():
                table.add_row(code, *("–" if values[k] is None else str(values[k]) for k in names))
            console = Console(file=self.stdout, width=200)  # type: ignore[arg-type]  # OutputWrapper is a text stream
            console.print(table)
        else:
            self._emit(write(selectors.kpi_frame(report, names), fmt, output), output)

    def _table(self, title: str, frame: Any, *, totals: Any) -> None:
        from rich.console import Console
        from rich.table import Table

        keys = [c for c in frame.columns if c not in selectors.AMOUNTS and c != "customer_id"]
        table = Table(title=title, show_footer=False)
        for key in keys:
            table.add_column(key.replace("_", " "))
        for amount in selectors.AMOUNTS:
            table.add_column(amount.replace("_", " "), justify="right")
        for row in frame.iter_rows(named=True):
            table.add_row(*(_text(row[k]) for k in keys), *(_money(row[a], row["currency"]) for a in selectors.AMOUNTS))
        for row in totals.iter_rows(named=True):
            cells = ["Total" if i == 0 else (row["currency"] if k == "currency" else "") for i, k in enumerate(keys)]
            table.add_row(*cells, *(_money(row[a], row["currency"]) for a in selectors.AMOUNTS), style="bold", end_section=False)
        console = Console(file=self.stdout, width=240)  # type: ignore[arg-type]  # OutputWrapper is a text stream
        console.print(table)

    def _emit(self, data: bytes, output: Path | None) -> None:
        if output is None:
            # CSV and JSON are text (XLSX always has --output): through self.stdout, so
            # call_command(stdout=...) captures it like any other command's output.
            self.stdout.write(data.decode(), ending="")
            return
        # ledger.exports.write has already written CSV/XLSX; JSON is written here.
        output.write_bytes(data)
        self.stderr.write(f"wrote {output}")


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _money(minor: int | None, currency: str) -> str:
    if minor is None:
        return ""
    try:
        return format_money(Money(int(minor), currency))
    except UnknownCurrency:
        return f"{minor} {currency}"
