"""The audit trail is append-only in the database too (PostgreSQL; docs/audit.md).

A trigger refuses DELETE, and UPDATE of anything but the two foreign keys being set to NULL
(what ON DELETE SET NULL does when a user or an import run is deleted: the label stays).
TRUNCATE, which only a test's flush or a restore uses, does not fire row triggers.
SQLite gets no trigger: Django's test flush deletes rows there; the model refuses instead.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'audit events are never deleted';
    END IF;
    IF (NEW.id, NEW.at, NEW.actor_label, NEW.action, NEW.object_type, NEW.object_id, NEW.object_ref,
        NEW.before::text, NEW.after::text)
       IS DISTINCT FROM
       (OLD.id, OLD.at, OLD.actor_label, OLD.action, OLD.object_type, OLD.object_id, OLD.object_ref,
        OLD.before::text, OLD.after::text)
       OR (NEW.actor_id IS NOT NULL AND NEW.actor_id IS DISTINCT FROM OLD.actor_id)
       OR (NEW.import_run_id IS NOT NULL AND NEW.import_run_id IS DISTINCT FROM OLD.import_run_id) THEN
        RAISE EXCEPTION 'audit events are never edited';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
"""
REVERSE = """
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REVERSE)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
