"""`recoup token create EMAIL --scopes read,write [--name NAME]`: a personal API token, printed once.

`recoup token list EMAIL` shows a user's tokens (never their secrets); `recoup token revoke PREFIX`
revokes one.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from recoup.accounts import tokens
from recoup.accounts.models import ApiToken, User
from recoup.web.tokens import create_token, revoke_token


class Command(BaseCommand):
    help = "Create, list or revoke personal API tokens (docs/api.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="make a token for EMAIL and print it (once)")
        create.add_argument("email")
        create.add_argument("--scopes", default="read", help="read, or read,write")
        create.add_argument("--name", default="")
        listing = sub.add_parser("list", help="a user's tokens")
        listing.add_argument("email")
        revoke = sub.add_parser("revoke", help="revoke the token with this prefix (rcp_PREFIX_…)")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **opts: Any) -> None:
        now = timezone.now()
        if opts["action"] == "revoke":
            prefix = opts["prefix"].removeprefix("rcp_").split("_")[0]
            token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
            if token is None:
                raise CommandError(f"no token with prefix {prefix}")
            revoke_token(actor=None, token=token, now=now)
            self.stdout.write(f"revoked rcp_{token.prefix}_… of {token.user.email}")
            return
        user = User.objects.filter(email__iexact=opts["email"].strip()).first()
        if user is None:
            raise CommandError(f"no user with e-mail {opts['email']}")
        if opts["action"] == "list":
            for token in tokens.tokens_of(user):
                state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "active"
                self.stdout.write(f"rcp_{token.prefix}_…  {token.scopes:<10} {state:<18} {token.name}")
            return
        try:
            issued = create_token(actor=None, user=user, scopes=opts["scopes"].split(","), name=opts["name"], now=now)
        except tokens.TokenError as exc:
            raise CommandError(str(exc)) from None
        self.stderr.write(f"token for {user.email} ({issued.token.scopes}); shown once, store it now:")
        self.stdout.write(issued.secret)
