"""`recoup train [--as-of DATE] [--mode open|issue] [--no-score] [--json]`."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from recoup.ledger import clock
from recoup.prediction import services


class Command(BaseCommand):
    help = "Train the payment-prediction model on the ledger, then score every open item."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as-of", type=dt.date.fromisoformat, help="last day whose facts are used, YYYY-MM-DD (default today)"
        )
        parser.add_argument(
            "--mode",
            choices=("open", "issue"),
            default="open",
            help="open (default): learns from invoices at every age, for scoring open items; issue: at issue date only",
        )
        parser.add_argument("--no-score", action="store_true", help="train only; leave the open items' predictions as they are")
        parser.add_argument("--json", action="store_true", help="print the result as JSON on stdout")

    def handle(self, *args: Any, **opts: Any) -> None:
        as_of = opts["as_of"]
        if isinstance(as_of, str):  # call_command passes options through without parsing them
            as_of = dt.date.fromisoformat(as_of)
        # The command line is the edge where "today" and "now" are decided.
        as_of = as_of or clock.today()
        now = timezone.now()
        row = services.train(as_of=as_of, now=now, mode=opts["mode"])
        scored = None if opts["no_score"] else services.score_open_items(as_of=as_of, now=now, model=row)
        result = {
            "model_id": row.pk,
            "cutoff": row.cutoff.isoformat(),
            "mode": row.mode,
            "fallback": row.fallback,
            "path": row.path,
            "features": row.features,
            "metrics": row.metrics,
            "scored": scored,
        }
        if opts["json"]:
            self.stdout.write(json.dumps(result))
            return
        kind = "fallback (too little history: global median and base rates)" if row.fallback else "gradient-boosted trees"
        self.stdout.write(f"model {row.pk}: {kind}, trained on facts before {row.cutoff:%Y-%m-%d}")
        for key, value in row.metrics.items():
            self.stdout.write(f"  {key:<28} {value:.3f}" if isinstance(value, float) else f"  {key:<28} {value}")
        if scored is not None:
            self.stdout.write(f"scored {scored} open item(s)")
