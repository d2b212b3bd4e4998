"""FxRate now belongs to the ledger (ledger 0002 took over its table)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
        ("ledger", "0002_fxrate"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="FxRate")], database_operations=[]),
    ]
