"""Who is who: the people who take calls, and what a role may do. The one place that knows.

Views and services ask these instead of comparing role strings themselves.
"""

from __future__ import annotations

import zoneinfo
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from recoup.accounts.models import Role, User

CALLER_ROLES = (Role.COLLECTOR, Role.SENIOR)


def active_collectors() -> QuerySet[User]:
    """Active users who take calls (collectors and senior collectors), by name."""
    return User.objects.filter(role__in=CALLER_ROLES, is_active=True).order_by("first_name", "last_name", "email")


def role_of(user: Any) -> str:
    if getattr(user, "is_superuser", False):
        return Role.ADMIN
    return str(getattr(user, "role", "") or "")


def is_manager(user: Any) -> bool:
    """Managers and administrators: strategies, scripts, reports of the whole team, jobs."""
    return role_of(user) in (Role.MANAGER, Role.ADMIN)


def is_senior_or_above(user: Any) -> bool:
    """Seniors, managers and administrators: approvals, reassignment, every collector's list."""
    return role_of(user) in (Role.SENIOR, Role.MANAGER, Role.ADMIN)


def sees_whole_team(user: Any) -> bool:
    """Whether lists show every customer, not only the user's portfolio and the shared pool."""
    return is_senior_or_above(user)


def applies_cash(user: Any) -> bool:
    """Collectors, seniors, managers and administrators: bank statements and the exceptions queue."""
    return role_of(user) in (Role.COLLECTOR, Role.SENIOR, Role.MANAGER, Role.ADMIN)


def takes_calls(user: Any) -> bool:
    return role_of(user) in CALLER_ROLES


def zone_of(user: Any) -> str:
    """The zone a user's own clock is shown in: theirs when set (and known), else the company's."""
    zone = str(getattr(user, "timezone", "") or "")
    if zone:
        try:
            zoneinfo.ZoneInfo(zone)
            return zone
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return str(settings.RECOUP_DEFAULT_TIMEZONE)
