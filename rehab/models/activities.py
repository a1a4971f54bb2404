"""Group activities and who attended them."""

from django.conf import settings
from django.db import models

from rehab.models.enrolments import Enrolment
from rehab.models.organisation import Team


class GroupActivity(models.Model):
    """A scheduled group activity (fikagrupp, friskvård …) whose attendance is recorded."""

    class Kind(models.TextChoices):
        GROUP = "group", "Gruppaktivitet"
        WELLNESS = "wellness", "Friskvård"

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="activities", verbose_name="team"
    )
    date = models.DateField("datum")
    title = models.CharField("aktivitet", max_length=150)
    kind = models.CharField("typ", max_length=10, choices=Kind, default=Kind.GROUP)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = "gruppaktivitet"
        verbose_name_plural = "gruppaktiviteter"
        ordering = ["-date", "-pk"]
        indexes = [
            # The team's activity list, newest first.
            models.Index(fields=["team", "-date"], name="activity_team_date_idx"),
        ]

    def __str__(self):
        return f"{self.title} {self.date:%Y-%m-%d}"


class Attendance(models.Model):
    """Whether an enrolled participant attended a group activity."""

    activity = models.ForeignKey(
        GroupActivity, on_delete=models.CASCADE, related_name="attendances"
    )
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendances")
    present = models.BooleanField("närvarande", default=False)

    class Meta:
        verbose_name = "närvaro"
        verbose_name_plural = "närvaro"
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "enrolment"], name="attendance_once_per_activity"
            )
        ]

    def __str__(self):
        return f"{self.activity}: {'närvarande' if self.present else 'frånvarande'}"
