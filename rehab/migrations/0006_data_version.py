"""The data version of the read-model cache (rehab/freshness.py): one row, created here so
that replacing its token is one UPDATE."""

from django.db import migrations, models


def create_row(apps, schema_editor):
    apps.get_model("rehab", "DataVersion").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [
        ("rehab", "0005_drop_fk_indexes_covered_by_composite"),
    ]

    operations = [
        migrations.CreateModel(
            name="DataVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.BigIntegerField(default=0, verbose_name="token")),
            ],
            options={
                "verbose_name": "dataversion",
                "verbose_name_plural": "dataversioner",
            },
        ),
        migrations.RunPython(create_row, migrations.RunPython.noop),
    ]
