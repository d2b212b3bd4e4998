"""Follow-up tasks move from the calls app to the worklist (same rows; the table is renamed)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("worklist", "0003_worklistentry_worklist_wo_built_a_06bc04_idx"),
        ("calls", "0001_initial"),
        ("activities", "0001_initial"),
        ("disputes", "0001_initial"),
        ("ledger", "0001_initial"),
        ("promises", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Task",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("call", "Call"),
                                    ("callback", "Callback"),
                                    ("promise_check", "Check promised payment"),
                                    ("dispute_sla", "Dispute due"),
                                    ("review", "Review"),
                                ],
                                max_length=16,
                            ),
                        ),
                        ("due_at", models.DateTimeField(help_text="UTC; shown in the customer's local time")),
                        ("zone", models.CharField(help_text="The customer's zone when the task was made", max_length=64)),
                        ("title", models.CharField(max_length=300)),
                        (
                            "status",
                            models.CharField(
                                choices=[("open", "Open"), ("done", "Done"), ("cancelled", "Cancelled")],
                                default="open",
                                max_length=10,
                            ),
                        ),
                        ("created_at", models.DateTimeField()),
                        ("done_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "activity",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="activities.activity",
                            ),
                        ),
                        (
                            "customer",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="tasks", to="ledger.customer"
                            ),
                        ),
                        (
                            "dispute",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="tasks",
                                to="disputes.dispute",
                            ),
                        ),
                        (
                            "promise",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="tasks",
                                to="promises.promise",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="tasks", to=settings.AUTH_USER_MODEL
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["due_at", "id"],
                        "db_table": "calls_task",
                        "indexes": [
                            models.Index(fields=["user", "status", "due_at"], name="calls_task_user_id_0b4060_idx"),
                            models.Index(fields=["customer", "status"], name="calls_task_custome_17f5ff_idx"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="task", table=None),
    ]
