"""Exchange rates move from the reports app to the ledger (same rows; the table is renamed)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0001_initial"),
        ("reports", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="FxRate",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("currency", models.CharField(help_text="ISO 4217 code of the foreign currency", max_length=3)),
                        ("on", models.DateField(help_text="The rate holds from this date until the next one")),
                        (
                            "rate",
                            models.DecimalField(
                                decimal_places=9, help_text="Home-currency units per 1 unit of the currency", max_digits=24
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        "ordering": ["currency", "-on"],
                        "db_table": "reports_fxrate",
                        "constraints": [
                            models.UniqueConstraint(fields=("currency", "on"), name="fxrate_unique_currency_on"),
                            models.CheckConstraint(condition=models.Q(("rate__gt", 0)), name="fxrate_rate_positive"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="fxrate", table=None),
    ]
