"""Strategies gain the rule "a dispute case is past its SLA" (+25), so a breached case shows
among the customer's reasons on the worklist (issue 14). Written as literal data, like 0002:
it means the same thing forever. A strategy that already has the rule is left as it is;
managers may change its points or remove it like any other rule.
"""

from django.db import migrations

RULE = {"kind": "dispute_sla_breached", "points": 25, "params": {}}


def add_rule(apps, schema_editor):
    Strategy = apps.get_model("worklist", "Strategy")
    for strategy in Strategy.objects.all():
        rules = list((strategy.definition or {}).get("rules", []))
        if any(isinstance(r, dict) and r.get("kind") == RULE["kind"] for r in rules):
            continue
        strategy.definition = {**strategy.definition, "rules": [*rules, dict(RULE)]}
        strategy.save(update_fields=["definition"])


def remove_rule(apps, schema_editor):
    Strategy = apps.get_model("worklist", "Strategy")
    for strategy in Strategy.objects.all():
        rules = [r for r in (strategy.definition or {}).get("rules", []) if not (isinstance(r, dict) and r.get("kind") == RULE["kind"])]
        strategy.definition = {**strategy.definition, "rules": rules}
        strategy.save(update_fields=["definition"])


class Migration(migrations.Migration):
    dependencies = [("worklist", "0004_task")]

    operations = [migrations.RunPython(add_rule, remove_rule)]
