"""The default strategy's sample follow-up sequence (issue 13): e-mails before and after the due
date, a call, a final letter with an escalation, a credit hold. Managers edit it afterwards in
the step editor; a database without a default strategy gets none."""

from django.db import migrations

# key, label, offset, channel, template key
DEFAULT_SEQUENCE = [
    ("friendly-reminder", "Friendly reminder", -3, "email", "friendly-reminder"),
    ("overdue-notice", "Overdue notice", 1, "email", "overdue-notice"),
    ("call", "Call about the overdue items", 7, "call_task", ""),
    ("second-notice", "Second notice", 14, "email", "second-notice"),
    ("final-notice", "Final notice (letter)", 30, "letter", "final-notice"),
    ("escalate", "Escalation to a senior", 30, "escalate", ""),
    ("credit-hold", "Credit hold", 45, "credit_hold", ""),
]


def create(apps, schema_editor):
    Strategy = apps.get_model("worklist", "Strategy")
    SequenceStep = apps.get_model("dunning", "SequenceStep")
    strategy = Strategy.objects.filter(is_default=True).first()
    if strategy is None or SequenceStep.objects.filter(strategy=strategy).exists():
        return
    SequenceStep.objects.bulk_create(
        SequenceStep(strategy=strategy, key=key, label=label, offset_days=offset, channel=channel, template_key=template)
        for key, label, offset, channel, template in DEFAULT_SEQUENCE
    )


def remove(apps, schema_editor):
    SequenceStep = apps.get_model("dunning", "SequenceStep")
    SequenceStep.objects.filter(key__in=[row[0] for row in DEFAULT_SEQUENCE]).delete()


class Migration(migrations.Migration):
    dependencies = [("dunning", "0001_initial"), ("worklist", "0002_sample_strategies")]

    operations = [migrations.RunPython(create, remove)]
