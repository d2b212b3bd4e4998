"""What every page's template may use: the signed-in user's own zone (``my_zone``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from recoup.accounts.selectors import zone_of


def recoup(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"my_zone": zone_of(user) if user is not None and user.is_authenticated else "UTC"}
