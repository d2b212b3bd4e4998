from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models


class Role(models.TextChoices):
    COLLECTOR = "collector", "Collector"
    SENIOR = "senior", "Senior collector"
    MANAGER = "manager", "Manager"
    ADMIN = "admin", "Administrator"


class RecoupUserManager(UserManager["User"]):
    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:  # type: ignore[override]
        extra.setdefault("username", email)
        return super().create_user(email=email, password=password, **extra)  # type: ignore[arg-type]

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:  # type: ignore[override]
        extra.setdefault("username", email)
        extra.setdefault("role", Role.ADMIN)
        return super().create_superuser(email=email, password=password, **extra)  # type: ignore[arg-type]


class User(AbstractUser):
    """A person who logs in. Signs in with an e-mail address; the role decides what they may do."""

    email = models.EmailField(unique=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.COLLECTOR)
    # Blank: the company's zone (RECOUP_DEFAULT_TIMEZONE). Pages show the user's own clock in it.
    timezone = models.CharField(max_length=64, blank=True, default="", help_text="IANA zone, e.g. Europe/Berlin")
    daily_capacity = models.PositiveIntegerField(default=40, help_text="Calls per day this collector can make.")

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["username"]

    objects = RecoupUserManager()  # type: ignore[misc]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @property
    def is_manager(self) -> bool:
        return self.role in (Role.MANAGER, Role.ADMIN) or self.is_superuser


class ApiToken(models.Model):
    """A personal API token. Only a hash of it is kept: shown once when made, never again.

    The token reads ``rcp_<prefix>_<secret>``; the prefix is public (it finds the row and names
    the token on its owner's page), the hash is SHA-256 of the whole token. A token of high
    entropy needs no slow hash: nobody can guess 256 random bits, however fast they hash.
    """

    class Scope(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Write"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    # Comma-separated Scope values, e.g. "read,write".
    scopes = models.CharField(max_length=40, default=Scope.READ)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"rcp_{self.prefix}… ({self.scopes})"

    @property
    def scope_list(self) -> list[str]:
        return [s for s in self.scopes.split(",") if s]

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
