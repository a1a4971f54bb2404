from django.db import migrations


class Migration(migrations.Migration):
    """Periods may be given in weeks (SPEC §13 rule 7): the month-named fields lose the unit."""

    dependencies = [("modules", "0002_calendarfeed")]

    operations = [
        migrations.RemoveConstraint(model_name="module", name="module_periods_positive"),
        migrations.RenameField("module", "first_period_months", "first_period"),
        migrations.RenameField("module", "extension_months", "extension_period"),
    ]
