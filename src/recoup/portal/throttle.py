"""Rate limits for the public portal: per link and per address, counted in Django's cache.

Fixed windows: a counter per (scope, key, window number) that expires with its window. With
Redis (RECOUP_REDIS_URL) every server process shares the counts; with the default in-memory
cache each process counts alone, which still bounds one process's work per address and link
(docs/portal.md). Keys are hashed: neither a token nor an address is written into the cache.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def limits() -> dict[str, tuple[int, int]]:
    """scope → (requests, seconds), from RECOUP_PORTAL_RATE_LIMITS."""
    return {scope: (int(n), int(seconds)) for scope, (n, seconds) in settings.RECOUP_PORTAL_RATE_LIMITS.items()}


def allow(scope: str, key: str, *, at: float | None = None) -> bool:
    """Count one request of ``key`` in ``scope``; False once the scope's limit is passed."""
    most, seconds = limits()[scope]
    window = int((time.time() if at is None else at) // seconds)
    digest = hashlib.sha256(f"{scope}:{key}".encode()).hexdigest()[:40]
    name = f"portal:rate:{scope}:{digest}:{window}"
    cache.add(name, 0, timeout=seconds + 5)
    try:
        count = cache.incr(name)
    except ValueError:
        # Expired between add and incr: this request starts the window.
        cache.set(name, 1, timeout=seconds + 5)
        count = 1
    return count <= most


def client_address(request: HttpRequest) -> str:
    """The caller's address: the connection's, or behind a proxy we run (RECOUP_BEHIND_PROXY) the
    last one in X-Forwarded-For, which that proxy appended (earlier ones the client may have made up)."""
    if settings.RECOUP_BEHIND_PROXY:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            return forwarded[-1]
    return str(request.META.get("REMOTE_ADDR", ""))
