from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from recoup.accounts.selectors import zone_of

# Paths anyone may reach: the login page itself and static assets.
# The calendar feed authenticates by the secret token in its URL (calendar apps cannot log in).
# /shared/ is for outside stakeholders of a dispute: each page checks their link (recoup.disputes.links).
_PUBLIC_PREFIXES = ("/login/", "/static/", "/healthz", "/calls/feed/", "/shared/")
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
