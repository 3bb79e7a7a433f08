"""pg_trgm on PostgreSQL, for the duplicate detection's name similarity; nothing on another database.

Not Django's TrigramExtension: unapplying it queries pg_extension even on SQLite.
"""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")


class Migration(migrations.Migration):
    dependencies = [("curation", "0001_initial")]
    # Left installed when unapplied: the extension may serve other databases' objects, and costs nothing.
    operations = [migrations.RunPython(create, migrations.RunPython.noop, elidable=False)]
