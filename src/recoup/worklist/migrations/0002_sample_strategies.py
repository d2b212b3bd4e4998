"""The three sample strategies a new installation starts with (docs/worklist.md explains them).

Written as literal data, not built from recoup.worklist.rules, so this migration means the
same thing forever. Amounts are home-currency minor units (1_000_000 = 10,000.00).
"""

from django.db import migrations

HOURS = {"start": "09:00", "end": "17:00", "weekdays": [0, 1, 2, 3, 4]}
EXCLUSIONS = {"open_promise": True, "all_disputed": True, "contacted_within_days": 3, "do_not_call": True, "on_hold": True}
ESCALATION = {"dispute_amount_over": 5_000_000, "broken_promises": 2}


def rule(kind, points, **params):
    return {"kind": kind, "points": points, "params": params}


SAMPLES = [
    {
        "name": "Amount-driven",
        "description": "Large and old overdue balances first; the default for every segment without its own strategy.",
        "segments": [],
        "is_default": True,
        "rules": [
            rule("overdue_amount", 60, min_amount=1_000_000, min_days=3),
            rule("oldest_overdue", 30, min_days=60),
            rule("risk", 40, min_probability=0.5),
            rule("credit_limit", 40),
            rule("promise_broken", 50, within_days=7),
            rule("promise_due_today", 20),
            rule("no_contact", 20, days=10),
            rule("dispute_resolved", 20, within_days=7),
            rule("instalment_due", 20, within_days=2),
            rule("preventive", 10, within_days=5, min_late=2),
        ],
    },
    {
        "name": "Promise-driven",
        "description": "Commitments first: broken promises, promises and instalments falling due. For small businesses and consumers.",
        "segments": ["smb", "consumer"],
        "is_default": False,
        "rules": [
            rule("promise_broken", 80, within_days=7),
            rule("promise_due_today", 50),
            rule("instalment_due", 60, within_days=2),
            rule("dispute_resolved", 30, within_days=7),
            rule("overdue_amount", 20, min_amount=100_000, min_days=7),
            rule("no_contact", 20, days=14),
            rule("risk", 20, min_probability=0.6),
        ],
    },
    {
        "name": "Preventive",
        "description": "Call before the due date where history says the money will be late; any overdue item still counts.",
        "segments": [],
        "is_default": False,
        "rules": [
            rule("preventive", 40, within_days=7, min_late=1),
            rule("risk", 30, min_probability=0.4),
            rule("overdue_amount", 20, min_amount=0, min_days=1),
            rule("promise_due_today", 30),
            rule("credit_limit", 30),
        ],
    },
]


def create(apps, schema_editor):
    Strategy = apps.get_model("worklist", "Strategy")
    for sample in SAMPLES:
        definition = {
            "rules": sample["rules"],
            "exclusions": EXCLUSIONS,
            "attempt_spacing_days": 1,
            "hours": HOURS,
            "escalation": ESCALATION,
        }
        Strategy.objects.get_or_create(
            name=sample["name"],
            defaults={
                "description": sample["description"],
                "segments": sample["segments"],
                "is_default": sample["is_default"],
                "definition": definition,
            },
        )


def remove(apps, schema_editor):
    apps.get_model("worklist", "Strategy").objects.filter(name__in=[s["name"] for s in SAMPLES]).delete()


class Migration(migrations.Migration):
    dependencies = [("worklist", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
