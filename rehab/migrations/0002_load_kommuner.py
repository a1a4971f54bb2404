"""Load Sweden's 290 municipalities (SCB codes, CC0 list shipped in rehab/data)."""

from django.db import migrations

from rehab.kommuner import load_kommuner


def load(apps, schema_editor):
    load_kommuner(apps.get_model("rehab", "Kommun"))


class Migration(migrations.Migration):
    dependencies = [("rehab", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
