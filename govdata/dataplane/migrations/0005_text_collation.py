"""On PostgreSQL the text columns of every data table compare byte by byte (``COLLATE "C"``),
as storage.py now creates them: the key index builds faster, and a load's staging tables,
made the same way, join the table by key under the byte collation, which an index of the
default collation would not serve. SQLite tables are left as they are."""

from django.db import migrations

TEXT_TYPES = ("string", "ric", "uscc")
COLLATED = 'text COLLATE "C"'


def collate_text(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    ResourceTable = apps.get_model("dataplane", "ResourceTable")
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        for table in ResourceTable.objects.all():
            if table.table_name not in existing:
                continue
            text = [n for n, c in table.columns.items() if c["type"] in TEXT_TYPES]
            if text:
                changes = ", ".join(f"ALTER COLUMN {quote(n)} TYPE {COLLATED}" for n in text)
                cursor.execute(f"ALTER TABLE {quote(table.table_name)} {changes}")
            table.columns = {
                n: {**c, "sql": COLLATED} if n in text else c for n, c in table.columns.items()
            }
            table.save(update_fields=["columns"])


class Migration(migrations.Migration):
    dependencies = [("dataplane", "0004_row_fingerprints")]

    operations = [migrations.RunPython(collate_text, migrations.RunPython.noop)]
