"""Calendar-feed tokens: the secret that lets a calendar app read a collector's follow-ups."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models


class FeedToken(models.Model):
    """The secret in a user's iCalendar feed URL (calendar apps cannot log in)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_token")
    token = models.CharField(max_length=64, unique=True, default=secrets.token_urlsafe)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"feed token of {self.user_id}"
