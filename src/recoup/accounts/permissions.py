"""Role checks that stop a request: raise PermissionDenied with a sentence the error page shows."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from recoup.accounts import selectors


def require_manager(user: Any, action: str) -> None:
    """Only managers (and administrators) may ``action`` ("edit strategies")."""
    if not selectors.is_manager(user):
        raise PermissionDenied(f"Only managers {action}.")


def require_senior(user: Any, action: str) -> None:
    """Only seniors, managers and administrators may ``action`` ("approve offers")."""
    if not selectors.is_senior_or_above(user):
        raise PermissionDenied(f"Only senior collectors and managers {action}.")


def require_cash_application(user: Any, action: str) -> None:
    """Collectors and above may ``action`` ("import bank statements", "apply payments")."""
    if not selectors.applies_cash(user):
        raise PermissionDenied(f"Only collectors, seniors and managers {action}.")
