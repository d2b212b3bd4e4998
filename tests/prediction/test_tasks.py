"""Background jobs of prediction (huey) and their wiring: scoring when books change ("customer
changed"), the nightly retrain, `recoup worker` and the worker beside `recoup serve`. SQLite and
PostgreSQL.

The suite runs huey in immediate mode (RECOUP_HUEY_IMMEDIATE=1, tests/conftest.py): a task
runs inline, in memory, when it is enqueued. The event is heard on commit, which a test
transaction never reaches, so the tests capture the on-commit callbacks and run them.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import subprocess
import sys
import time

import polars as pl
import pytest
from django.conf import settings

from recoup import cli
from recoup.demo.services import load_demo_company
from recoup.imports.errors import ImportRejected
from recoup.imports.services import import_frame
from recoup.ledger import clock
from recoup.ledger.events import CustomersChanged, customer_changed
from recoup.ledger.models import Customer, Invoice
from recoup.prediction.models import InvoicePrediction, PredictionModel
from recoup.prediction.tasks import retrain_task, score_open_items_task
from recoup.web.management.commands.serve import supervise


def open_invoice_ids() -> set[int]:
    return set(Invoice.objects.filter(kind__in=("invoice", "debit_note"), open_amount__gt=0).values_list("id", flat=True))


def invoices(customer_ref: str, *rows: tuple[str, str, str]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "invoice_ref": [r[0] for r in rows],
            "customer_ref": [customer_ref] * len(rows),
            "issue_date": [r[1] for r in rows],
            "amount": [r[2] for r in rows],
        }
    )


def test_huey_runs_inline_in_tests_and_on_sqlite_or_redis_otherwise(tmp_path) -> None:
    from huey.contrib.djhuey import HUEY

    assert HUEY.immediate and settings.HUEY["huey_class"] == "huey.SqliteHuey"

    def configured(**env: str) -> dict:
        clean = {k: v for k, v in os.environ.items() if not k.startswith("RECOUP_")}
        code = "import json, recoup.settings as s; print(json.dumps(s.HUEY))"
        out = subprocess.run(
            [sys.executable, "-c", code],
            env={**clean, "RECOUP_DATA_DIR": str(tmp_path), "RECOUP_SECRET_KEY": "x" * 50, **env},
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(out.stdout)

    embedded = configured()
    assert embedded["huey_class"] == "huey.SqliteHuey" and not embedded["immediate"]
    assert embedded["filename"] == str(tmp_path / "huey.sqlite3")
    team = configured(RECOUP_REDIS_URL="redis://queue.internal:6379/0")
    assert team["huey_class"] == "huey.RedisHuey" and team["url"] == "redis://queue.internal:6379/0"
    assert "filename" not in team


def test_scoring_without_a_model_does_nothing_and_says_so(db, caplog) -> None:
    with caplog.at_level(logging.INFO, logger="recoup.prediction.tasks"):
        assert score_open_items_task.call_local() is None
    assert "no prediction model yet" in caplog.text
    assert not PredictionModel.objects.exists() and not InvoicePrediction.objects.exists()


def test_nightly_retrain_then_every_invoice_import_rescores(db, django_capture_on_commit_callbacks) -> None:
    today = clock.today()
    load_demo_company(customers=40, invoices=1500, seed=2, as_of=today)

    result = retrain_task.call_local()
    model = PredictionModel.objects.get()
    assert result == {"model_id": model.pk, "fallback": model.fallback, "scored": len(open_invoice_ids())}
    assert model.cutoff == today + dt.timedelta(days=1)  # the ledger as of today, decided at the task edge
    assert {p.invoice_id for p in InvoicePrediction.objects.all()} == open_invoice_ids()

    customer = Customer.objects.order_by("id").first()
    assert customer is not None
    frame = invoices(customer.customer_ref, ("TASK-1", today.isoformat(), "1200.00"), ("TASK-2", today.isoformat(), "80.50"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        import_frame("invoices", frame, actor_label="test")
    # The import's change, then the scoring's own ("prediction", which the worklist follows).
    assert len(callbacks) == 2
    new = set(Invoice.objects.filter(invoice_ref__in=["TASK-1", "TASK-2"]).values_list("id", flat=True))
    predicted = {p.invoice_id: p for p in InvoicePrediction.objects.all()}
    assert len(new) == 2 and new <= set(predicted)
    assert set(predicted) == open_invoice_ids()
    assert all(predicted[i].model_id == model.pk and predicted[i].expected_pay_date > today for i in new)


def test_only_applied_imports_that_change_books_rescore(db, django_capture_on_commit_callbacks, monkeypatch) -> None:
    from recoup.prediction import services

    scored: list[object] = []
    monkeypatch.setattr(services, "score_customers", lambda ids, **kw: scored.append(sorted(ids)) or 0)
    heard: list[CustomersChanged] = []
    customer_changed.connect(lambda sender, change, **kw: heard.append(change), dispatch_uid="test-heard", weak=False)
    try:
        retrain_task.call_local()  # a model exists: scoring has something to score with
        with django_capture_on_commit_callbacks(execute=True):
            import_frame("customers", pl.DataFrame({"customer_ref": ["A"], "name": ["Alpha"]}), actor_label="test")
        assert [h.kinds for h in heard] == [frozenset({"customer"})] and scored == []  # no open item changed

        with django_capture_on_commit_callbacks() as callbacks:
            import_frame("invoices", invoices("A", ("D-1", "2026-01-01", "10.00")), actor_label="test", dry_run=True)
        assert callbacks == []

        with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ImportRejected):
            import_frame("invoices", invoices("A", ("R-1", "2026-13-01", "10.00")), actor_label="test")
        assert callbacks == []

        with django_capture_on_commit_callbacks(execute=True):
            import_frame("invoices", invoices("A", ("OK-1", "2026-01-01", "10.00")), actor_label="test")
        alpha = Customer.objects.get(customer_ref="A").pk
        assert heard[-1] == CustomersChanged(frozenset({alpha}), frozenset({"ledger"}))
        assert scored == [[alpha]]
    finally:
        customer_changed.disconnect(dispatch_uid="test-heard")


def test_retrain_runs_nightly_at_half_past_two() -> None:
    periodic = retrain_task.s()
    assert periodic.validate_datetime(dt.datetime(2026, 3, 4, 2, 30))
    assert not periodic.validate_datetime(dt.datetime(2026, 3, 4, 2, 31))
    assert not periodic.validate_datetime(dt.datetime(2026, 3, 4, 14, 30))


def test_worker_is_hueys_consumer_and_serve_can_leave_it_out() -> None:
    assert cli.COMMANDS["worker"][0] == "run_huey"
    from recoup.web.management.commands.serve import Command

    parser = Command().create_parser("recoup", "serve")
    assert parser.parse_args(["--no-worker"]).no_worker is True
    assert parser.parse_args([]).no_worker is False


def test_serve_stops_the_other_child_when_one_exits() -> None:
    said: list[str] = []
    started = time.monotonic()
    code = supervise(
        {
            "web server": [sys.executable, "-c", "import time; time.sleep(60)"],
            "worker": [sys.executable, "-c", "import time, sys; time.sleep(0.3); sys.exit(3)"],
        },
        said.append,
    )
    assert code == 3 and said == ["worker exited with status 3; stopping the rest"]
    assert time.monotonic() - started < 20  # the sleeping web server was terminated, not waited for
