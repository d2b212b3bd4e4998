"""Call scripts per objective and objection-handling snippets, written by managers (C12).

Bodies are Jinja templates rendered in a sandbox (recoup.playbook.rendering); they are only
saved through recoup.playbook.services, which validates them and records an audit event.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from recoup.worklist.rules import OBJECTIVES

OBJECTIVE_CHOICES = list(OBJECTIVES.items())


class CallScript(models.Model):
    objective = models.CharField(max_length=40, choices=OBJECTIVE_CHOICES)
    # BCP 47 tag ("en", "en-GB", "de"); selectors fall back to "en".
    language = models.CharField(max_length=35, default="en")
    title = models.CharField(max_length=200)
    body = models.TextField()
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["objective", "language"]
        constraints = [models.UniqueConstraint(fields=["objective", "language"], name="playbook_script_objective_language")]

    def __str__(self) -> str:
        return f"{self.title} ({self.objective}, {self.language})"


class Snippet(models.Model):
    """What to say when the customer raises an objection ("We never received it")."""

    title = models.CharField(max_length=200)
    language = models.CharField(max_length=35, default="en")
    body = models.TextField()
    position = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["language", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["language", "title"], name="playbook_snippet_language_title")]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"
