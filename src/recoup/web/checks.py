"""recoup's own deployment checks, run by `recoup check --deploy` beside Django's."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, register
from django.core.checks import Warning as CheckWarning


@register(Tags.security, deploy=True)
def https_is_told_by_the_proxy(app_configs: Any = None, **kwargs: Any) -> list[CheckWarning]:
    """`recoup serve` speaks plain HTTP: with HTTPS on, only the proxy can say a request came over TLS."""
    if settings.SECURE_SSL_REDIRECT and not getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        return [
            CheckWarning(
                "RECOUP_SECURE_COOKIES=1 redirects every plain-HTTP request to HTTPS, but RECOUP_BEHIND_PROXY is not set.",
                hint=(
                    "Behind a proxy or load balancer that ends TLS, set RECOUP_BEHIND_PROXY=1 and have the proxy set "
                    "X-Forwarded-Proto; otherwise every request looks like plain HTTP and is redirected again and again "
                    "(docs/deploy.md)."
                ),
                id="recoup.W001",
            )
        ]
    return []
