"""Creating users: the one place that knows how a recoup user is made and which roles exist."""

from __future__ import annotations

from django.db import transaction

from recoup.accounts.models import Role, User

DEMO_DOMAIN = "demo.recoup.example"

# (local part, role, first name, last name, staff, superuser)
_DEMO_USERS: tuple[tuple[str, Role, str, str, bool, bool], ...] = (
    ("admin", Role.ADMIN, "Alex", "Admin", True, True),
    ("manager", Role.MANAGER, "Morgan", "Reyes", False, False),
    ("senior", Role.SENIOR, "Sam", "Okafor", False, False),
    ("collector1", Role.COLLECTOR, "Casey", "Lindqvist", False, False),
    ("collector2", Role.COLLECTOR, "Jordan", "Banerjee", False, False),
    ("collector3", Role.COLLECTOR, "Riley", "Moreau", False, False),
    ("collector4", Role.COLLECTOR, "Taylor", "Nakamura", False, False),
)


def create_user(
    *,
    email: str,
    password: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
) -> User:
    """Create a user who signs in with `email`; `role` must be one of `Role`."""
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(Role.values)}")
    return User.objects.create_user(
        email=email,
        password=password,
        role=role,
        first_name=first_name,
        last_name=last_name,
        is_staff=is_staff,
        is_superuser=is_superuser,
    )


def demo_user_emails() -> list[str]:
    return [f"{local}@{DEMO_DOMAIN}" for local, *_ in _DEMO_USERS]


@transaction.atomic
def ensure_demo_users(password: str) -> list[User]:
    """The demo logins (admin, manager, senior, four collectors); existing ones are left as they are.

    Idempotent so `recoup demo` can run again; a password someone changed on purpose is kept.
    """
    users: list[User] = []
    for local, role, first, last, staff, superuser in _DEMO_USERS:
        email = f"{local}@{DEMO_DOMAIN}"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = create_user(
                email=email,
                password=password,
                role=role,
                first_name=first,
                last_name=last,
                is_staff=staff,
                is_superuser=superuser,
            )
        users.append(user)
    return users
