"""Call reviews: a senior's scorecard and coaching notes on one logged call."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from recoup.team.rules import CRITERIA, MAX_POINTS


class CallReview(models.Model):
    """One review of one call. Each criterion scores 0 (not done), 1 (partly) or 2 (done well)."""

    activity = models.OneToOneField("activities.Activity", on_delete=models.CASCADE, related_name="review")
    # Who made the call, kept here so "My feedback" is one indexed lookup and survives a
    # reassignment of the customer.
    collector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="call_reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    objective_stated = models.PositiveSmallIntegerField()
    tone = models.PositiveSmallIntegerField()
    documented = models.PositiveSmallIntegerField()
    follow_up_set = models.PositiveSmallIntegerField()
    outcome = models.PositiveSmallIntegerField()
    coaching_notes = models.TextField(blank=True)
    reviewed_at = models.DateTimeField()

    class Meta:
        ordering = ["-reviewed_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(**{f"{name}__lte": 2}), name=f"call_review_{name}_at_most_2")
            for name, _, _ in CRITERIA
        ]

    def __str__(self) -> str:
        return f"Review of call {self.activity_id}: {self.total}/{MAX_POINTS}"

    @property
    def total(self) -> int:
        return sum(int(getattr(self, name)) for name, _, _ in CRITERIA)

    def scores(self) -> list[tuple[str, int]]:
        return [(label, int(getattr(self, name))) for name, label, _ in CRITERIA]
