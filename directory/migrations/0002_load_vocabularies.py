from django.db import migrations


def load(apps, schema_editor):
    from portal.vocabularies import sync_vocabulary

    sync_vocabulary(apps.get_model("directory", "LegalForm"), "legal_forms")
    sync_vocabulary(apps.get_model("directory", "Instrument"), "instruments")
    sync_vocabulary(apps.get_model("directory", "Network"), "networks")


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
