"""The `recoup` command. Sub-commands are Django management commands; this maps the names
users type (`recoup import invoices FILE`) onto them and keeps Django's own commands reachable.
"""

from __future__ import annotations

import os
import sys

COMMANDS = {
    "init": ("init", "create or upgrade the database; --demo loads the demo company when it is empty"),
    "demo": ("demo", "build the demo company (--customers N --invoices N --seed S)"),
    "import": (
        "import_ledger",
        "import customers|contacts|invoices|payments FILE [--mapping PRESET|FILE.toml] [--dry-run];"
        " import bank FILE [--dry-run] [--json]",
    ),
    "export": ("export_ledger", "export customers|invoices|open-items --format csv|json|xlsx [--as-of DATE]"),
    "report": ("report", "report aging|dso|cei|disputes|forecast|forecast-backtest --as-of DATE [--weeks N]"),
    "worklist": ("worklist", "who to call, when and why: [--at ISO-DATETIME] [--collector EMAIL] [--why-not REF] [--json]"),
    "train": ("train", "train the payment-prediction model on the ledger and score every open item [--as-of DATE]"),
    "backtest": ("backtest", "backtest payment prediction against baselines: --as-of DATE [--mode issue|open] [--json]"),
    "serve": ("serve", "serve the web application (production server) with a background worker [--no-worker]"),
    "worker": ("run_huey", "run background and nightly jobs: scoring after imports, retraining (huey consumer)"),
    "followups": ("followups", "send what the follow-up sequences say is due: run [--at ISO-DATETIME] [--dry-run] [--json]"),
    "jobs": ("jobs", "background jobs and how they went: [--failed] [--status S] [--json]"),
    "createuser": ("createuser", "add a user with a role"),
    "token": ("token", "personal API tokens: create EMAIL --scopes read,write | list EMAIL | revoke PREFIX"),
}


def _usage() -> str:
    lines = ["usage: recoup COMMAND [ARGS] (every command has --help)", "", "commands:"]
    lines += [f"  {name:<12} {text}" for name, (_, text) in COMMANDS.items()]
    lines += ["", "Django's own commands (migrate, createsuperuser, shell, ...) work too."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recoup.settings")
    if not args or args[0] in {"-h", "--help", "help"}:
        print(_usage())
        return
    name, *rest = args
    command = COMMANDS.get(name, (name, ""))[0]
    if name == "import" and rest[:1] == ["bank"]:
        # Bank statements belong to cash application (recoup.cashapp), not to the ledger import.
        command, rest = "import_bank", rest[1:]
    from django.core.management import execute_from_command_line

    execute_from_command_line(["recoup", command, *rest])


if __name__ == "__main__":
    main()
