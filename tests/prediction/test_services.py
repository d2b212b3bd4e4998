"""Training, scoring and the backtest command against the database (SQLite and PostgreSQL).

Inside the test transaction the Arrow loader cannot see the rows and reads through Django's
cursor instead (recoup.ledger.frames): expected, and the same frames either way.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from recoup.demo.services import load_demo_company
from recoup.ledger.models import Invoice
from recoup.prediction import selectors, services
from recoup.prediction.models import InvoicePrediction, PredictionModel

AS_OF = dt.date(2026, 6, 30)


def run(*args: str) -> dict:
    out = io.StringIO()
    call_command(*args, "--json", stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def demo(db) -> None:
    load_demo_company(customers=60, invoices=3000, seed=1, as_of=AS_OF)


def test_train_stores_the_model_and_scores_every_open_item(demo) -> None:
    result = run("train", "--as-of", AS_OF.isoformat())
    row = PredictionModel.objects.get()
    assert result["model_id"] == row.pk and not row.fallback
    assert row.cutoff == AS_OF + dt.timedelta(days=1)
    assert (Path(settings.DATA_DIR) / "models" / row.path).is_file()
    assert {"log_amount", "days_to_due", "avg_days_late", "segment", "customer_country", "invoice_channel"} <= set(row.features)
    assert row.metrics["mae_days"] < row.metrics["mae_days_global_median"]

    open_ids = set(Invoice.objects.filter(kind__in=("invoice", "debit_note"), open_amount__gt=0).values_list("id", flat=True))
    predictions = list(InvoicePrediction.objects.all())
    assert result["scored"] == len(predictions) == len(open_ids) > 0
    assert {p.invoice_id for p in predictions} == open_ids
    for p in predictions:
        assert p.model_id == row.pk and p.expected_pay_date > AS_OF
        assert 0 <= p.p_late <= 1 and 0 <= p.p_7 <= 1 and 0 <= p.p_30 <= 1
    some = predictions[0]
    assert some in selectors.predictions_for_customer(some.invoice.customer_id)

    # Scoring again replaces, never duplicates; a closed item loses its prediction.
    Invoice.objects.filter(pk=some.invoice_id).update(open_amount=0)
    assert services.score_open_items(as_of=AS_OF, now=timezone.now()) == len(open_ids)


@pytest.mark.parametrize("mode", ["issue", "open"])
def test_backtest_command_prints_the_design_contract(demo, mode: str) -> None:
    result = run("backtest", "--as-of", "2026-01-01", "--mode", mode, "--weeks", "4")
    assert result["n_test"] > 100 and not result["fallback"]
    assert set(result["baselines"]) == {"global_median", "customer_mean"}
    metric = "auc_late" if mode == "issue" else "auc_30"
    for block in (result["model"], *result["baselines"].values()):
        assert {"mae_days", metric} <= set(block)
    if mode == "open":
        assert len(result["model"]["wape_cash_by_week"]) == 4
    # Far better than the history-free guess on this ledger (the full comparison is in docs/prediction.md).
    assert result["model"]["mae_days"] < result["baselines"]["global_median"]["mae_days"]
    assert result["model"][metric] > result["baselines"]["global_median"][metric]


def test_a_ledger_without_history_gets_the_fallback(db) -> None:
    result = run("train", "--as-of", AS_OF.isoformat())
    assert result["fallback"] is True and result["scored"] == 0


def test_backtest_on_an_empty_ledger_is_a_clear_error(db) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="empty"):
        call_command("backtest", "--as-of", "2026-01-01")
