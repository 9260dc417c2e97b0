"""Every data table gets the ``_fp`` column of row fingerprints and the leaner history indexes
of storage.py: ``_batch_to`` indexed where set only, and on PostgreSQL a BRIN index on
``_batch_from``. The rows already there keep a NULL fingerprint: the next full load compares
them value by value and fills it in."""

from django.db import migrations


def add_fingerprints(apps, schema_editor):
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    postgres = connection.vendor == "postgresql"
    ResourceTable = apps.get_model("dataplane", "ResourceTable")
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        for name in ResourceTable.objects.values_list("table_name", flat=True):
            if name not in existing:
                continue
            columns = {c.name for c in connection.introspection.get_table_description(cursor, name)}
            if "_fp" not in columns:
                cursor.execute(f"ALTER TABLE {quote(name)} ADD COLUMN {quote('_fp')} bigint NULL")
            table, closed, batch_from = quote(name), quote(name + "_to"), quote(name + "_from")
            cursor.execute(f"DROP INDEX IF EXISTS {closed}")
            cursor.execute(
                f"CREATE INDEX {closed} ON {table} ({quote('_batch_to')}) "
                f"WHERE {quote('_batch_to')} IS NOT NULL"
            )
            if postgres:
                cursor.execute(f"DROP INDEX IF EXISTS {batch_from}")
                cursor.execute(f"CREATE INDEX {batch_from} ON {table} USING brin (_batch_from)")


class Migration(migrations.Migration):
    dependencies = [("dataplane", "0003_single_source")]

    operations = [migrations.RunPython(add_fingerprints, migrations.RunPython.noop)]
