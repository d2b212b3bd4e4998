"""Reads: the model in use and the predictions shown beside open items."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from recoup.prediction.models import InvoicePrediction, PredictionModel


def models_dir() -> Path:
    return Path(settings.DATA_DIR) / "models"


def latest_model() -> PredictionModel | None:
    return PredictionModel.objects.order_by("-trained_at", "-id").first()


def predictions_for_customer(customer_id: int) -> list[InvoicePrediction]:
    """The open items' predictions of one customer, soonest expected payment first."""
    return list(
        InvoicePrediction.objects.filter(invoice__customer_id=customer_id)
        .select_related("invoice")
        .order_by("expected_pay_date", "invoice__invoice_ref")
    )


def predictions_by_invoice(invoice_ids: list[int]) -> dict[int, InvoicePrediction]:
    return {p.invoice_id: p for p in InvoicePrediction.objects.filter(invoice_id__in=invoice_ids)}
