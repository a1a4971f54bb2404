"""Attendance as a status (SPEC §13 rule 12): present → närvarande, absent → frånvarande,
keeping every recorded attendance; "anmält förhinder" is new."""

from django.db import migrations, models

PRESENT, ABSENT = "narvarande", "franvarande"


def boolean_to_status(apps, schema_editor):
    Attendance = apps.get_model("rehab", "Attendance")
    Attendance.objects.filter(present=True).update(status=PRESENT)
    Attendance.objects.filter(present=False).update(status=ABSENT)


def status_to_boolean(apps, schema_editor):
    # "Anmält förhinder" was an absence before the status existed.
    Attendance = apps.get_model("rehab", "Attendance")
    Attendance.objects.filter(status=PRESENT).update(present=True)
    Attendance.objects.exclude(status=PRESENT).update(present=False)


class Migration(migrations.Migration):
    dependencies = [
        ("rehab", "0010_referral_details_intro"),
    ]

    operations = [
        migrations.AddField(
            model_name="attendance",
            name="status",
            field=models.CharField(
                choices=[
                    ("narvarande", "Närvarande"),
                    ("anmalt_forhinder", "Anmält förhinder"),
                    ("franvarande", "Frånvarande"),
                ],
                default="franvarande",
                max_length=20,
                verbose_name="närvaro",
            ),
        ),
        migrations.RunPython(boolean_to_status, status_to_boolean),
        migrations.RemoveField(model_name="attendance", name="present"),
        migrations.AddConstraint(
            model_name="attendance",
            constraint=models.CheckConstraint(
                condition=models.Q(status__in=["narvarande", "anmalt_forhinder", "franvarande"]),
                name="attendance_status_known",
            ),
        ),
    ]
