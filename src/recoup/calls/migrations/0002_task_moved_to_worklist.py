"""Task now belongs to the worklist (worklist 0004 took over its table)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0001_initial"),
        ("worklist", "0004_task"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="Task")], database_operations=[]),
    ]
