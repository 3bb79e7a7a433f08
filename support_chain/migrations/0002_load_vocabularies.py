from django.db import migrations


def load(apps, schema_editor):
    from portal.vocabularies import sync_vocabulary

    sync_vocabulary(apps.get_model("support_chain", "Stage"), "stages")
    sync_vocabulary(apps.get_model("support_chain", "Need"), "needs")


class Migration(migrations.Migration):
    dependencies = [("support_chain", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
