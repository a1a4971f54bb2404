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
        # SPEC §13 rule 12.
        ARBETSTRANING = "arbetstraning", "Arbetsträning"
        ARBETSPROVNING = "arbetsprovning", "Arbetsprövning"
        SOCIAL_TRANING = "social_traning", "Social träning"
        PRAKTIK = "praktik", "Praktik"
        MOTIVERANDE_SAMTAL = "motiverande_samtal", "Motiverande samtal"
        KARTLAGGNING = "kartlaggning", "Kartläggning"

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="activities", verbose_name="team"
    )
    date = models.DateField("datum")
    title = models.CharField("aktivitet", max_length=150)
    kind = models.CharField("typ", max_length=20, choices=Kind, default=Kind.GROUP)
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
    """Whether an enrolled participant attended a group activity: present, absent, or absent
    with the absence notified in advance ("anmält förhinder", SPEC §13 rule 12), which is
    counted apart from unannounced absence."""

    class Status(models.TextChoices):
        PRESENT = "narvarande", "Närvarande"
        NOTIFIED = "anmalt_forhinder", "Anmält förhinder"
        ABSENT = "franvarande", "Frånvarande"

    activity = models.ForeignKey(
        GroupActivity, on_delete=models.CASCADE, related_name="attendances"
    )
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendances")
    status = models.CharField("närvaro", max_length=20, choices=Status, default=Status.ABSENT)

    class Meta:
        verbose_name = "närvaro"
        verbose_name_plural = "närvaro"
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "enrolment"], name="attendance_once_per_activity"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["narvarande", "anmalt_forhinder", "franvarande"]),
                name="attendance_status_known",
            ),
        ]

    def __str__(self):
        return f"{self.activity}: {self.get_status_display().lower()}"

    @property
    def present(self) -> bool:
        return self.status == self.Status.PRESENT
