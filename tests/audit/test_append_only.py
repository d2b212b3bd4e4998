"""No code path edits or deletes an audit event: the model, its queryset, the admin, PostgreSQL
itself, and a scan of the source for anything that would try."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.admin.sites import site
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from django.utils import timezone

from recoup.accounts.models import Role, User
from recoup.audit.models import AuditEvent, AuditTrailIsAppendOnly

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src" / "recoup"


@pytest.fixture
def event() -> AuditEvent:
    return AuditEvent.objects.create(
        at=timezone.now(), actor_label="ana@example.com", action="customer.update", object_type="ledger.customer"
    )


def test_a_stored_event_cannot_be_saved_again_or_deleted(event) -> None:
    event.action = "customer.create"
    with pytest.raises(AuditTrailIsAppendOnly):
        event.save()
    with pytest.raises(AuditTrailIsAppendOnly):
        event.delete()
    assert AuditEvent.objects.get().action == "customer.update"


def test_the_queryset_refuses_bulk_update_and_delete(event) -> None:
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == 1


def test_the_admin_reads_only(event) -> None:
    admin = site._registry[AuditEvent]
    request = RequestFactory().get("/admin/")
    request.user = User.objects.create_superuser(email="root@example.com", password="x")
    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request, event)
    assert not admin.has_delete_permission(request, event)


def test_deleting_a_user_keeps_their_events_under_their_name() -> None:
    ana = User.objects.create_user(email="ana@example.com", password="x", role=Role.COLLECTOR)
    AuditEvent.objects.create(
        at=timezone.now(), actor=ana, actor_label=ana.email, action="customer.update", object_type="ledger.customer"
    )
    ana.delete()
    kept = AuditEvent.objects.get()
    assert (kept.actor_id, kept.actor_label) == (None, "ana@example.com")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgresql_refuses_raw_updates_and_deletes(event) -> None:
    table = AuditEvent._meta.db_table
    for statement in (f"UPDATE {table} SET action = 'x'", f"DELETE FROM {table}"):
        with pytest.raises(DatabaseError, match="never"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditEvent.objects.get().action == "customer.update"


# AuditEvent (or its queryset) followed, within the statement, by .update( or .delete(, or raw SQL
# that changes the table.
WRITES = [
    re.compile(r"AuditEvent\b[^\n;]*\.(update|delete|bulk_update)\("),
    re.compile(r"(UPDATE|DELETE\s+FROM)\s+\"?audit_auditevent", re.IGNORECASE),
]


def test_no_source_file_edits_or_deletes_audit_events() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in WRITES:
            offenders += [f"{path.relative_to(SRC)}: {m.group(0)}" for m in pattern.finditer(text)]
    assert offenders == []
