"""Trained payment-prediction models and the latest prediction per open invoice."""

from __future__ import annotations

from django.db import models


class PredictionModel(models.Model):
    """One training run: the file under RECOUP_DATA_DIR/models and what it was trained on."""

    trained_at = models.DateTimeField()
    cutoff = models.DateField(help_text="Trained on facts dated before this day only")
    mode = models.CharField(max_length=8, default="open", help_text="issue: predicts at issue date; open: at any age")
    features = models.JSONField(default=list)
    metrics = models.JSONField(default=dict, help_text="Time-ordered validation metrics")
    fallback = models.BooleanField(default=False, help_text="Too little history: global median and base rates")
    path = models.CharField(max_length=500, help_text="Relative to RECOUP_DATA_DIR/models")

    class Meta:
        ordering = ["-trained_at", "-id"]
        get_latest_by = ["trained_at", "id"]

    def __str__(self) -> str:
        return f"model {self.pk} (cut-off {self.cutoff:%Y-%m-%d}, {self.mode})"


class InvoicePrediction(models.Model):
    """When an open invoice is expected to be paid and how likely it is to be late.

    Probabilities are model outputs, not money: floats are fine here.
    """

    invoice = models.OneToOneField("ledger.Invoice", on_delete=models.CASCADE, related_name="prediction")
    expected_pay_date = models.DateField()
    p_late = models.FloatField(help_text="P(paid after the due date)")
    p_7 = models.FloatField(help_text="P(not paid within 7 days)")
    p_30 = models.FloatField(help_text="P(not paid within 30 days)")
    model = models.ForeignKey(PredictionModel, on_delete=models.CASCADE, related_name="predictions")
    scored_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"invoice {self.invoice_id}: {self.expected_pay_date:%Y-%m-%d}, p_late {self.p_late:.2f}"
