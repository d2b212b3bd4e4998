"""The first `make run`: `recoup init --demo` has the server's pages ready without waiting for
the payment-prediction model, which the worker trains afterwards (issue 10: the first page in
90 s); and static files are compressed once, not at every server start.
"""

from __future__ import annotations

import io
import os
import time

import pytest
from django.core.management import call_command
from django.urls import reverse

from recoup.accounts.models import User
from recoup.ledger.models import Invoice
from recoup.prediction.models import InvoicePrediction, PredictionModel
from recoup.worklist.models import WorklistEntry

PENDING = "Predictions pending"


def run_the_worker(huey) -> list[str]:  # type: ignore[no-untyped-def]
    """What `recoup worker` does, in this process: every queued task in order, a pipeline's next
    step queued when its task succeeds, until the queue is empty."""
    ran = []
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran.append(task.name.rsplit(".", 1)[-1])
    return ran


@pytest.fixture
def queued_huey():  # type: ignore[no-untyped-def]
    """huey as `recoup serve` has it: tasks wait in the queue for a worker."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = False
    HUEY.flush()
    yield HUEY
    HUEY.flush()
    HUEY.immediate = True


@pytest.mark.slow
def test_init_demo_leaves_training_to_the_worker_and_the_pages_say_predictions_pending(
    transactional_db, queued_huey, client, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    out = io.StringIO()
    call_command("init", "--demo", "--customers", "40", "--invoices", "1500", stdout=out)

    assert not PredictionModel.objects.exists()
    assert WorklistEntry.objects.exists()  # today's calls from the first login
    assert "predictions pending" in out.getvalue()
    assert "retrain_task" in " ".join(task.name for task in queued_huey.pending())

    client.force_login(User.objects.get(email="manager@demo.recoup.example"))
    customer = Invoice.objects.filter(kind="invoice", open_amount__gt=0).order_by("id").first().customer
    pages = [reverse("customer-detail", args=[customer.pk]), reverse("calls-prep", args=[customer.pk]), reverse("worklist")]
    for url in pages:
        page = client.get(url)
        assert page.status_code == 200 and PENDING in page.content.decode(), url

    ran = run_the_worker(queued_huey)
    assert "rebuild_after_change_task" in ran[ran.index("retrain_task") + 1 :], ran

    model = PredictionModel.objects.get()
    open_ids = set(Invoice.objects.filter(kind__in=("invoice", "debit_note"), open_amount__gt=0).values_list("id", flat=True))
    assert set(InvoicePrediction.objects.filter(model=model).values_list("invoice_id", flat=True)) == open_ids
    # The rebuild behind the training carries the predicted pay dates into today's list.
    assert WorklistEntry.objects.exclude(predicted_pay_date=None).exists()
    for url in pages:
        assert PENDING not in client.get(url).content.decode(), url


def test_static_files_are_compressed_once_and_again_only_when_changed(tmp_path, settings, monkeypatch) -> None:
    import whitenoise.compress

    compressed: list[str] = []
    original = whitenoise.compress.Compressor.compress

    def counting(self, path):  # type: ignore[no-untyped-def]
        compressed.append(path)
        return original(self, path)

    monkeypatch.setattr(whitenoise.compress, "brotli_installed", False)  # gzip alone: the test is about when, not how
    monkeypatch.setattr(whitenoise.compress.Compressor, "compress", counting)
    settings.STATIC_ROOT = tmp_path
    assert settings.STORAGES["staticfiles"]["BACKEND"] == "recoup.web.staticfiles.IncrementalCompressedStaticFilesStorage"

    call_command("collectstatic", interactive=False, verbosity=0)
    first = len(compressed)
    assert first > 50 and any(p.endswith("admin/css/base.css") for p in compressed)

    compressed.clear()
    call_command("collectstatic", interactive=False, verbosity=0)
    assert compressed == []  # what `recoup serve` runs at every start: nothing to compress

    changed = tmp_path / "admin" / "css" / "base.css"
    later = time.time() + 5
    os.utime(changed, (later, later))  # as collectstatic leaves a source that changed: copied anew
    call_command("collectstatic", interactive=False, verbosity=0)
    assert compressed == [str(changed)]
    assert (tmp_path / "admin" / "css" / "base.css.gz").stat().st_mtime == changed.stat().st_mtime
