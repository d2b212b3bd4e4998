"""`recoup backtest --as-of DATE [--mode issue|open] [--weeks N] [--json]` (DESIGN §6)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recoup.prediction import services


class Command(BaseCommand):
    help = (
        "Backtest payment prediction: train on what was known before --as-of, predict what came after, "
        "and compare with the global-median and customer-mean baselines (see docs/prediction.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=dt.date.fromisoformat, required=True, help="the cut-off, YYYY-MM-DD")
        parser.add_argument(
            "--mode",
            choices=("issue", "open"),
            default="issue",
            help="issue (default): predict each later invoice at its issue date; open: weekly snapshots of the open items",
        )
        parser.add_argument("--weeks", type=int, help="open mode: at most this many weekly snapshots (default: all)")
        parser.add_argument("--json", action="store_true", help="print the result as JSON on stdout")

    def handle(self, *args: Any, **opts: Any) -> None:
        as_of = opts["as_of"]
        if isinstance(as_of, str):
            as_of = dt.date.fromisoformat(as_of)
        if opts["weeks"] is not None and opts["weeks"] < 1:
            raise CommandError("--weeks must be at least 1")
        try:
            result = services.run_backtest(as_of=as_of, mode=opts["mode"], weeks=opts["weeks"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if opts["json"]:
            self.stdout.write(json.dumps(result))
            return
        self.stdout.write(
            f"backtest ({result['mode']} mode) from {result['as_of']} to {result['data_end']}: "
            f"trained on {result['n_train']} settled invoice(s), tested on {result['n_test']}"
            + (" — fallback model (too little history)" if result["fallback"] else "")
        )
        metrics = [k for k in result["model"] if k != "wape_cash_by_week"]
        self.stdout.write(f"  {'':<16}" + "".join(f"{m:>12}" for m in metrics))
        for name, block in [("model", result["model"]), *result["baselines"].items()]:
            cells = "".join(f"{'-' if block[m] is None else format(block[m], '.3f'):>12}" for m in metrics)
            self.stdout.write(f"  {name:<16}{cells}")
        for name, table in result.get("reliability", {}).items():
            self._reliability(name, table)

    def _reliability(self, name: str, table: dict[str, Any]) -> None:
        """Predicted probability bins against what happened (see backtest.reliability)."""

        def num(value: float | None) -> str:
            return "-" if value is None else f"{value:.3f}"

        self.stdout.write(
            f"reliability of {name}: {table['n']} predictions, observed rate {num(table['base_rate'])},"
            f" Brier {num(table['brier'])} (base rate alone {num(table['brier_base_rate'])}),"
            f" {table['certain']} predicted exactly 0 or 1"
        )
        self.stdout.write(f"  {'predicted':<12}{'n':>8}{'mean':>10}{'observed':>10}")
        for row in table["bins"]:
            label = f"{row['from']:.1f}–{row['to']:.1f}"
            self.stdout.write(f"  {label:<12}{row['n']:>8}{num(row['mean_predicted']):>10}{num(row['observed']):>10}")
