"""`recoup createuser EMAIL --role ROLE`: add a user; the password is asked for, or read from RECOUP_NEW_PASSWORD."""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from recoup.accounts.models import Role, User


class Command(BaseCommand):
    help = "Add a recoup user with a role (collector, senior, manager, admin)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--role", choices=[r.value for r in Role], default=Role.COLLECTOR)
        parser.add_argument("--name", default="")

    def handle(self, *args: Any, **opts: Any) -> None:
        email = opts["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise CommandError(f"a user with e-mail {email} already exists")
        password = os.environ.get("RECOUP_NEW_PASSWORD") or getpass.getpass(f"password for {email}: ")
        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        first, _, last = opts["name"].partition(" ")
        admin = opts["role"] == Role.ADMIN
        User.objects.create_user(
            email=email,
            password=password,
            role=opts["role"],
            first_name=first,
            last_name=last,
            is_staff=admin,
            is_superuser=admin,
        )
        self.stdout.write(f"created {opts['role']} {email}")
