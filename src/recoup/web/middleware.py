from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from recoup.accounts.selectors import zone_of

log = logging.getLogger(__name__)

# Paths anyone may reach: the login page itself, static assets and the icon browsers ask for.
# The calendar feed authenticates by the secret token in its URL (calendar apps cannot log in).
# /shared/ is for outside stakeholders of a dispute: each page checks their link (recoup.disputes.links).
# /portal/ is the customers' own: each page checks their link (recoup.portal.services); the team's
# link actions are under /portal-links/, which is not public.
_PUBLIC_PREFIXES = ("/login/", "/static/", "/healthz", "/favicon.ico", "/calls/feed/", "/shared/", "/portal/")
# The API answers 401 itself (JSON, not a redirect to the login page); every endpoint requires auth.
_API_PREFIX = "/api/"


class LoginRequiredMiddleware:
    """Every page needs a login unless it is on the short public list: safe by default."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if (
            not request.user.is_authenticated
            and not path.startswith(_PUBLIC_PREFIXES)
            and not path.startswith(("/admin/", _API_PREFIX))
        ):
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return self.get_response(request)


class UserTimezoneMiddleware:
    """Times of things that happened (a call logged, a job run) in the signed-in user's own zone.

    Without it Django shows them in TIME_ZONE (UTC). A customer's clock is never shown this
    way: templates write those with ``in_zone`` in the customer's zone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            timezone.activate(zoneinfo.ZoneInfo(zone_of(request.user)))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class DatabaseBusyMiddleware:
    """A write that still finds the database locked after the busy timeout (SQLite, while a
    large import holds the write lock) is answered 503 with a page saying nothing was saved and
    to send it again, instead of a 500. The transaction was rolled back whole, so a retry is safe.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError) or "database is locked" not in str(exception):
            return None
        log.warning("database busy: %s %s answered 503 (%s)", request.method, request.path, exception)
        response = render(request, "web/busy.html", status=503)
        response["Retry-After"] = "15"
        return response
