"""The audit chain's head row, and on PostgreSQL the triggers that make the audit tables
append-only (SEC-4)."""

from django.db import migrations


def create_head(apps, schema_editor):
    apps.get_model("core", "AuditChainHead").objects.get_or_create(
        pk=1, defaults={"seq": 0, "hash": ""}
    )


def protect(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from govdata.core.audit import protect_table_sql

    for statement in protect_table_sql():
        schema_editor.execute(statement, params=None)


def unprotect(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP TRIGGER IF EXISTS audit_entry_guard ON core_auditentry")
    schema_editor.execute("DROP TRIGGER IF EXISTS audit_seal_guard ON core_auditseal")


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.RunPython(create_head, migrations.RunPython.noop),
        migrations.RunPython(protect, unprotect),
    ]
