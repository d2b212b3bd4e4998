from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse

# Paths anyone may reach: the login page itself, static assets and the icon browsers ask for.
# The calendar feed authenticates by the secret token in its URL (calendar apps cannot log in).
_PUBLIC_PREFIXES = ("/login/", "/static/", "/healthz", "/favicon.ico", "/calls/feed/")
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
